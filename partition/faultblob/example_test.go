package faultblob_test

import (
	"context"
	"errors"
	"fmt"

	"gocloud.dev/blob/memblob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
)

func ExampleWrap() {
	ctx := context.Background()
	bucket, faults := faultblob.Wrap(memblob.OpenBucket(nil))
	defer bucket.Close()

	faults.FailKeyTimes("parking/a.parquet", 2)
	for i := 1; i <= 3; i++ {
		err := bucket.WriteAll(ctx, "parking/a.parquet", []byte("PAR1"), nil)
		fmt.Printf("write %d: failed=%v injected=%v code=%v\n", i, err != nil, errors.Is(err, faultblob.ErrInjected), gcerrors.Code(err))
	}
	fmt.Println("writes seen:", faults.Count(faultblob.OpNewTypedWriter))
	// Output:
	// write 1: failed=true injected=true code=Internal
	// write 2: failed=true injected=true code=Internal
	// write 3: failed=false injected=false code=OK
	// writes seen: 3
}
