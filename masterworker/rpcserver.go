package masterworker

import (
	"net"
	"net/rpc"
	"strings"
	"sync"
)

// Server serves one receiver over net/rpc on a listener until Close. It is
// provided: a push worker (WorkerService) and the pull master are both
// served by one, in the tests and in cmd-line use alike.
//
// A stopped Server is what a crashed process looks like from the other end
// of its connections: new dials are refused, and the calls on open
// connections fail.
type Server struct {
	lis  net.Listener
	rpcs *rpc.Server

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup // the accept loop and one goroutine per connection
}

// Serve registers rcvr under name on a new rpc.Server and serves every
// connection accepted on l, each in a goroutine of its own, until Close.
func Serve(l net.Listener, name string, rcvr any) (*Server, error) {
	rpcs := rpc.NewServer()
	if err := rpcs.RegisterName(name, rcvr); err != nil {
		return nil, err
	}
	s := &Server{lis: l, rpcs: rpcs, conns: make(map[net.Conn]struct{})}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Listen serves rcvr under name on a new listener at addr, such as
// "127.0.0.1:0" (any free loopback port: Addr tells which).
func Listen(addr, name string, rcvr any) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s, err := Serve(l, name, rcvr)
	if err != nil {
		l.Close()
		return nil, err
	}
	return s, nil
}

// Addr is the address the Server listens on.
func (s *Server) Addr() string { return s.lis.Addr().String() }

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.lis.Accept()
		if err != nil {
			return // the listener is closed (or broken: nothing more will come)
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
			s.rpcs.ServeConn(conn)
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
		}()
	}
}

// Close stops the Server: it closes the listener and every open
// connection, and waits until the connections' goroutines have ended. A
// call still running in the receiver is waited for too (net/rpc sends its
// reply, or fails to, before ServeConn returns): a receiver must not block
// for ever.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.lis.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// WorkerService is the push worker: the RPC server the master of part A
// calls. It is provided, and keeps no state: each call is a task in, a
// result out.
type WorkerService struct {
	// ID is the worker's number, which it writes in each reply.
	ID int
	// Process is the work: nil upper-cases TaskData, the lecture's
	// example. An error from Process is DoTask's error.
	Process func(TaskArgs) (string, error)
}

// DoTask runs one task.
func (w *WorkerService) DoTask(args *TaskArgs, reply *TaskReply) error {
	process := w.Process
	if process == nil {
		process = func(a TaskArgs) (string, error) { return strings.ToUpper(a.TaskData), nil }
	}
	result, err := process(*args)
	if err != nil {
		return err
	}
	reply.WorkerID = w.ID
	reply.ResultData = result
	return nil
}
