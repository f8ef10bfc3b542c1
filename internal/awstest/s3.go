package awstest

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"
)

// S3 is gofakes3 with an in-memory backend served over HTTP, with request
// recording, fault injection and UploadPartCopy (which gofakes3 lacks)
// added in front of it.
type S3 struct {
	recorder
	srv     *httptest.Server
	fake    http.Handler
	Backend *s3mem.Backend

	failKeys   map[string]bool
	hold       func(op, bucket, key string) bool
	stall      func(op, bucket, key string) bool
	stallAfter int64
	sent       map[string]int64 // op + " " + bucket/key → body bytes of 2xx answers
}

// Hold makes every request for which match(op, bucket, key) is true wait,
// unanswered, until its client gives up (the request's context ends), as
// an S3 endpoint that stalls mid-transfer does; nil (or Reset) ends it.
// Requests already held stay held until their clients give up.
func (s *S3) Hold(match func(op, bucket, key string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = match
}

// SentBytes returns, per "bucket/key", the bytes of the response bodies
// the server sent with a 2xx status for op (for example "GetObject": the
// object bytes clients downloaded).
func (s *S3) SentBytes(op string) map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int64{}
	for k, n := range s.sent {
		if o, obj, _ := strings.Cut(k, " "); o == op {
			out[obj] += n
		}
	}
	return out
}

// StallAfter makes the answers to requests for which match(op, bucket,
// key) is true stop after their first n body bytes: the status and
// headers are sent, then n bytes, then nothing more until the client
// gives up, as a transfer that stalls mid-object does. nil (or Reset) ends
// it for later requests.
func (s *S3) StallAfter(match func(op, bucket, key string) bool, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stall, s.stallAfter = match, n
}

// countingWriter counts the body bytes of a response and its status, and
// stalls the body after stallAt bytes (if >= 0) until done is closed.
type countingWriter struct {
	http.ResponseWriter
	status  int
	n       int64
	stallAt int64
	done    <-chan struct{}
}

func (c *countingWriter) WriteHeader(code int) {
	if c.status != 0 {
		return // gofakes3 may set it twice; the first one went out
	}
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.stallAt >= 0 && c.n+int64(len(p)) > c.stallAt {
		k := c.stallAt - c.n
		n, err := c.ResponseWriter.Write(p[:k])
		c.n += int64(n)
		if err == nil {
			c.Flush()
			<-c.done
			err = errStalled
		}
		return n, err
	}
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

var errStalled = errors.New("awstest: answer stalled until the client left")

// Flush passes on flushes (gofakes3 streams large bodies).
func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *S3) held(op, bucket, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hold != nil && s.hold(op, bucket, key)
}

// stallPoint returns after how many body bytes the answer stalls, or -1.
func (s *S3) stallPoint(op, bucket, key string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stall != nil && s.stall(op, bucket, key) {
		return s.stallAfter
	}
	return -1
}

func (s *S3) count(op, bucket, key string, cw *countingWriter) {
	if cw.status < 200 || cw.status > 299 || cw.n == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = map[string]int64{}
	}
	s.sent[op+" "+bucket+"/"+key] += cw.n
}

// FailKey makes every request on object key (in any bucket, as the object
// or as a copy source) fail with S3's 500 InternalError until Reset.
func (s *S3) FailKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failKeys == nil {
		s.failKeys = map[string]bool{}
	}
	s.failKeys[key] = true
}

// Reset removes the faults set with FailKey and FailNext.
func (s *S3) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failKeys = nil
	s.faults = nil
	s.hold = nil
	s.stall = nil
}

func (s *S3) keyFails(keys ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if k != "" && s.failKeys[k] {
			return true
		}
	}
	return false
}

type timeSource struct{ c liberator.Clock }

func (t timeSource) Now() time.Time                  { return t.c.Now() }
func (t timeSource) Since(x time.Time) time.Duration { return t.c.Now().Sub(x) }

// NewS3 starts a fake S3 whose object times come from c.
func NewS3(c liberator.Clock) *S3 {
	s := &S3{Backend: s3mem.New()}
	s.fake = gofakes3.New(s.Backend,
		gofakes3.WithTimeSource(timeSource{c}),
		gofakes3.WithTimeSkewLimit(0), // the SDK signs with the wall clock
	).Server()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the endpoint's base URL.
func (s *S3) URL() string { return s.srv.URL }

// Config returns an aws.Config for clients of this endpoint. Build S3
// clients from it with path-style addressing (see Client).
func (s *S3) Config() aws.Config { return Config(s.srv.URL) }

// Close stops the server.
func (s *S3) Close() { s.srv.Close() }

// Client returns an S3 client of this endpoint (path-style addressing).
func (s *S3) Client() *s3.Client {
	return s3.NewFromConfig(s.Config(), func(o *s3.Options) { o.UsePathStyle = true })
}

// CreateBucket creates a bucket.
func (s *S3) CreateBucket(name string) error { return s.Backend.CreateBucket(name) }

// Bucket creates the bucket if needed and opens it with gocloud's s3blob
// over this endpoint.
func (s *S3) Bucket(ctx context.Context, name string) (*blob.Bucket, error) {
	if ok, _ := s.Backend.BucketExists(name); !ok {
		if err := s.Backend.CreateBucket(name); err != nil {
			return nil, err
		}
	}
	return s3blob.OpenBucket(ctx, s.Client(), name, nil)
}

func s3op(r *http.Request) string {
	q := r.URL.Query()
	copySrc := r.Header.Get("X-Amz-Copy-Source") != ""
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	hasKey := len(parts) == 2 && parts[1] != ""
	switch r.Method {
	case http.MethodPut:
		switch {
		case q.Has("uploadId") && copySrc:
			return "UploadPartCopy"
		case q.Has("uploadId"):
			return "UploadPart"
		case copySrc:
			return "CopyObject"
		case hasKey:
			return "PutObject"
		default:
			return "CreateBucket"
		}
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return "CreateMultipartUpload"
		case q.Has("uploadId"):
			return "CompleteMultipartUpload"
		case q.Has("delete"):
			return "DeleteObjects"
		}
	case http.MethodGet:
		if hasKey {
			return "GetObject"
		}
		return "ListObjects"
	case http.MethodHead:
		if hasKey {
			return "HeadObject"
		}
		return "HeadBucket"
	case http.MethodDelete:
		if q.Has("uploadId") {
			return "AbortMultipartUpload"
		}
		return "DeleteObject"
	}
	return r.Method
}

func (s *S3) serve(w http.ResponseWriter, r *http.Request) {
	op := s3op(r)
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	params := map[string]string{"Bucket": bucket}
	if key != "" {
		params["Key"] = key
	}
	for _, h := range []string{"X-Amz-Acl", "X-Amz-Copy-Source", "X-Amz-Copy-Source-Range", "X-Amz-Metadata-Directive"} {
		if v := r.Header.Get(h); v != "" {
			params[strings.TrimPrefix(h, "X-Amz-")] = v
		}
	}
	if v := r.URL.Query().Get("partNumber"); v != "" {
		params["PartNumber"] = v
	}
	f, ok := s.record(op, params)
	if !ok && s.keyFails(key, copySourceKey(r.Header.Get("X-Amz-Copy-Source"))) {
		f, ok = Fault{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Status: 500}, true
	}
	if ok {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, "<Error><Code>"+f.Code+"</Code><Message>"+f.Message+"</Message></Error>")
		return
	}
	if s.held(op, bucket, key) {
		// The server notices a client that left only once the body is read.
		if _, err := io.Copy(io.Discard, r.Body); err == nil {
			<-r.Context().Done()
		}
		return
	}
	cw := &countingWriter{ResponseWriter: w, stallAt: s.stallPoint(op, bucket, key), done: r.Context().Done()}
	defer s.count(op, bucket, key, cw)
	if op == "UploadPartCopy" {
		s.uploadPartCopy(cw, r)
		return
	}
	s.fake.ServeHTTP(cw, r)
}

func copySourceKey(h string) string {
	if h == "" {
		return ""
	}
	src, err := url.PathUnescape(strings.TrimPrefix(h, "/"))
	if err != nil {
		return ""
	}
	_, key, _ := strings.Cut(src, "/")
	key, _, _ = strings.Cut(key, "?versionId=")
	return key
}

// uploadPartCopy reads the source range through gofakes3 and uploads it as
// a part, answering with S3's CopyPartResult.
func (s *S3) uploadPartCopy(w http.ResponseWriter, r *http.Request) {
	// The header is "bucket/key" with the key URL-encoded: a valid path.
	src := strings.TrimPrefix(r.Header.Get("X-Amz-Copy-Source"), "/")
	if _, err := url.ParseRequestURI("/" + src); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	get := httptest.NewRequest(http.MethodGet, "/"+src, nil)
	if rg := r.Header.Get("X-Amz-Copy-Source-Range"); rg != "" {
		get.Header.Set("Range", rg)
	}
	rec := httptest.NewRecorder()
	s.fake.ServeHTTP(rec, get)
	if rec.Code != http.StatusOK && rec.Code != http.StatusPartialContent {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	data := rec.Body.Bytes()
	put := httptest.NewRequest(http.MethodPut, r.URL.String(), bytes.NewReader(data))
	put.ContentLength = int64(len(data))
	put.Header.Set("Content-Length", strconv.Itoa(len(data)))
	rec2 := httptest.NewRecorder()
	s.fake.ServeHTTP(rec2, put)
	if rec2.Code != http.StatusOK {
		for k, v := range rec2.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec2.Code)
		_, _ = w.Write(rec2.Body.Bytes())
		return
	}
	out, _ := xml.Marshal(struct {
		XMLName      xml.Name `xml:"CopyPartResult"`
		ETag         string
		LastModified string
	}{ETag: rec2.Header().Get("ETag"), LastModified: time.Unix(0, 0).UTC().Format(time.RFC3339)})
	w.Header().Set("Content-Type", "application/xml")
	_, _ = w.Write(out)
}
