package faultnet_test

// This file is the tests' own server: a counter served by net/rpc on a
// loopback port, which logs every invocation of its handlers, so that a test
// can count how often the network made the handler run.

import (
	"errors"
	"net"
	"net/rpc"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// AddArgs are the arguments of Counter.Add. Client and Seq name the request,
// as a client ID and a sequence number would in a lab.
type AddArgs struct {
	Client int
	Seq    int
	N      int
}

// AddReply is the reply of Counter.Add: the total after the addition.
type AddReply struct {
	Total int
}

// run is one invocation of a handler.
type run struct {
	args AddArgs
	at   time.Time
}

// Counter is the service. Every handler logs its invocation.
type Counter struct {
	mu    sync.Mutex
	total int
	runs  []run
	twins map[int]chan struct{} // Pair: closed when the second copy of a Seq arrives
	hold  chan struct{}         // Block and BlockRepeats wait on it; closed when the server stops
}

func newCounter() *Counter {
	return &Counter{twins: make(map[int]chan struct{}), hold: make(chan struct{})}
}

func (c *Counter) log(args *AddArgs) (repeat bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.runs {
		if r.args.Client == args.Client && r.args.Seq == args.Seq {
			repeat = true
		}
	}
	c.runs = append(c.runs, run{*args, time.Now()})
	return repeat
}

// Add adds args.N to the total and replies with the new total.
func (c *Counter) Add(args *AddArgs, reply *AddReply) error {
	c.log(args)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += args.N
	reply.Total = c.total
	return nil
}

// Fail always returns an error.
func (c *Counter) Fail(args *AddArgs, reply *AddReply) error {
	c.log(args)
	return errors.New("Fail always fails")
}

// Pair waits for the second copy of its request, as the first copy of a
// duplicate: it returns an error unless both copies are in the server at
// once.
func (c *Counter) Pair(args *AddArgs, reply *AddReply) error {
	c.log(args)
	c.mu.Lock()
	twin, second := c.twins[args.Seq]
	if !second {
		twin = make(chan struct{})
		c.twins[args.Seq] = twin
	}
	c.mu.Unlock()
	if second {
		close(twin)
		return nil
	}
	select {
	case <-twin:
		return nil
	case <-time.After(patience):
		return errors.New("the duplicate never arrived while the first copy was running")
	}
}

// Block does not return until the server stops.
func (c *Counter) Block(args *AddArgs, reply *AddReply) error {
	c.log(args)
	<-c.hold
	return nil
}

// BlockRepeats returns at once the first time it sees a request, and blocks
// until the server stops when it sees the request again.
func (c *Counter) BlockRepeats(args *AddArgs, reply *AddReply) error {
	if c.log(args) {
		<-c.hold
	}
	return nil
}

// invocations returns the handler invocations so far, in order.
func (c *Counter) invocations() []run {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]run(nil), c.runs...)
}

// seqs returns the Seq of every invocation for client, in order.
func (c *Counter) seqs(client int) []int {
	var s []int
	for _, r := range c.invocations() {
		if r.args.Client == client {
			s = append(s, r.args.Seq)
		}
	}
	return s
}

// server serves a Counter on a loopback port.
type server struct {
	counter *Counter
	l       net.Listener
	wg      sync.WaitGroup
	serving atomic.Int64 // connections being served

	mu    sync.Mutex
	conns []net.Conn
	once  sync.Once
}

// startServer starts a server, stopped at the end of the test.
func startServer(t testing.TB) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	s := &server{counter: newCounter(), l: l}
	rs := rpc.NewServer()
	if err := rs.Register(s.counter); err != nil {
		t.Fatal(err)
	}
	s.wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.serving.Add(1)
			s.wg.Go(func() {
				defer s.serving.Add(-1)
				rs.ServeConn(c)
			})
		}
	})
	t.Cleanup(s.stop)
	return s
}

func (s *server) addr() string { return s.l.Addr().String() }

// stop crashes the server: it closes the listener and every connection,
// releases blocked handlers and waits for the server's goroutines.
func (s *server) stop() {
	s.once.Do(func() {
		s.l.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		close(s.counter.hold)
		s.wg.Wait()
	})
}
