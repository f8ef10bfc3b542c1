package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/dataplatform/liberator-ingestion/internal/awserr"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
)

// localAWSEnv sets the SDK's environment for local endpoints: static
// credentials, no shared config, no instance metadata, and maxAttempts.
func localAWSEnv(t *testing.T, maxAttempts int) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRETTEST",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_MAX_ATTEMPTS": fmt.Sprint(maxAttempts), "AWS_RETRY_MODE": "standard", "AWS_CA_BUNDLE": "",
		"AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
	} {
		t.Setenv(k, v)
	}
}

// TestAttemptTimeout sends an SQS call, with the client LoadAWSConfig
// builds, to an endpoint that accepts connections and never answers. Each
// attempt gives up after the attempt timeout and the SDK retries, so the
// call fails with a Transient timeout while its own context (30 s) still
// has time left: one hung connection does not hold the call to its
// context's end.
func TestAttemptTimeout(t *testing.T) {
	bh, err := awstest.NewBlackHole()
	if err != nil {
		t.Fatal(err)
	}
	defer bh.Close()
	localAWSEnv(t, 2)
	t.Setenv("AWS_ENDPOINT_URL_SQS", bh.URL())
	cfg, err := LoadAWSConfig(context.Background(), Config{Region: "eu-west-2", AttemptTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(bh.URL() + "/123456789012/q"), MessageBody: aws.String("x")})
	var te *AttemptTimeoutError
	if !errors.As(err, &te) || ctx.Err() != nil {
		t.Fatalf("SendMessage to a black hole = %v (context: %v), want an attempt timeout before the context ends", err, ctx.Err())
	}
	if got := KindName(awserr.Wrap("send", "q", err)); got != "Transient" {
		t.Errorf("kind of an attempt timeout = %q, want Transient", got)
	}
	if n := bh.Accepted(); n != 2 {
		t.Errorf("black hole accepted %d connections, want 2 (one per attempt)", n)
	}
}

// TestAttemptTransport checks what the transport limits: the wait for the
// response's headers (Max, or a third of the context's time left), not the
// reading of the body.
func TestAttemptTransport(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow-body":
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "first ")
			w.(http.Flusher).Flush()
			<-release // the body goes on after the attempt limit has passed
			io.WriteString(w, "second")
		case "/no-headers":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: &AttemptTransport{Max: 100 * time.Millisecond}}

	t.Run("headers late", func(t *testing.T) {
		_, err := client.Get(srv.URL + "/no-headers")
		var te *AttemptTimeoutError
		if !errors.As(err, &te) || te.After != 100*time.Millisecond {
			t.Fatalf("GET = %v, want an AttemptTimeoutError after 100ms", err)
		}
	})
	t.Run("share of the context", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		tr := &AttemptTransport{Max: time.Hour}
		if d := tr.limit(ctx); d > 10*time.Second || d < 9*time.Second {
			t.Errorf("limit with 30s left = %s, want about a third", d)
		}
		if d := tr.limit(context.Background()); d != time.Hour {
			t.Errorf("limit without a deadline = %s, want Max", d)
		}
		if d := (&AttemptTransport{}).limit(context.Background()); d != DefaultAttemptTimeout {
			t.Errorf("default limit = %s, want %s", d, DefaultAttemptTimeout)
		}
	})
	t.Run("body not limited", func(t *testing.T) {
		resp, err := client.Get(srv.URL + "/slow-body")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		buf := make([]byte, len("first "))
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatal(err)
		}
		// Past the limit: the body must still be readable.
		time.Sleep(200 * time.Millisecond)
		close(release)
		rest, err := io.ReadAll(resp.Body)
		if err != nil || string(buf)+string(rest) != "first second" {
			t.Fatalf("body = %q + %q, %v; want the whole body", buf, rest, err)
		}
	})
}
