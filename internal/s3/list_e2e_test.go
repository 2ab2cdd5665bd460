package s3_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/testenv"
)

// putKeys stores a one-byte object under each key, 16 at a time.
func putKeys(t *testing.T, c *s3.Client, bucket string, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	errs := make(chan error, len(keys))
	for _, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := c.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("x"),
			})
			if err != nil {
				errs <- fmt.Errorf("PutObject %q: %w", k, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestListPaging(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "many")
	var keys []string
	for i := range 2500 {
		keys = append(keys, fmt.Sprintf("k/%05d", i))
	}
	putKeys(t, c, "many", keys)

	t.Run("v2 paginator", func(t *testing.T) {
		var got []string
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("many")})
		var counts []int32
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			counts = append(counts, aws.ToInt32(out.KeyCount))
			for _, o := range out.Contents {
				got = append(got, aws.ToString(o.Key))
			}
		}
		if !slices.Equal(got, keys) || !slices.Equal(counts, []int32{1000, 1000, 500}) {
			t.Errorf("v2 paging: %d keys in pages %v", len(got), counts)
		}
	})

	t.Run("v2 tokens and max-keys", func(t *testing.T) {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), MaxKeys: aws.Int32(700)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) != 700 || !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil || aws.ToInt32(out.MaxKeys) != 700 {
			t.Fatalf("first page: %d keys truncated=%v token=%v", len(out.Contents), aws.ToBool(out.IsTruncated), out.NextContinuationToken)
		}
		next, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), MaxKeys: aws.Int32(700),
			ContinuationToken: out.NextContinuationToken, StartAfter: aws.String("k/02000")})
		if err != nil {
			t.Fatal(err)
		}
		// The token wins over start-after, which is echoed.
		if aws.ToString(next.Contents[0].Key) != keys[700] || aws.ToString(next.ContinuationToken) != aws.ToString(out.NextContinuationToken) ||
			aws.ToString(next.StartAfter) != "k/02000" {
			t.Errorf("second page starts at %q, token %q, start-after %q", aws.ToString(next.Contents[0].Key),
				aws.ToString(next.ContinuationToken), aws.ToString(next.StartAfter))
		}
		big, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), MaxKeys: aws.Int32(5000)})
		if err != nil || len(big.Contents) != 1000 || !aws.ToBool(big.IsTruncated) {
			t.Errorf("max-keys 5000: %d keys, %v", len(big.Contents), err)
		}
		zero, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), MaxKeys: aws.Int32(0)})
		if err != nil || len(zero.Contents) != 0 || aws.ToBool(zero.IsTruncated) || aws.ToInt32(zero.KeyCount) != 0 {
			t.Errorf("max-keys 0: %+v %v", zero, err)
		}
	})

	t.Run("v2 start-after", func(t *testing.T) {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), StartAfter: aws.String("k/02490")})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
		}
		if !slices.Equal(got, keys[2491:]) || aws.ToBool(out.IsTruncated) || out.NextContinuationToken != nil {
			t.Errorf("start-after: %v", got)
		}
		// start-after between keys, and before all of them.
		out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), StartAfter: aws.String("k/02490x"), MaxKeys: aws.Int32(1)})
		if err != nil || aws.ToString(out.Contents[0].Key) != "k/02491" {
			t.Errorf("start-after between keys: %v %v", out, err)
		}
	})

	t.Run("v1 markers", func(t *testing.T) {
		var got []string
		marker := ""
		pages := 0
		for {
			out, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("many"), Marker: aws.String(marker), MaxKeys: aws.Int32(900)})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if aws.ToString(out.Marker) != marker {
				t.Errorf("Marker echo %q, want %q", aws.ToString(out.Marker), marker)
			}
			// Without a delimiter S3 sends no NextMarker: clients go on from
			// the last key.
			if out.NextMarker != nil {
				t.Errorf("NextMarker %q without a delimiter", aws.ToString(out.NextMarker))
			}
			for _, o := range out.Contents {
				got = append(got, aws.ToString(o.Key))
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			marker = got[len(got)-1]
		}
		if !slices.Equal(got, keys) || pages != 3 {
			t.Errorf("v1 paging: %d keys in %d pages", len(got), pages)
		}
	})

	t.Run("v1 prefix", func(t *testing.T) {
		out, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("many"), Prefix: aws.String("k/01")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) != 1000 || aws.ToBool(out.IsTruncated) || aws.ToString(out.Prefix) != "k/01" {
			t.Errorf("v1 prefix k/01: %d keys, truncated %v", len(out.Contents), aws.ToBool(out.IsTruncated))
		}
	})
}

func TestListDelimiter(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "tree")
	keys := []string{
		"a.txt", "b/1", "b/2", "b/c/3", "c/4", "d", "photos/2006/jan/x.jpg", "photos/2006/feb/y.jpg",
		"photos/2006/index.html", "photos/2007/z.jpg", "z",
	}
	putKeys(t, c, "tree", keys)

	type page struct {
		keys, prefixes []string
	}
	collect := func(contents []types.Object, cps []types.CommonPrefix) page {
		var p page
		for _, o := range contents {
			p.keys = append(p.keys, aws.ToString(o.Key))
		}
		for _, cp := range cps {
			p.prefixes = append(p.prefixes, aws.ToString(cp.Prefix))
		}
		return p
	}
	check := func(what string, got page, keys, prefixes []string) {
		t.Helper()
		if !slices.Equal(got.keys, keys) || !slices.Equal(got.prefixes, prefixes) {
			t.Errorf("%s: keys %v prefixes %v; want %v %v", what, got.keys, got.prefixes, keys, prefixes)
		}
	}

	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("tree"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	check("root", collect(out.Contents, out.CommonPrefixes), []string{"a.txt", "d", "z"}, []string{"b/", "c/", "photos/"})
	if aws.ToInt32(out.KeyCount) != 6 || aws.ToString(out.Delimiter) != "/" {
		t.Errorf("KeyCount %d Delimiter %q", aws.ToInt32(out.KeyCount), aws.ToString(out.Delimiter))
	}

	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("tree"), Delimiter: aws.String("/"), Prefix: aws.String("photos/2006/")})
	if err != nil {
		t.Fatal(err)
	}
	check("photos/2006/", collect(out.Contents, out.CommonPrefixes), []string{"photos/2006/index.html"}, []string{"photos/2006/feb/", "photos/2006/jan/"})

	// Paging one entry at a time walks keys and prefixes in order, each once.
	var all page
	var token *string
	for {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("tree"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1), ContinuationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		p := collect(out.Contents, out.CommonPrefixes)
		all.keys = append(all.keys, p.keys...)
		all.prefixes = append(all.prefixes, p.prefixes...)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		token = out.NextContinuationToken
	}
	check("v2 one at a time", all, []string{"a.txt", "d", "z"}, []string{"b/", "c/", "photos/"})

	// v1 with a delimiter gives NextMarker, which may be a common prefix.
	all = page{}
	marker := ""
	var markers []string
	for {
		out, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("tree"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2), Marker: aws.String(marker)})
		if err != nil {
			t.Fatal(err)
		}
		p := collect(out.Contents, out.CommonPrefixes)
		all.keys = append(all.keys, p.keys...)
		all.prefixes = append(all.prefixes, p.prefixes...)
		if !aws.ToBool(out.IsTruncated) {
			if out.NextMarker != nil {
				t.Errorf("NextMarker %q on the last page", aws.ToString(out.NextMarker))
			}
			break
		}
		marker = aws.ToString(out.NextMarker)
		markers = append(markers, marker)
	}
	check("v1 pages of two", all, []string{"a.txt", "d", "z"}, []string{"b/", "c/", "photos/"})
	if !slices.Equal(markers, []string{"b/", "d"}) {
		t.Errorf("v1 NextMarkers %v", markers)
	}

	// A multi-character delimiter, and a delimiter that never matches.
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("tree"), Delimiter: aws.String("/2006/")})
	if err != nil {
		t.Fatal(err)
	}
	check("delimiter /2006/", collect(out.Contents, out.CommonPrefixes),
		[]string{"a.txt", "b/1", "b/2", "b/c/3", "c/4", "d", "photos/2007/z.jpg", "z"}, []string{"photos/2006/"})
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("tree"), Delimiter: aws.String("#")})
	if err != nil || len(out.Contents) != len(keys) || len(out.CommonPrefixes) != 0 {
		t.Errorf("delimiter #: %v %v", out, err)
	}
}

func TestListEncodingURL(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "encoded")
	keys := []string{"a b.txt", "a+b.txt", "100%.csv", "한글/x.txt", "run books/x.txt", "test_file(3).png"}
	putKeys(t, c, "encoded", keys)

	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("encoded"), EncodingType: types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range out.Contents {
		got = append(got, aws.ToString(o.Key))
	}
	want := []string{"100%25.csv", "a+b.txt", "a%2Bb.txt", "run+books/x.txt", "test_file%283%29.png", "%ED%95%9C%EA%B8%80/x.txt"}
	if !slices.Equal(got, want) || out.EncodingType != types.EncodingTypeUrl {
		t.Errorf("encoded keys %v (EncodingType %q), want %v", got, out.EncodingType, want)
	}
	// Decoding gives the keys back, in S3's byte order.
	var dec []string
	for _, k := range got {
		d, err := url.QueryUnescape(k)
		if err != nil {
			t.Fatal(err)
		}
		dec = append(dec, d)
	}
	sorted := slices.Clone(keys)
	sort.Strings(sorted)
	if !slices.Equal(dec, sorted) {
		t.Errorf("decoded %v, want %v", dec, sorted)
	}

	// Prefix, Delimiter, StartAfter and CommonPrefixes are encoded too.
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("encoded"), EncodingType: types.EncodingTypeUrl,
		Delimiter: aws.String("/"), Prefix: aws.String(""), StartAfter: aws.String("a b")})
	if err != nil {
		t.Fatal(err)
	}
	var cps []string
	for _, cp := range out.CommonPrefixes {
		cps = append(cps, aws.ToString(cp.Prefix))
	}
	if !slices.Equal(cps, []string{"run+books/", "%ED%95%9C%EA%B8%80/"}) || aws.ToString(out.StartAfter) != "a+b" {
		t.Errorf("common prefixes %v start-after %q", cps, aws.ToString(out.StartAfter))
	}
	v1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("encoded"), EncodingType: types.EncodingTypeUrl,
		Prefix: aws.String("run books/"), Marker: aws.String("run books/"), Delimiter: aws.String(" ")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v1.Prefix) != "run+books/" || aws.ToString(v1.Marker) != "run+books/" || aws.ToString(v1.Delimiter) != "+" ||
		len(v1.Contents) != 1 || aws.ToString(v1.Contents[0].Key) != "run+books/x.txt" {
		t.Errorf("v1 encoded: prefix %q marker %q delimiter %q contents %v", aws.ToString(v1.Prefix), aws.ToString(v1.Marker),
			aws.ToString(v1.Delimiter), v1.Contents)
	}
	// Without encoding-type the keys come back as stored.
	out, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("encoded"), Prefix: aws.String("a")})
	if err != nil || len(out.Contents) != 2 || aws.ToString(out.Contents[0].Key) != "a b.txt" || out.EncodingType != "" {
		t.Errorf("unencoded: %v %v", out.Contents, err)
	}
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("encoded"), EncodingType: "base64"})
	wantErr(t, "encoding-type=base64", err, "InvalidArgument", 400)
}

func TestListEntries(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "entries")
	before := time.Now().Add(-time.Second)
	putString(t, c, "entries", "one", "hello")
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("entries"), Key: aws.String("two"),
		Body: strings.NewReader("sha"), ChecksumAlgorithm: types.ChecksumAlgorithmSha256, StorageClass: types.StorageClassStandardIa})
	if err != nil {
		t.Fatal(err)
	}
	canonical := iam.DeriveCanonicalID(iam.DefaultAccountID)

	v2, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("entries")})
	if err != nil {
		t.Fatal(err)
	}
	if len(v2.Contents) != 2 {
		t.Fatalf("contents %v", v2.Contents)
	}
	one, two := v2.Contents[0], v2.Contents[1]
	if aws.ToString(one.ETag) != `"5d41402abc4b2a76b9719d911017c592"` || aws.ToInt64(one.Size) != 5 ||
		one.StorageClass != types.ObjectStorageClassStandard || one.LastModified.Before(before) || one.Owner != nil {
		t.Errorf("entry one: %+v", one)
	}
	if aws.ToString(two.ETag) != aws.ToString(put.ETag) || two.StorageClass != types.ObjectStorageClassStandardIa ||
		!slices.Contains(two.ChecksumAlgorithm, types.ChecksumAlgorithmSha256) || two.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("entry two: %+v", two)
	}
	if aws.ToString(v2.Name) != "entries" || aws.ToInt32(v2.MaxKeys) != 1000 || aws.ToString(v2.Prefix) != "" {
		t.Errorf("v2 header: name %q max %d", aws.ToString(v2.Name), aws.ToInt32(v2.MaxKeys))
	}
	v2, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("entries"), FetchOwner: aws.Bool(true)})
	if err != nil || v2.Contents[0].Owner == nil || aws.ToString(v2.Contents[0].Owner.ID) != canonical {
		t.Errorf("fetch-owner: %+v %v", v2.Contents[0].Owner, err)
	}
	v1, err := c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("entries")})
	if err != nil || v1.Contents[0].Owner == nil || aws.ToString(v1.Contents[0].Owner.ID) != canonical ||
		aws.ToString(v1.Contents[0].Owner.DisplayName) != iam.DefaultAccountName {
		t.Errorf("v1 owner: %+v %v", v1.Contents[0].Owner, err)
	}

	// The raw document, element by element in S3's order.
	resp, body := rawS3(t, env, "GET", "/entries?list-type=2&prefix=o&fetch-owner=true", nil, nil)
	want := `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>entries</Name><Prefix>o</Prefix>` +
		`<KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>one</Key><LastModified>`
	if resp.StatusCode != 200 || !strings.Contains(string(body), want) ||
		!strings.Contains(string(body), `</LastModified><ETag>&#34;5d41402abc4b2a76b9719d911017c592&#34;</ETag><ChecksumAlgorithm>`) ||
		!strings.Contains(string(body), `</ChecksumType><Size>5</Size><Owner><ID>`+canonical+`</ID><DisplayName>default</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`) {
		t.Errorf("raw ListObjectsV2: %d %s", resp.StatusCode, body)
	}
	resp, body = rawS3(t, env, "GET", "/entries?delimiter=/&marker=a&max-keys=1", nil, nil)
	want = `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>entries</Name><Prefix></Prefix><Marker>a</Marker>` +
		`<NextMarker>one</NextMarker><MaxKeys>1</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><Contents><Key>one</Key>`
	if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
		t.Errorf("raw ListObjects: %d %s", resp.StatusCode, body)
	}
	// LastModified has milliseconds and a Z.
	if i := strings.Index(string(body), "<LastModified>"); i < 0 || body[i+len("<LastModified>")+19] != '.' ||
		!strings.HasPrefix(string(body[i+len("<LastModified>")+23:]), "Z</LastModified>") {
		t.Errorf("LastModified format in %s", body)
	}
}

func TestListErrors(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	ctx := context.Background()
	mkBucket(t, c, "errs")
	_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("errs"), MaxKeys: aws.Int32(-1)})
	wantErr(t, "v2 max-keys=-1", err, "InvalidArgument", 400)
	_, err = c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("errs"), MaxKeys: aws.Int32(-5)})
	wantErr(t, "v1 max-keys=-5", err, "InvalidArgument", 400)
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("errs"), ContinuationToken: aws.String("garbage!")})
	wantErr(t, "bad continuation token", err, "InvalidArgument", 400)
	resp, body := rawS3(t, env, "GET", "/errs?max-keys=ten", nil, nil)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Message>Provided max-keys not an integer or within integer range</Message>") ||
		!strings.Contains(string(body), "<ArgumentName>max-keys</ArgumentName><ArgumentValue>ten</ArgumentValue>") {
		t.Errorf("max-keys=ten: %d %s", resp.StatusCode, body)
	}
	_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("no-such-bucket")})
	wantErr(t, "missing bucket", err, "NoSuchBucket", 404)
	// Another account may not list.
	env2 := startTwoAccounts(t)
	mkBucket(t, env2.S3(), "private")
	_, err = env2.S3As(otherKey, otherSecret).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("private")})
	wantErr(t, "other account", err, "AccessDenied", 403)
}
