//go:build solution

// Mutant: the server never forgets a connection that ended: it grows with every client it ever had.
// Must fail: TestServerForgetsConnections

package kv

import (
	"errors"
	"net"
	"net/rpc"
	"sync"
)

// Server serves one KV over net/rpc on a listener.
//
// It remembers every live connection, so that Close can close them: closing
// the listener only stops new ones. A WaitGroup counts the goroutines it
// started (the accept loop and one per connection); Close waits for them.
// ServeConn returns only after the handlers of its connection have
// finished, so when Close returns, nothing the server started still runs.
type Server struct {
	kv  *KV
	rpc *rpc.Server
	l   net.Listener

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool

	wg sync.WaitGroup
}

// Serve serves a new KV on l, in the background, until Close.
func Serve(l net.Listener) *Server {
	s := &Server{kv: NewKV(), rpc: rpc.NewServer(), l: l, conns: make(map[net.Conn]struct{})}
	if err := s.rpc.Register(s.kv); err != nil {
		panic(err) // KV's methods are fixed: this cannot happen
	}
	s.wg.Go(s.accept)
	return s
}

// accept accepts connections until the listener is closed, and serves each
// in a goroutine of its own.
func (s *Server) accept() {
	for {
		conn, err := s.l.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed, or broken beyond use
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.rpc.ServeConn(conn) // returns when the client hangs up or Close closes conn
		}()
	}
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.l.Addr().String() }

// Close stops accepting connections, closes the live ones, and returns when
// every goroutine the server started has ended. Calling it again does
// nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.l.Close()
	for conn := range s.conns {
		conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
