package awstest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// SQS error codes.
const (
	CodeQueueDoesNotExist      = "QueueDoesNotExist"
	CodeReceiptHandleIsInvalid = "ReceiptHandleIsInvalid"
	CodeSQSThrottling          = "RequestThrottled"
)

// MaxSQSDelay is SQS's largest DelaySeconds.
const MaxSQSDelay = 900

// SQSMessage is the fake's record of a queued message.
type SQSMessage struct {
	ID           string
	Body         string
	Attributes   map[string]string // message attributes (string values)
	DelaySeconds int
	Sent         time.Time
	VisibleAt    time.Time
	Receives     int
	receipt      string
}

type sqsQueue struct {
	name string
	msgs []*SQSMessage
}

// SQS is a local Amazon SQS endpoint speaking the JSON 1.0 protocol. Message
// delays and visibility timeouts run on the injected clock, so a test moves
// them forward by advancing a liberator.VirtualClock.
type SQS struct {
	recorder
	srv   *httptest.Server
	clock liberator.Clock

	// VisibilityTimeout is the queue's default visibility timeout (30 s).
	VisibilityTimeout time.Duration
	// AdvanceWhenIdle, if the clock is a *liberator.VirtualClock, makes a
	// ReceiveMessage that finds nothing visible move the clock forward to
	// when the next message becomes visible (an idle consumer's long poll,
	// in virtual time). Messages in flight (received, not deleted) move it
	// only with RedeliverWhenIdle. Without it a test advances the clock
	// itself.
	AdvanceWhenIdle bool
	// RedeliverWhenIdle, with AdvanceWhenIdle, also moves the clock to when
	// an in-flight message's visibility timeout expires, once the queue has
	// been idle (nothing pending) for three long-poll slices: it makes
	// "unacked messages come back" testable. Leave it off where a consumer
	// may hold a message longer than that (a pipeline step), or the clock
	// jumps by the visibility timeout under it.
	RedeliverWhenIdle bool

	queues map[string]*sqsQueue // by URL
	seq    int
	idle   int // consecutive empty receives
	wake   chan struct{}
}

// nextVisible returns when the clock should jump to for an idle
// ReceiveMessage, or zero: the earliest delayed message never received; or,
// with RedeliverWhenIdle after three idle long-poll slices (the consumer is
// idle, its acks have had time to arrive), the earliest in-flight message
// whose visibility timeout will expire.
func (s *SQS) nextVisible(q *sqsQueue, now time.Time) time.Time {
	var pending, inflight time.Time
	for _, m := range q.msgs {
		if !m.VisibleAt.After(now) {
			return time.Time{}
		}
		t := &pending
		if m.Receives > 0 {
			t = &inflight
		}
		if t.IsZero() || m.VisibleAt.Before(*t) {
			*t = m.VisibleAt
		}
	}
	if !pending.IsZero() {
		return pending
	}
	if s.RedeliverWhenIdle && s.idle >= 3 {
		return inflight
	}
	return time.Time{}
}

// NewSQS starts a fake SQS endpoint on c's time.
func NewSQS(c liberator.Clock) *SQS {
	s := &SQS{clock: c, VisibilityTimeout: 30 * time.Second, queues: map[string]*sqsQueue{}}
	s.srv = httptest.NewServer(&jsonHandler{
		rec: &s.recorder, prefix: "AmazonSQS", contentType: "application/x-amz-json-1.0",
		errType: "com.amazonaws.sqs#", handle: s.handle,
	})
	return s
}

// URL is the endpoint's base URL.
func (s *SQS) URL() string { return s.srv.URL }

// Config returns an aws.Config for clients of this endpoint.
func (s *SQS) Config() aws.Config { return Config(s.srv.URL) }

// Close stops the server.
func (s *SQS) Close() { s.srv.Close() }

// CreateQueue makes a queue and returns its URL.
func (s *SQS) CreateQueue(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.srv.URL + "/" + Account + "/" + name
	if _, ok := s.queues[u]; !ok {
		s.queues[u] = &sqsQueue{name: name}
	}
	return u
}

// Inject puts body into the queue at url as another service (SNS,
// EventBridge) would deliver it. It reports whether the queue exists.
func (s *SQS) Inject(url, body string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[url]
	if q == nil {
		return false
	}
	_, f := s.send(q, map[string]any{"MessageBody": body})
	s.wakeLocked()
	return f == nil
}

// Messages returns the messages in the queue at url (in flight, delayed and
// visible), oldest first.
func (s *SQS) Messages(url string) []SQSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[url]
	if q == nil {
		return nil
	}
	var out []SQSMessage
	for _, m := range q.msgs {
		c := *m
		c.receipt = ""
		out = append(out, c)
	}
	return out
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

type jMsgAttr struct {
	DataType    string
	StringValue string `json:",omitempty"`
}

func (s *SQS) send(q *sqsQueue, e map[string]any) (*SQSMessage, *Fault) {
	body := str(e, "MessageBody")
	if body == "" {
		return nil, &Fault{Code: "MissingParameter", Message: "The request must contain the parameter MessageBody."}
	}
	delay, _ := num(e, "DelaySeconds")
	if delay < 0 || delay > MaxSQSDelay {
		return nil, &Fault{Code: "InvalidParameterValue", Message: "Value " + strconv.Itoa(delay) + " for parameter DelaySeconds is invalid. Reason: must be between 0 and 900, if provided."}
	}
	attrs := map[string]string{}
	if am, ok := e["MessageAttributes"].(map[string]any); ok {
		for k, v := range am {
			if vm, ok := v.(map[string]any); ok {
				attrs[k] = str(vm, "StringValue")
			}
		}
	}
	s.seq++
	s.idle = 0
	now := s.clock.Now()
	m := &SQSMessage{
		ID:   strconv.Itoa(s.seq) + "-" + newID(8),
		Body: body, Attributes: attrs, DelaySeconds: delay,
		Sent: now, VisibleAt: now.Add(time.Duration(delay) * time.Second),
	}
	q.msgs = append(q.msgs, m)
	return m, nil
}

func entries(body map[string]any) []map[string]any {
	list, _ := body["Entries"].([]any)
	var out []map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func (s *SQS) handle(ctx context.Context, op string, body map[string]any) (any, *Fault) {
	if op != "ReceiveMessage" {
		s.mu.Lock()
		defer s.mu.Unlock()
		out, f := s.op(op, body)
		s.wakeLocked()
		return out, f
	}
	// ReceiveMessage long-polls: while nothing is delivered it waits (up to
	// WaitTimeSeconds of wall time, in short slices) for a send or a
	// visibility change, as SQS holds the request open.
	wait, _ := num(body, "WaitTimeSeconds")
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		s.mu.Lock()
		out, f := s.op(op, body)
		if _, got := out.(map[string]any)["Messages"]; got || f != nil || !time.Now().Before(deadline) {
			if !got && f == nil {
				s.idle++
			}
			s.mu.Unlock()
			return out, f
		}
		ch := s.wake
		if ch == nil {
			ch = make(chan struct{})
			s.wake = ch
		}
		s.mu.Unlock()
		t := time.NewTimer(longPollSlice)
		select {
		case <-ctx.Done():
			t.Stop()
			return map[string]any{}, nil
		case <-ch:
		case <-t.C:
			s.mu.Lock()
			s.idle++ // a whole slice passed with no send, ack or change
			s.mu.Unlock()
		}
		t.Stop()
	}
}

// longPollSlice is how long one slice of a long poll waits for a send
// before the receive is retried (counting as idle).
const longPollSlice = 50 * time.Millisecond

// wakeLocked wakes long polls after a state change.
func (s *SQS) wakeLocked() {
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
}

func (s *SQS) op(op string, body map[string]any) (any, *Fault) {
	if op == "GetQueueUrl" {
		name := str(body, "QueueName")
		for u, q := range s.queues {
			if q.name == name {
				return map[string]string{"QueueUrl": u}, nil
			}
		}
		return nil, &Fault{Code: CodeQueueDoesNotExist, Message: "The specified queue does not exist."}
	}
	q := s.queues[str(body, "QueueUrl")]
	if q == nil {
		return nil, &Fault{Code: CodeQueueDoesNotExist, Message: "The specified queue does not exist."}
	}
	now := s.clock.Now()
	find := func(receipt string) *SQSMessage {
		for _, m := range q.msgs {
			if m.receipt != "" && m.receipt == receipt {
				return m
			}
		}
		return nil
	}
	remove := func(m *SQSMessage) {
		for i, x := range q.msgs {
			if x == m {
				q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
				return
			}
		}
	}
	switch op {
	case "SendMessage":
		m, f := s.send(q, body)
		if f != nil {
			return nil, f
		}
		return map[string]string{"MessageId": m.ID, "MD5OfMessageBody": md5hex(m.Body)}, nil

	case "SendMessageBatch":
		es := entries(body)
		if len(es) == 0 {
			return nil, &Fault{Code: "EmptyBatchRequest", Message: "There should be at least one SendMessageBatchRequestEntry in the request."}
		}
		if len(es) > 10 {
			return nil, &Fault{Code: "TooManyEntriesInBatchRequest", Message: "Maximum number of entries per request are 10."}
		}
		var ok []map[string]string
		for _, e := range es {
			m, f := s.send(q, e)
			if f != nil {
				return nil, f
			}
			ok = append(ok, map[string]string{"Id": str(e, "Id"), "MessageId": m.ID, "MD5OfMessageBody": md5hex(m.Body)})
		}
		return map[string]any{"Successful": ok, "Failed": []any{}}, nil

	case "ReceiveMessage":
		max := 1
		if v, ok := num(body, "MaxNumberOfMessages"); ok && v != 0 {
			if v < 1 || v > 10 {
				return nil, &Fault{Code: "InvalidParameterValue", Message: "Value for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided."}
			}
			max = v
		}
		vis := s.VisibilityTimeout
		if v, ok := num(body, "VisibilityTimeout"); ok {
			vis = time.Duration(v) * time.Second
		}
		if v, ok := s.clock.(*liberator.VirtualClock); ok && s.AdvanceWhenIdle {
			if next := s.nextVisible(q, now); !next.IsZero() {
				v.Advance(next.Sub(now))
				now = s.clock.Now()
			}
		}
		var out []map[string]any
		for _, m := range q.msgs {
			if len(out) == max {
				break
			}
			if m.VisibleAt.After(now) {
				continue
			}
			m.Receives++
			m.receipt = m.ID + "#" + newID(8)
			m.VisibleAt = now.Add(vis)
			x := map[string]any{
				"MessageId": m.ID, "ReceiptHandle": m.receipt, "Body": m.Body, "MD5OfBody": md5hex(m.Body),
				"Attributes": map[string]string{
					"ApproximateReceiveCount": strconv.Itoa(m.Receives),
					"SentTimestamp":           strconv.FormatInt(m.Sent.UnixMilli(), 10),
				},
			}
			if len(m.Attributes) > 0 {
				ma := map[string]jMsgAttr{}
				for k, v := range m.Attributes {
					ma[k] = jMsgAttr{DataType: "String", StringValue: v}
				}
				x["MessageAttributes"] = ma
			}
			out = append(out, x)
		}
		if len(out) == 0 {
			return map[string]any{}, nil
		}
		s.idle = 0
		return map[string]any{"Messages": out}, nil

	case "DeleteMessage":
		m := find(str(body, "ReceiptHandle"))
		if m == nil {
			if strings.Contains(str(body, "ReceiptHandle"), "#") {
				return map[string]any{}, nil // deleting an already-deleted message succeeds
			}
			return nil, &Fault{Code: CodeReceiptHandleIsInvalid, Message: "The input receipt handle is invalid."}
		}
		remove(m)
		return map[string]any{}, nil

	case "DeleteMessageBatch":
		var ok []map[string]string
		for _, e := range entries(body) {
			if m := find(str(e, "ReceiptHandle")); m != nil {
				remove(m)
			}
			ok = append(ok, map[string]string{"Id": str(e, "Id")})
		}
		return map[string]any{"Successful": ok, "Failed": []any{}}, nil

	case "ChangeMessageVisibility":
		m := find(str(body, "ReceiptHandle"))
		if m == nil {
			return nil, &Fault{Code: CodeReceiptHandleIsInvalid, Message: "The input receipt handle is invalid."}
		}
		v, _ := num(body, "VisibilityTimeout")
		m.VisibleAt = now.Add(time.Duration(v) * time.Second)
		return map[string]any{}, nil

	case "ChangeMessageVisibilityBatch":
		var ok []map[string]string
		var failed []map[string]any
		for _, e := range entries(body) {
			m := find(str(e, "ReceiptHandle"))
			if m == nil {
				failed = append(failed, map[string]any{"Id": str(e, "Id"), "Code": CodeReceiptHandleIsInvalid, "SenderFault": true, "Message": "The input receipt handle is invalid."})
				continue
			}
			v, _ := num(e, "VisibilityTimeout")
			m.VisibleAt = now.Add(time.Duration(v) * time.Second)
			ok = append(ok, map[string]string{"Id": str(e, "Id")})
		}
		return map[string]any{"Successful": ok, "Failed": failed}, nil
	}
	return nil, &Fault{Code: "UnsupportedOperation", Message: "unsupported operation " + op}
}
