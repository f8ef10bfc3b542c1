package partition_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

func TestReadManifestErrors(t *testing.T) {
	ctx := context.Background()
	day := liberator.Date{Year: 2026, Month: time.November, Day: 24}
	key := partition.TablePrefix(partition.DefaultPrefix, partition.TableRef{Database: "liberator", Table: "T"}, day) + partition.ManifestName
	tests := []struct {
		name string
		body string // "" for no manifest
		kind *liberator.Kind
	}{
		{"missing", "", liberator.ErrNotFound},
		{"corrupt", "{not json", liberator.ErrInvalid},
		{"unknown version", `{"version": 2}`, liberator.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := memblob.OpenBucket(nil)
			defer b.Close()
			if tt.body != "" {
				if err := b.WriteAll(ctx, key, []byte(tt.body), nil); err != nil {
					t.Fatal(err)
				}
			}
			_, err := partition.ReadManifest(ctx, b, "", "liberator", "T", day)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), "liberator.T") {
				t.Errorf("ReadManifest = %v, want %v naming the key", err, tt.kind)
			}
		})
	}
}
