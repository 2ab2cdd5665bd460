package accesslog

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgegate/edgegate/internal/atomicfile"
)

// Kind says which log a Target is for.
type Kind uint8

const (
	// KindS3 is the S3 server access log.
	KindS3 Kind = iota + 1
	// KindCloudFront is the CloudFront standard log.
	KindCloudFront
)

func (k Kind) String() string {
	switch k {
	case KindS3:
		return "s3"
	case KindCloudFront:
		return "cloudfront"
	}
	return "unknown"
}

// Target is where a record's log object goes. Records with equal Targets
// are batched into the same objects. It is comparable (a map key).
type Target struct {
	Kind Kind
	// Bucket is the bucket the objects are delivered to; "" delivers to
	// the Sink's directory only (a CloudFront distribution without
	// logging when --cloudfront-log-dir is set).
	Bucket string
	// Prefix is the S3 TargetPrefix, used verbatim, or the CloudFront
	// Logging.Prefix, which gets a "/" appended when it lacks one.
	Prefix string

	// S3 only: the logged (source) bucket, its owner account and region,
	// and the TargetObjectKeyFormat: Partitioned (PartitionedPrefix, else
	// SimplePrefix) and DeliveryTime (PartitionDateSource DeliveryTime,
	// else EventTime).
	SourceBucket  string
	SourceAccount string
	SourceRegion  string
	Partitioned   bool
	DeliveryTime  bool

	// CloudFront only: the distribution logged.
	DistributionID string

	// period is the time span the object's name fixes (the hour of a
	// CloudFront file, the day of an EventTime-partitioned S3 key), set
	// by Add so that records of different periods go to different
	// objects.
	period int64
}

// Object is one log object ready for delivery.
type Object struct {
	Target Target
	// Key is the object key (and, under a Sink's directory, the relative
	// path) AWS would give it.
	Key string
	// Body is the object's content: S3 log lines, or a gzip file of the
	// CloudFront header lines and records.
	Body []byte
	// Records is how many records the object holds.
	Records int
}

// Sink delivers log objects. Deliver is called without the Writer's
// locks held, one object at a time per Writer.
type Sink interface {
	Deliver(ctx context.Context, obj *Object) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, obj *Object) error

// Deliver calls f.
func (f SinkFunc) Deliver(ctx context.Context, obj *Object) error { return f(ctx, obj) }

// DirSink writes each object as a file under Dir, at the object's key
// (its "/" separators become directories), atomically.
type DirSink struct{ Dir string }

// Deliver writes obj under d.Dir; a key that would leave the directory
// ("..") is refused.
func (d DirSink) Deliver(_ context.Context, obj *Object) error {
	rel := filepath.FromSlash(strings.TrimLeft(obj.Key, "/"))
	if !filepath.IsLocal(rel) {
		return fmt.Errorf("accesslog: log object key %q is not a path under %s", obj.Key, d.Dir)
	}
	path := filepath.Join(d.Dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, obj.Body, 0o644)
}

// Sinks delivers to each sink in turn, returning their errors joined.
type Sinks []Sink

// Deliver delivers obj to every sink.
func (s Sinks) Deliver(ctx context.Context, obj *Object) error {
	var errs []error
	for _, k := range s {
		if err := k.Deliver(ctx, obj); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DefaultInterval is how often a Writer delivers what it has buffered,
// when Config.Interval is 0.
const DefaultInterval = 60 * time.Second

// DefaultMaxBufferBytes is the size at which one target's buffered
// records are delivered without waiting for the interval.
const DefaultMaxBufferBytes = 8 << 20

// Config is what a Writer is built from.
type Config struct {
	// Sink receives the objects.
	Sink Sink
	// Interval is how often buffered records are delivered (default
	// DefaultInterval). AWS delivers S3 server access logs within hours
	// and CloudFront logs up to several times an hour; edgegate delivers
	// sooner so that logs can be read while testing.
	Interval time.Duration
	// MaxBufferBytes is the per-target size that triggers an early
	// delivery (default DefaultMaxBufferBytes).
	MaxBufferBytes int
	// Logger receives delivery failures (default slog.Default()).
	Logger *slog.Logger
	// OnDeliver, if set, is told the outcome of every delivery (metrics).
	OnDeliver func(obj *Object, err error)
	// Now is the clock (default time.Now); tests fix it.
	Now func() time.Time
}

// Writer buffers log records per Target and delivers them as log objects
// on an interval, when a target's buffer is full, on Flush and on Close.
// Delivery is best effort, as AWS's is: an object the sink refuses (the
// target bucket does not allow the log delivery service, or is gone) is
// dropped and logged. It is safe for concurrent use.
type Writer struct {
	cfg Config

	mu      sync.Mutex
	streams map[Target]*stream
	closed  bool

	// deliverMu serialises deliveries, so that Flush returning means
	// everything added before it was handed to the sink.
	deliverMu sync.Mutex

	stop    chan struct{}
	done    chan struct{}
	started atomic.Bool
	once    sync.Once
}

type stream struct {
	buf     []byte
	records int
	first   time.Time // the first record's event time
}

// NewWriter returns a Writer; call Start to deliver on the interval and
// Close to deliver what is left.
func NewWriter(cfg Config) *Writer {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.MaxBufferBytes <= 0 {
		cfg.MaxBufferBytes = DefaultMaxBufferBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Writer{cfg: cfg, streams: map[Target]*stream{}, stop: make(chan struct{}), done: make(chan struct{})}
}

// Start delivers buffered records every Interval until Close.
func (w *Writer) Start() {
	if !w.started.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer close(w.done)
		t := time.NewTicker(w.cfg.Interval)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				_ = w.Flush(context.Background())
			}
		}
	}()
}

// AddS3 buffers an S3 server access log record for target t.
func (w *Writer) AddS3(t Target, rec *S3Record) {
	t.Kind = KindS3
	if t.Partitioned && !t.DeliveryTime {
		t.period = rec.Time.UTC().Truncate(24 * time.Hour).Unix()
	}
	w.add(t, rec.Time, rec.AppendLine)
}

// AddCloudFront buffers a CloudFront standard log record for target t.
func (w *Writer) AddCloudFront(t Target, rec *CloudFrontRecord) {
	t.Kind = KindCloudFront
	t.period = rec.Time.UTC().Truncate(time.Hour).Unix()
	w.add(t, rec.Time, rec.AppendLine)
}

func (w *Writer) add(t Target, at time.Time, appendLine func([]byte) []byte) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	s := w.streams[t]
	if s == nil {
		s = &stream{first: at}
		w.streams[t] = s
	}
	s.buf = appendLine(s.buf)
	s.records++
	full := len(s.buf) >= w.cfg.MaxBufferBytes
	if full {
		delete(w.streams, t)
	}
	w.mu.Unlock()
	if full {
		go w.deliver(context.Background(), t, s)
	}
}

// Flush delivers everything buffered so far and returns the delivery
// errors joined (also logged).
func (w *Writer) Flush(ctx context.Context) error {
	w.mu.Lock()
	streams := w.streams
	w.streams = map[Target]*stream{}
	w.mu.Unlock()
	targets := make([]Target, 0, len(streams))
	for t := range streams {
		targets = append(targets, t)
	}
	// A stable order: deliveries to one bucket in the order of their
	// first record.
	slices.SortFunc(targets, func(a, b Target) int { return streams[a].first.Compare(streams[b].first) })
	var errs []error
	for _, t := range targets {
		if err := w.deliver(ctx, t, streams[t]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close stops the interval, delivers what is buffered, and drops records
// added afterwards.
func (w *Writer) Close(ctx context.Context) error {
	var err error
	w.once.Do(func() {
		close(w.stop)
		if w.started.Load() {
			<-w.done
		}
		err = w.Flush(ctx)
		// A delivery may itself be logged (a log delivery PUT to a bucket
		// with logging enabled): deliver those once more, then close.
		err = errors.Join(err, w.Flush(ctx))
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
	})
	return err
}

func (w *Writer) deliver(ctx context.Context, t Target, s *stream) error {
	w.deliverMu.Lock()
	defer w.deliverMu.Unlock()
	now := w.cfg.Now()
	obj := &Object{Target: t, Records: s.records}
	switch t.Kind {
	case KindCloudFront:
		obj.Key = CloudFrontObjectKey(t.Prefix, t.DistributionID, s.first, cloudFrontUnique())
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		_, _ = zw.Write([]byte(CloudFrontHeader))
		_, _ = zw.Write(s.buf)
		_ = zw.Close() // writes to memory: cannot fail
		obj.Body = zb.Bytes()
	default:
		when := s.first
		if t.DeliveryTime || !t.Partitioned {
			when = now
		}
		obj.Key = S3ObjectKey(t, when, s3Unique())
		obj.Body = s.buf
	}
	err := w.cfg.Sink.Deliver(ctx, obj)
	if err != nil {
		w.cfg.Logger.Warn("access log delivery failed; the log object is dropped",
			"log", t.Kind.String(), "bucket", t.Bucket, "key", obj.Key, "records", s.records, "err", err)
	}
	if w.cfg.OnDeliver != nil {
		w.cfg.OnDeliver(obj, err)
	}
	return err
}

// S3ObjectKey is the key of an S3 server access log object delivered at
// (or, for EventTime partitions, holding records of the day of) when:
//
//	SimplePrefix:      PREFIX YYYY-mm-DD-HH-MM-SS-UNIQUE
//	PartitionedPrefix: PREFIX SOURCEACCOUNT/SOURCEREGION/SOURCEBUCKET/YYYY/mm/DD/YYYY-mm-DD-HH-MM-SS-UNIQUE
//
// with the prefix used verbatim (S3 adds no "/"); an EventTime partition
// has its time of day set to 00-00-00.
func S3ObjectKey(t Target, when time.Time, unique string) string {
	when = when.UTC()
	if !t.Partitioned {
		return t.Prefix + when.Format("2006-01-02-15-04-05") + "-" + unique
	}
	if !t.DeliveryTime {
		when = when.Truncate(24 * time.Hour)
	}
	return t.Prefix + t.SourceAccount + "/" + t.SourceRegion + "/" + t.SourceBucket + "/" +
		when.Format("2006/01/02/") + when.Format("2006-01-02-15-04-05") + "-" + unique
}

// CloudFrontObjectKey is the key of a CloudFront standard log file for
// the hour of first: PREFIX/DISTID.YYYY-MM-DD-HH.UNIQUE.gz, a "/" added
// after a non-empty prefix that lacks one.
func CloudFrontObjectKey(prefix, distributionID string, first time.Time, unique string) string {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + distributionID + "." + first.UTC().Format("2006-01-02-15") + "." + unique + ".gz"
}

// s3Unique is the UniqueString of an S3 log object key: 16 uppercase hex
// characters, as observed.
func s3Unique() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// cloudFrontUnique is the unique id of a CloudFront log file name: 8
// lowercase hex characters (UNCONFIRMED: observed names carry 8 hex
// characters; the documentation's example has "RT4KCN4SGK9").
func cloudFrontUnique() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
