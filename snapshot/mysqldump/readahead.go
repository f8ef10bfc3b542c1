package mysqldump

import (
	"context"
	"errors"
	"io"
	"sync"
)

var errDumpClosed = errors.New("read of a closed dump")

// readAheadChunk is the size of one read-ahead buffer.
const readAheadChunk = 1 << 20

// readAhead decompresses in its own goroutine, up to n chunks ahead of the
// reader, so decompression and scanning use two cores.
type readAhead struct {
	ch   chan raChunk
	free chan []byte
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	cur []byte // unread part of the current chunk
	buf []byte // the current chunk's buffer, recycled when consumed
	err error  // error after cur
}

type raChunk struct {
	b   []byte
	err error
}

func newReadAhead(ctx context.Context, r io.Reader, n int) *readAhead {
	ra := &readAhead{ch: make(chan raChunk, n), free: make(chan []byte, n+1), done: make(chan struct{})}
	for i := 0; i < n+1; i++ {
		ra.free <- make([]byte, readAheadChunk)
	}
	ra.wg.Add(1)
	go func() {
		defer ra.wg.Done()
		defer close(ra.ch)
		for {
			var buf []byte
			select {
			case buf = <-ra.free:
			case <-ra.done:
				return
			}
			if err := ctx.Err(); err != nil {
				ra.ch <- raChunk{err: err}
				return
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case ra.ch <- raChunk{b: buf[:n], err: err}:
			case <-ra.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ra
}

func (ra *readAhead) Read(p []byte) (int, error) {
	select {
	case <-ra.done:
		return 0, errDumpClosed
	default:
	}
	for len(ra.cur) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.buf != nil {
			ra.free <- ra.buf[:cap(ra.buf)]
			ra.buf = nil
		}
		c, ok := <-ra.ch
		if !ok {
			ra.err = errDumpClosed
			return 0, ra.err
		}
		ra.buf, ra.cur, ra.err = c.b, c.b, c.err
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops the goroutine and waits for it to finish its current read.
func (ra *readAhead) Close() error {
	ra.once.Do(func() {
		close(ra.done)
		ra.wg.Wait()
	})
	return nil
}
