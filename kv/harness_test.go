package kv

// This file is the test harness of Lab 2: a listener that counts and watches
// connections, a scripted fake server that the Clerk tests talk to (so that
// Part C does not depend on your server), raw net/rpc clients for the server
// tests (so that Part B does not depend on your Clerk), and a watchdog that
// turns a hang into a failure that says what was stuck. It is provided; do
// not edit it.

import (
	"errors"
	"fmt"
	"net"
	"net/rpc"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golabs/internal/labtest"
)

// patience bounds how long a test waits for something a correct solution
// does in microseconds: a reply, a Close, an error from a dead connection.
// The margin is for a loaded machine.
const patience = 3 * time.Second

// closePatience bounds a Server.Close: a correct one takes milliseconds (a
// second in TestServerClose, whose connections take that long to end), so a
// Close that hangs fails its test in seconds, not in minutes over a suite.
const closePatience = 4 * time.Second

// closeAdvice is what a Close that does not return is told.
const closeAdvice = "Close waits for something that never happens. Does it close every live connection, so that " +
	"each ServeConn returns? Does the accept loop stop once the listener is closed (Accept then fails: return, " +
	"do not retry)? Does Close release its lock before it waits, so that the goroutines it waits for can take it?"

// try and within are the shared helpers of package labtest, for this package.
func try(t testing.TB, what string, f func()) bool { t.Helper(); return labtest.Try(t, what, f) }

func within(t testing.TB, d time.Duration, what, cause string, f func()) bool {
	t.Helper()
	return labtest.Within(t, d, ".", what, cause, f)
}

// --- A listener that watches its connections ---------------------------------

// watchedListener is a loopback listener that counts the connections it
// accepts and remembers them, to tell whether they were closed.
type watchedListener struct {
	net.Listener
	closed atomic.Bool
	// linger, if set, is how long a connection's Read takes to return
	// after the connection was closed: the server's goroutine for it ends
	// that much after Close closed it, so a Close that does not wait for
	// its goroutines returns while they still run, every time.
	linger time.Duration

	mu    sync.Mutex
	conns []*watchedConn
}

type watchedConn struct {
	net.Conn
	closed atomic.Bool
	linger time.Duration
}

func (c *watchedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil && c.closed.Load() && c.linger > 0 {
		time.Sleep(c.linger)
	}
	return n, err
}

func (c *watchedConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

// listen returns a watched listener on a free loopback port.
func listen(t testing.TB) *watchedListener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	return &watchedListener{Listener: l}
}

func (l *watchedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	wc := &watchedConn{Conn: c, linger: l.linger}
	l.mu.Lock()
	l.conns = append(l.conns, wc)
	l.mu.Unlock()
	return wc, nil
}

func (l *watchedListener) Close() error {
	l.closed.Store(true)
	return l.Listener.Close()
}

// accepted returns how many connections the listener has accepted.
func (l *watchedListener) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// open returns how many accepted connections have not been closed.
func (l *watchedListener) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.conns {
		if !c.closed.Load() {
			n++
		}
	}
	return n
}

// --- The student's server, started for a test ---------------------------------

// serve starts the student's server on a watched listener and closes it when
// the test ends (if the test has not).
func serve(t testing.TB) (*Server, *watchedListener) {
	t.Helper()
	l := listen(t)
	var s *Server
	if !try(t, "Serve", func() { s = Serve(l) }) {
		return nil, nil
	}
	t.Cleanup(func() {
		within(t, closePatience, "Server.Close (at the end of the test)", closeAdvice, func() { s.Close() })
	})
	return s, l
}

// dial returns a raw net/rpc client of addr, closed at the end of the test.
func dial(t testing.TB, addr string) *rpc.Client {
	t.Helper()
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("connecting to the server at %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// errNoReply is what callErr returns when a call gets no reply in time. It
// takes the dump of the goroutines when its message is first asked for:
// when hundreds of calls time out at once, only the one reported pays.
type errNoReply struct {
	method string
	once   sync.Once
	stacks string
}

func (e *errNoReply) Error() string {
	e.once.Do(func() { e.stacks = labtest.Goroutines(".", 8) })
	return fmt.Sprintf("%s got no reply within %v.\nLikely cause: the server does not serve this connection "+
		"(is every connection served in a goroutine of its own?) or a handler is blocked "+
		"(a lock that is never unlocked?).\n\nGoroutines running kv code:\n%s", e.method, patience, e.stacks)
}

// callErr makes one RPC and waits at most patience for its reply. It is
// safe in any goroutine: it reports, it does not fail the test.
func callErr(c *rpc.Client, method string, args, reply any) error {
	select {
	case done := <-c.Go(method, args, reply, make(chan *rpc.Call, 1)).Done:
		return done.Error
	case <-time.After(patience):
		return &errNoReply{method: method}
	}
}

// call is callErr for the test's own goroutine: no reply fails the test.
func call(t testing.TB, c *rpc.Client, method string, args, reply any) error {
	t.Helper()
	err := callErr(c, method, args, reply)
	var nr *errNoReply
	if errors.As(err, &nr) {
		t.Fatal(err)
	}
	return err
}

// failed fails t with the first of errs, the errors of calls made by many
// goroutines, if any is not nil. what describes the situation.
func failed(t testing.TB, errs []error, what string, args ...any) {
	t.Helper()
	n, first := 0, error(nil)
	for _, err := range errs {
		if err != nil {
			if n++; first == nil {
				first = err
			}
		}
	}
	if n > 0 {
		t.Fatalf("with %s, %d of %d calls failed; the first: %v", fmt.Sprintf(what, args...), n, len(errs), first)
	}
}

// get, put and appendTo make the three RPCs on a raw client and fail t if
// the call itself fails.
func get(t testing.TB, c *rpc.Client, key string) GetReply {
	t.Helper()
	var reply GetReply
	if err := call(t, c, "KV.Get", &GetArgs{Key: key}, &reply); err != nil {
		t.Fatalf("KV.Get(%q) failed: %v", key, err)
	}
	return reply
}

func put(t testing.TB, c *rpc.Client, key, value string) {
	t.Helper()
	var reply PutReply
	if err := call(t, c, "KV.Put", &PutArgs{Key: key, Value: value}, &reply); err != nil {
		t.Fatalf("KV.Put(%q) failed: %v", key, err)
	}
	if reply.Err != OK {
		t.Fatalf("KV.Put(%q) replied Err %q, want OK", key, reply.Err)
	}
}

func appendTo(t testing.TB, c *rpc.Client, key, value string) AppendReply {
	t.Helper()
	var reply AppendReply
	if err := call(t, c, "KV.Append", &AppendArgs{Key: key, Value: value}, &reply); err != nil {
		t.Fatalf("KV.Append(%q) failed: %v", key, err)
	}
	return reply
}

// --- A scripted server for the Clerk tests --------------------------------------

// scriptKV answers KV.Get, KV.Put and KV.Append by rule, not from a store, so
// that every answer tells which request it is for: Get("k") is "value of k",
// a key that starts with "missing" has no value, and Append("k", "x") says
// the value before was "before k+x". It logs the Puts it receives.
type scriptKV struct {
	mu   sync.Mutex
	puts []string

	stuck   chan struct{} // a Get of a key "stuck..." waits until it is closed
	waiting atomic.Int32  // Gets waiting on stuck
}

func (s *scriptKV) Get(args *GetArgs, reply *GetReply) error {
	if strings.HasPrefix(args.Key, "stuck") {
		s.waiting.Add(1)
		<-s.stuck
		return errors.New("the server was stopped")
	}
	if strings.HasPrefix(args.Key, "missing") {
		reply.Err = ErrNoKey
		return nil
	}
	reply.Err, reply.Value = OK, "value of "+args.Key
	return nil
}

func (s *scriptKV) Put(args *PutArgs, reply *PutReply) error {
	s.mu.Lock()
	s.puts = append(s.puts, args.Key+"="+args.Value)
	s.mu.Unlock()
	reply.Err = OK
	return nil
}

func (s *scriptKV) Append(args *AppendArgs, reply *AppendReply) error {
	reply.Err, reply.Value = OK, "before "+args.Key+"+"+args.Value
	return nil
}

// A scriptServer serves a scriptKV on a watched listener.
type scriptServer struct {
	kv   *scriptKV
	l    *watchedListener
	wg   sync.WaitGroup
	once sync.Once
}

// startScript starts a scripted server, stopped at the end of the test.
func startScript(t testing.TB) *scriptServer {
	t.Helper()
	s := &scriptServer{kv: &scriptKV{stuck: make(chan struct{})}, l: listen(t)}
	rs := rpc.NewServer()
	if err := rs.RegisterName("KV", s.kv); err != nil {
		t.Fatal(err)
	}
	s.wg.Go(func() {
		for {
			c, err := s.l.Accept()
			if err != nil {
				return
			}
			s.wg.Go(func() { rs.ServeConn(c) })
		}
	})
	t.Cleanup(s.stop)
	return s
}

func (s *scriptServer) addr() string { return s.l.Addr().String() }

// stop closes the listener and every connection, and waits for the server's
// goroutines.
func (s *scriptServer) stop() {
	s.once.Do(func() {
		close(s.kv.stuck)
		s.l.Close()
		s.l.mu.Lock()
		for _, c := range s.l.conns {
			c.Close()
		}
		s.l.mu.Unlock()
		s.wg.Wait()
	})
}

// makeClerk calls the student's MakeClerk, failing t if it fails or hangs.
func makeClerk(t testing.TB, addr string) *Clerk {
	t.Helper()
	var ck *Clerk
	var err error
	within(t, patience, fmt.Sprintf("MakeClerk(%q)", addr), "MakeClerk should dial and return.",
		func() { ck, err = MakeClerk(addr) })
	if err != nil {
		t.Fatalf("MakeClerk(%q): %v", addr, err)
	}
	if ck == nil {
		t.Fatalf("MakeClerk(%q) returned a nil Clerk and no error", addr)
	}
	return ck
}

// isNoKey reports whether err says that the key has no value.
func isNoKey(err error) bool { return errors.Is(err, ErrNoKey) }
