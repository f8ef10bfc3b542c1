package awstest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region and Account are the region and account id the fake servers use in
// the ARNs and URLs they build.
const (
	Region  = "eu-west-2"
	Account = "123456789012"
)

// Config returns an aws.Config for a client of the server at endpoint:
// static credentials, the test Region, BaseEndpoint set to endpoint, no SDK
// retries (so injected errors reach the code under test and no wall-clock
// backoff happens), and checksums only where required (gofakes3 does not
// speak aws-chunked trailers).
func Config(endpoint string) aws.Config {
	return aws.Config{
		Region:                     Region,
		Credentials:                credentials.NewStaticCredentialsProvider("AKIDTEST", "SECRETTEST", ""),
		BaseEndpoint:               aws.String(endpoint),
		Retryer:                    func() aws.Retryer { return aws.NopRetryer{} },
		HTTPClient:                 http.DefaultClient,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
}

// Request is one request a fake server received: the operation name and its
// parameters flattened to strings (Query protocol form fields as sent; JSON
// bodies flattened the same way: "RunProperties.import_date").
type Request struct {
	Op     string
	Params map[string]string
}

// Fault is an error a fake server returns instead of handling a request.
type Fault struct {
	// Code is the service's error code ("Throttling",
	// "ExportTaskAlreadyExists", "ConcurrentRunsExceededException").
	Code string
	// Message is the error message; a default is used if empty.
	Message string
	// Status is the HTTP status; 400 if zero.
	Status int
}

// faults is a per-operation queue of injected faults plus request recording,
// shared by the servers.
type recorder struct {
	mu       sync.Mutex
	requests []Request
	faults   map[string][]Fault
}

// FailNext makes the next n calls of op fail with f.
func (r *recorder) FailNext(op string, n int, f Fault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.faults == nil {
		r.faults = map[string][]Fault{}
	}
	for i := 0; i < n; i++ {
		r.faults[op] = append(r.faults[op], f)
	}
}

// Requests returns the requests received so far for the given operations
// (all operations if none are given), in order.
func (r *recorder) Requests(ops ...string) []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Request
	for _, q := range r.requests {
		if len(ops) == 0 || contains(ops, q.Op) {
			out = append(out, q)
		}
	}
	return out
}

// record stores a request and pops an injected fault for it, if any. Callers
// hold no lock.
func (r *recorder) record(op string, params map[string]string) (Fault, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, Request{Op: op, Params: params})
	q := r.faults[op]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0]
	r.faults[op] = q[1:]
	if f.Status == 0 {
		f.Status = http.StatusBadRequest
	}
	if f.Message == "" {
		f.Message = "injected " + f.Code
	}
	return f, true
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
