package awstest

import (
	"io"
	"net"
	"sync"
)

// BlackHole is a loopback endpoint that accepts connections and never
// answers: it reads and discards what clients send and holds every
// connection open until Close. Pointed at by an AWS client, it is the
// endpoint that hangs a call until a timeout or the caller's context ends
// it.
type BlackHole struct {
	ln net.Listener

	mu       sync.Mutex
	conns    map[net.Conn]bool
	accepted int
	closed   bool
	wg       sync.WaitGroup
}

// NewBlackHole listens on a free port of 127.0.0.1.
func NewBlackHole() (*BlackHole, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &BlackHole{ln: ln, conns: map[net.Conn]bool{}}
	b.wg.Add(1)
	go b.serve()
	return b, nil
}

func (b *BlackHole) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			c.Close()
			return
		}
		b.conns[c] = true
		b.accepted++
		b.wg.Add(1)
		b.mu.Unlock()
		go func() {
			defer b.wg.Done()
			_, _ = io.Copy(io.Discard, c) // until the client or Close ends it
			b.mu.Lock()
			delete(b.conns, c)
			b.mu.Unlock()
			c.Close()
		}()
	}
}

// URL returns the endpoint's "http://127.0.0.1:port".
func (b *BlackHole) URL() string { return "http://" + b.ln.Addr().String() }

// Addr returns the endpoint's "127.0.0.1:port".
func (b *BlackHole) Addr() string { return b.ln.Addr().String() }

// Accepted returns how many connections the endpoint has accepted.
func (b *BlackHole) Accepted() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.accepted
}

// Close stops listening, closes every connection held and waits for the
// endpoint's goroutines to end.
func (b *BlackHole) Close() {
	b.mu.Lock()
	b.closed = true
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	b.ln.Close()
	b.wg.Wait()
}

// DeadURL returns "http://127.0.0.1:port" for a loopback port that nothing
// listens on (it was free a moment ago), so connections are refused.
func DeadURL() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr, nil
}
