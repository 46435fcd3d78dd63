package minirpc

// This file is the shared test harness of Lab 4: the services the tests
// register, the watchdog that turns a hang into a failure that says what
// was stuck, and a server started on a loopback listener. The raw client
// the server tests speak the wire protocol with is in rawclient_test.go;
// the scripted server the client tests talk to, in fakeserver_test.go. It
// is provided; do not edit it.

import (
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"golabs/internal/labtest"
)

// patience bounds how long a test waits for something a correct solution
// does in microseconds: a reply, a Close, an error from a dead connection.
// The margin is for a loaded machine.
const patience = 3 * time.Second

// try and within are the shared helpers of package labtest, for this package.
func try(t testing.TB, what string, f func()) bool { t.Helper(); return labtest.Try(t, what, f) }

func within(t testing.TB, d time.Duration, what, cause string, f func()) bool {
	t.Helper()
	return labtest.Within(t, d, ".", what, cause, f)
}

// --- The services the tests register ------------------------------------------

// Args are the arguments of Arith's methods.
type Args struct{ A, B int }

// Arith is the service most tests call.
type Arith struct {
	// gate, if not nil, is what Arith.Wait waits on; waiting counts the
	// calls waiting on it.
	gate    chan struct{}
	waiting atomic.Int32
	// calls counts the calls of every method.
	calls atomic.Int64
}

// Sum sets reply to A+B.
func (a *Arith) Sum(args Args, reply *int) error {
	a.calls.Add(1)
	*reply = args.A + args.B
	return nil
}

// Mul sets reply to A*B; it takes a pointer, to test both kinds of
// argument.
func (a *Arith) Mul(args *Args, reply *int) error {
	a.calls.Add(1)
	*reply = args.A * args.B
	return nil
}

// Fail always fails, with an error that names its arguments.
func (a *Arith) Fail(args Args, reply *int) error {
	a.calls.Add(1)
	return errArith
}

var errArith = errors.New("arith: this method always fails")

// Wait waits until gate is closed, then sets reply to A+B.
func (a *Arith) Wait(args Args, reply *int) error {
	a.calls.Add(1)
	a.waiting.Add(1)
	defer a.waiting.Add(-1)
	<-a.gate
	*reply = args.A + args.B
	return nil
}

// Echo replies with its argument: the payload of the tests that need big
// messages.
func (a *Arith) Echo(args string, reply *string) error {
	a.calls.Add(1)
	*reply = args
	return nil
}

// Words replies with a map and a slice, made by the server.
func (a *Arith) Words(args string, reply *map[string]int) error {
	a.calls.Add(1)
	(*reply)[args]++
	return nil
}

// --- A server for a test -------------------------------------------------------

// testServer is the student's server serving a loopback listener, with an
// Arith registered.
type testServer struct {
	*Server
	arith *Arith
	addr  string
	lis   net.Listener
	done  chan struct{} // closed when Accept has returned
}

// startServer starts the student's server with an Arith whose Wait waits on
// gate (nil: Wait blocks forever), and stops it at the end of the test:
// the listener is closed and Accept must return.
func startServer(t testing.TB, gate chan struct{}) *testServer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	ts := &testServer{arith: &Arith{gate: gate}, addr: lis.Addr().String(), lis: lis, done: make(chan struct{})}
	if !try(t, "NewServer", func() { ts.Server = NewServer() }) {
		lis.Close()
		return nil
	}
	var err2 error
	if !try(t, "Server.Register", func() { err2 = ts.Register(ts.arith) }) {
		lis.Close()
		return nil
	}
	if err2 != nil {
		lis.Close()
		t.Fatalf("Register(&Arith{}) failed: %v\nExpected: Arith's methods Sum, Mul, Fail, Wait, Echo and Words are all "+
			"of the form func (t *T) Method(args T1, reply *T2) error. (docs/minirpc.md, part B)", err2)
	}
	// A correct Accept returns at once when its listener is closed; a stub
	// panics, and the test says so before it waits for any reply.
	if !within(t, patience, "Server.Accept on a closed listener", acceptAdvice, func() { ts.Accept(closedListener{lis}) }) {
		lis.Close()
		return nil
	}
	go func() {
		defer close(ts.done)
		ts.Accept(lis)
	}()
	t.Cleanup(func() {
		lis.Close()
		select {
		case <-ts.done:
		case <-time.After(patience):
			t.Errorf("Server.Accept did not return within %v of its listener being closed.\nLikely cause: %s", patience, acceptAdvice)
		}
	})
	return ts
}

// acceptAdvice is what an Accept that does not return is told.
const acceptAdvice = "the accept loop retries when Accept fails; once the listener is closed, Accept fails for good: " +
	"return. (docs/minirpc.md, part B)"

// closedListener is a listener that is closed already.
type closedListener struct{ net.Listener }

func (closedListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }
