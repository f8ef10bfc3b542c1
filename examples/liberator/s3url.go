package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/logging"
	gcaws "gocloud.dev/aws"
	"gocloud.dev/blob"
	"gocloud.dev/blob/s3blob"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// openS3 opens an s3:// bucket URL as gocloud's s3blob opener does, with
// the same query options (region, endpoint, use_path_style,
// disable_https, profile, ssetype, kmskeyid, accelerate, …; see
// gocloud.dev/aws.V2ConfigFromURLParams), but with the SDK's own log lines
// sent to log: its warnings at warn level, its debug notes (such as
// "Response has no supported checksum", which S3-compatible servers cause
// on every read) not at all, so neither the default output nor --quiet
// carries them.
func openS3(ctx context.Context, u *url.URL, log *slog.Logger) (*blob.Bucket, error) {
	q := u.Query()
	var bo s3blob.Options
	var opts []func(*s3.Options)
	if v := q.Get("ssetype"); v != "" {
		q.Del("ssetype")
		bo.EncryptionType = types.ServerSideEncryption(v)
	}
	if v := q.Get("kmskeyid"); v != "" {
		q.Del("kmskeyid")
		bo.KMSEncryptionID = v
	}
	for _, p := range []struct {
		key string
		set func(o *s3.Options, v bool)
	}{
		{"accelerate", func(o *s3.Options, v bool) { o.UseAccelerate = v }},
		{"disable_https", func(o *s3.Options, v bool) { o.EndpointOptions.DisableHTTPS = v }},
		{"use_path_style", func(o *s3.Options, v bool) { o.UsePathStyle = v }},
		{"s3ForcePathStyle", func(o *s3.Options, v bool) { o.UsePathStyle = v }},
	} {
		s := q.Get(p.key)
		if s == "" {
			continue
		}
		q.Del(p.key)
		v, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("invalid value for %q: %w", p.key, err)
		}
		opts = append(opts, func(o *s3.Options) { p.set(o, v) })
	}
	if pathStyleUnset(u.Query()) && ipEndpoint(q.Get("endpoint")) {
		// A bucket at an IP address cannot be addressed as a host name.
		log.Info("bucket URL's endpoint is an IP address or localhost: path-style addressing", "bucket", u.Host)
		opts = append(opts, func(o *s3.Options) { o.UsePathStyle = true })
	}
	cfg, err := gcaws.V2ConfigFromURLParams(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", u.Redacted(), err)
	}
	cfg.Logger = logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		if c == logging.Warn {
			log.Warn("aws sdk: " + fmt.Sprintf(format, v...))
		}
	})
	opts = append(opts, func(o *s3.Options) { o.DisableLogOutputChecksumValidationSkipped = true })
	bo.RequestChecksumCalculation = cfg.RequestChecksumCalculation
	return s3blob.OpenBucket(ctx, s3.NewFromConfig(cfg, opts...), u.Host, &bo)
}

// pathStyleUnset reports whether a bucket URL's query leaves the
// addressing style to the client.
func pathStyleUnset(q url.Values) bool { return !q.Has("use_path_style") && !q.Has("s3ForcePathStyle") }

// ipEndpoint reports whether endpoint's host is an IP address or
// localhost, where virtual-host addressing ("bucket.127.0.0.1") cannot
// work: such a URL is read as if it said use_path_style=true.
func ipEndpoint(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || net.ParseIP(h) != nil
}

// Reachability check before a run (checkReachable): how often and how
// long apart a bucket whose endpoint cannot be reached is tried again.
var reachRetry = liberator.RetryPolicy{Initial: time.Second, Multiplier: 2, Max: 4 * time.Second, Attempts: 4}

// checkReachable lists one object of every S3 bucket of the run (a zone,
// or the dump's) before anything is converted, so that a bucket URL whose
// endpoint does not resolve or refuses connections (a wrong endpoint=, or
// no use_path_style=true for an S3-compatible server) fails the run in
// seconds, with the URL and what to check, instead of after the
// conversion and the pipeline's re-checks. Each retry is logged at warn
// level. A request the server answered, even with an error (403), counts
// as reachable; a bucket that does not exist or a request that could not
// be sent at all (no credentials, TLS) fails at once.
func checkReachable(ctx context.Context, buckets map[string]*blob.Bucket, clk liberator.Clock, log *slog.Logger) error {
	for name, b := range buckets {
		if err := reachable(ctx, name, b, clk, log); err != nil {
			return err
		}
	}
	return nil
}

func reachable(ctx context.Context, name string, b *blob.Bucket, clk liberator.Clock, log *slog.Logger) error {
	for attempt := 0; ; attempt++ {
		ok, err := b.IsAccessible(ctx)
		var re *awshttp.ResponseError
		_, unreachable := liberator.Unreachable(err)
		switch {
		case err == nil && ok:
			return nil
		case err == nil:
			return fmt.Errorf("%s: the bucket does not exist", name)
		case !unreachable && errors.As(err, &re) && re.HTTPStatusCode() != 0:
			log.Warn("bucket check answered with an error; going on", "bucket", name, "status", re.HTTPStatusCode(), "err", oneLineErr(err))
			return nil
		}
		if !unreachable || attempt+1 == reachRetry.Attempts {
			if unreachable {
				err = fmt.Errorf("gave up after %d tries: %w", attempt+1, liberator.UnreachableError(err))
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		wait := reachRetry.Delay(attempt)
		log.Warn("bucket endpoint not reachable; retrying", "bucket", name, "attempt", attempt+1, "wait", wait, "err", oneLineErr(err))
		if err := clk.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func oneLineErr(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }
