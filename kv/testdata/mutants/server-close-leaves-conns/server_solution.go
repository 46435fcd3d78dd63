//go:build solution

// Mutant: Close closes only the listener: live connections go on being served, and Close never returns.
// Must fail: TestServerClose, TestServerRobust

package kv

import (
	"errors"
	"net"
	"net/rpc"
	"sync"
)

type Server struct {
	kv  *KV
	rpc *rpc.Server
	l   net.Listener

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool

	wg sync.WaitGroup
}

func Serve(l net.Listener) *Server {
	s := &Server{kv: NewKV(), rpc: rpc.NewServer(), l: l, conns: make(map[net.Conn]struct{})}
	if err := s.rpc.Register(s.kv); err != nil {
		panic(err) // KV's methods are fixed: this cannot happen
	}
	s.wg.Go(s.accept)
	return s
}

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
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
		}()
	}
}

func (s *Server) Addr() string { return s.l.Addr().String() }

func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.l.Close()
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
