package lease

import (
	"context"
	"log/slog"
	"os"
	"regexp"
	"time"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// DefaultTempAge is how old a temporary file must be before SweepTemp
// removes it: a write that has not touched its file for this long is dead.
const DefaultTempAge = time.Hour

// tempName matches the temporary file of a fileblob write next to its
// target: "<key>.<hex nanoseconds>.tmp".
var tempName = regexp.MustCompile(`\.[0-9a-f]{1,16}\.tmp$`)

// IsTemp reports whether key is named like the temporary file of an
// interrupted fileblob write.
func IsTemp(key string) bool { return tempName.MatchString(key) }

// SweepOptions configure SweepTemp. The zero value is usable.
type SweepOptions struct {
	// MinAge: only files not modified for this long are removed; default
	// DefaultTempAge.
	MinAge time.Duration
	// Clock tells the time; default the wall clock.
	Clock liberator.Clock
	// Logger receives one record per removed file; default slog.Default().
	Logger *slog.Logger
}

// Swept is what SweepTemp removed.
type Swept struct {
	Keys  []string `json:"keys,omitempty"`
	Bytes int64    `json:"bytes,omitempty"`
}

// SweepTemp removes from b, under prefix, the temporary files of
// interrupted writes that are older than opts.MinAge, as the package doc
// describes. It lists only buckets that can hold such files (fileblob:
// the bucket answers As(*os.FileInfo)); for others it returns at once.
func SweepTemp(ctx context.Context, b *blob.Bucket, prefix string, opts SweepOptions) (Swept, error) {
	var fi os.FileInfo
	if b == nil || !b.As(&fi) {
		return Swept{}, nil
	}
	if opts.MinAge <= 0 {
		opts.MinAge = DefaultTempAge
	}
	if opts.Clock == nil {
		opts.Clock = liberator.RealClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	now := opts.Clock.Now()
	var out Swept
	// Page by page (pageSize), deleting as it goes.
	token := blob.FirstPageToken
	for {
		// A file renamed or removed under the walk fails it with
		// NotFound (another run's write): listPage walks that page again.
		objs, next, err := listPage(ctx, b, token, prefix, "")
		if err != nil {
			return out, blobio.Error("sweep temp files", prefix, err)
		}
		for _, o := range objs {
			if o.IsDir || !IsTemp(o.Key) || now.Sub(o.ModTime) < opts.MinAge {
				continue
			}
			if err := b.Delete(ctx, o.Key); err != nil && !blobio.IsNotFound(err) {
				return out, blobio.Error("sweep temp files", o.Key, err)
			}
			opts.Logger.Info("removed the temporary file of an interrupted write", "key", o.Key, "bytes", o.Size, "modified", o.ModTime)
			out.Keys = append(out.Keys, o.Key)
			out.Bytes += o.Size
		}
		if len(next) == 0 {
			return out, nil
		}
		token = next
	}
}
