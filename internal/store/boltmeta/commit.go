package boltmeta

import (
	"sync"

	bolt "go.etcd.io/bbolt"
)

// committer is a group commit for write transactions. bbolt fsyncs once per
// transaction, so concurrent writers that each ran their own db.Update would
// each pay for a sync. Here the first writer becomes the leader and commits
// at once (no waiting for company, unlike bbolt's db.Batch, whose 10 ms
// delay would cap a single client at 100 writes/s); writers arriving while a
// commit is in flight queue up, and the next leader commits all of them in
// one transaction.
//
// Write functions must be safe to re-run: when one of a batch fails, the
// whole transaction is rolled back and each function is re-run in its own
// transaction, so that one failure cannot undo or leak into the others'
// writes. They must reset their captured results at the start.
type committer struct {
	db *bolt.DB

	mu      sync.Mutex
	pending []*writeOp
	leading bool
}

type writeOp struct {
	fn   func(*bolt.Tx) error
	err  error
	done chan bool // receives true: "you lead the next batch", false: "done"
}

// maxBatch bounds the work of one transaction, so that the leader's latency
// stays bounded under heavy load.
const maxBatch = 256

var opPool = sync.Pool{New: func() any { return &writeOp{done: make(chan bool, 1)} }}

// update runs fn in a write transaction, possibly shared with other
// writers, and returns fn's error or the commit's.
func (c *committer) update(fn func(*bolt.Tx) error) error {
	op := opPool.Get().(*writeOp)
	op.fn, op.err = fn, nil
	c.mu.Lock()
	c.pending = append(c.pending, op)
	if c.leading {
		c.mu.Unlock()
		if lead := <-op.done; lead {
			c.lead()
		}
	} else {
		c.leading = true
		c.mu.Unlock()
		c.lead()
	}
	err := op.err
	op.fn = nil
	opPool.Put(op)
	return err
}

// lead commits one batch (which includes the leader's own op), then hands
// leadership to the oldest waiting writer, or gives it up.
func (c *committer) lead() {
	c.mu.Lock()
	batch := c.pending
	if len(batch) > maxBatch {
		batch = batch[:maxBatch:maxBatch]
		c.pending = append([]*writeOp(nil), c.pending[maxBatch:]...)
	} else {
		c.pending = nil
	}
	c.mu.Unlock()

	c.run(batch)

	c.mu.Lock()
	var next *writeOp
	if len(c.pending) > 0 {
		next = c.pending[0]
	} else {
		c.leading = false
	}
	c.mu.Unlock()

	// The leader's op is always batch[0]: the first writer appends its op
	// to an empty queue, and a waiting writer is handed the lead only when
	// its op is the oldest pending. Wake the others, then hand over.
	for _, op := range batch[1:] {
		op.done <- false
	}
	if next != nil {
		next.done <- true
	}
}

func (c *committer) run(batch []*writeOp) {
	if len(batch) == 1 {
		batch[0].err = c.db.Update(batch[0].fn)
		return
	}
	failed := false
	err := c.db.Update(func(tx *bolt.Tx) error {
		for _, op := range batch {
			if op.err = op.fn(tx); op.err != nil {
				failed = true
				return op.err
			}
		}
		return nil
	})
	if failed {
		// Roll back happened; give each op its own transaction.
		for _, op := range batch {
			op.err = c.db.Update(op.fn)
		}
		return
	}
	if err != nil { // the commit itself failed: nothing was written
		for _, op := range batch {
			op.err = err
		}
	}
}
