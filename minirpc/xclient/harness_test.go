package xclient

// This file is the test harness of parts F and G in package xclient: the
// service the test servers export, real minirpc servers on loopback
// listeners that count their connections, and a fake registry under
// http.DefaultClient for RegistryDiscovery. It is provided; do not edit it.
//
// The XClient tests run real minirpc servers: they need parts A to E. On
// their stubs they fail at once, with the stub's message.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golabs/internal/labtest"
	"golabs/minirpc"
)

// patience bounds how long a test waits for something a correct solution
// does in microseconds: a reply, a Close, a Broadcast that gives up. The
// margin is for a loaded machine.
const patience = 3 * time.Second

// try and within are the shared helpers of package labtest, for this package.
func try(t testing.TB, what string, f func()) bool { t.Helper(); return labtest.Try(t, what, f) }

func within(t testing.TB, d time.Duration, what, cause string, f func()) bool {
	t.Helper()
	return labtest.Within(t, d, ".", what, cause, f)
}

// --- The service of the test servers -----------------------------------------

// Args are the arguments of Node's methods.
type Args struct{ A, B int }

// Reply is what Node's methods reply: which server answered, and A+B.
type Reply struct {
	Server string
	Sum    int
}

// Node is the service every test server exports. Sum always answers; Work
// does what the test sets up: wait for a signal, fail, block on a gate.
type Node struct {
	name  string
	calls atomic.Int64 // calls of every method

	// Work, in this order: counts itself in waiting if gate is not nil;
	// sends on enter (if not nil); receives from before (if not nil);
	// fails if fails; waits for gate to be closed (if not nil), and leaves
	// waiting; sends on exit (if not nil); and answers.
	enter   chan<- struct{}
	before  <-chan struct{}
	fails   bool
	gate    chan struct{}
	waiting atomic.Int32
	exit    chan<- struct{}
}

// Sum replies with A+B and the server's name.
func (n *Node) Sum(args Args, reply *Reply) error {
	n.calls.Add(1)
	reply.Server, reply.Sum = n.name, args.A+args.B
	return nil
}

// Work replies as Sum does, after it has done what the test set up.
func (n *Node) Work(args Args, reply *Reply) error {
	n.calls.Add(1)
	if n.gate != nil {
		n.waiting.Add(1)
		defer n.waiting.Add(-1)
	}
	if n.enter != nil {
		n.enter <- struct{}{}
	}
	if n.before != nil {
		<-n.before
	}
	if n.fails {
		return fmt.Errorf("%s: %s", n.name, errWork)
	}
	if n.gate != nil {
		<-n.gate
	}
	if n.exit != nil {
		n.exit <- struct{}{}
	}
	reply.Server, reply.Sum = n.name, args.A+args.B
	return nil
}

// errWork is the error of a Node that fails.
const errWork = "this server always fails"

// --- Servers -------------------------------------------------------------------

// testServer is a minirpc server (the reference's, or yours) with a Node,
// on a loopback listener that counts its connections.
type testServer struct {
	node *Node
	addr string // "tcp@127.0.0.1:port", as XDial takes it
	lis  *countingListener
}

// startServers starts n servers, lets setup configure each Node before it
// serves, and stops them at the end of the test. It returns nil if a
// server could not start (t has failed).
func startServers(t *testing.T, n int, setup func(i int, node *Node)) []*testServer {
	t.Helper()
	var servers []*testServer
	for i := range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listening on a loopback port: %v", err)
		}
		lis := &countingListener{Listener: l}
		ts := &testServer{addr: "tcp@" + l.Addr().String(), lis: lis}
		ts.node = &Node{name: ts.addr}
		if setup != nil {
			setup(i, ts.node)
		}
		var s *minirpc.Server
		if !try(t, "minirpc.NewServer", func() { s = minirpc.NewServer() }) ||
			!try(t, "minirpc Server.Register", func() { err = s.Register(ts.node) }) {
			l.Close()
			return nil
		}
		if err != nil {
			l.Close()
			t.Fatalf("minirpc's Server.Register(&Node{}) failed: %v\nExpected: Node's methods Sum and Work are of "+
				"the form func (t *T) Method(args T1, reply *T2) error. (docs/minirpc.md, part B)", err)
		}
		// A correct Accept returns at once on a closed listener; a stub
		// panics, and the test says so before it waits for any reply.
		if !within(t, patience, "minirpc Server.Accept on a closed listener", acceptAdvice,
			func() { s.Accept(closedListener{l}) }) {
			l.Close()
			return nil
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Accept(lis)
		}()
		t.Cleanup(func() {
			l.Close()
			select {
			case <-done:
			case <-time.After(patience):
				t.Errorf("minirpc's Server.Accept did not return within %v of its listener being closed.\n"+
					"Likely cause: %s", patience, acceptAdvice)
			}
		})
		servers = append(servers, ts)
	}
	return servers
}

// acceptAdvice is what an Accept that does not return is told.
const acceptAdvice = "the accept loop retries when Accept fails; once the listener is closed, Accept fails for good: " +
	"return. (docs/minirpc.md, part B)"

// closedListener is a listener that is closed already.
type closedListener struct{ net.Listener }

func (closedListener) Accept() (net.Conn, error) { return nil, net.ErrClosed }

// addrs returns the servers' addresses.
func addrs(servers []*testServer) []string {
	var a []string
	for _, s := range servers {
		a = append(a, s.addr)
	}
	return a
}

// countingListener counts the connections it accepts and keeps them, so
// that a test can tell whether their clients hung up, or break them.
type countingListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*serverConn
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	sc := &serverConn{Conn: c, ended: make(chan struct{})}
	l.mu.Lock()
	l.conns = append(l.conns, sc)
	l.mu.Unlock()
	return sc, nil
}

// accepted returns how many connections l has accepted.
func (l *countingListener) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// conn returns the ith connection l accepted.
func (l *countingListener) conn(i int) *serverConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conns[i]
}

// serverConn is the server's side of a connection; ended is closed once a
// read of it fails: the client hung up, or the connection was closed.
type serverConn struct {
	net.Conn
	once  sync.Once
	ended chan struct{}
}

func (c *serverConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		c.once.Do(func() { close(c.ended) })
	}
	return n, err
}

// --- Clients -------------------------------------------------------------------

// newDiscovery calls the student's NewMultiServerDiscovery.
func newDiscovery(t *testing.T, servers []string) *MultiServersDiscovery {
	t.Helper()
	var d *MultiServersDiscovery
	try(t, "NewMultiServerDiscovery", func() { d = NewMultiServerDiscovery(servers) })
	if d == nil {
		t.Fatal("NewMultiServerDiscovery returned nil (docs/minirpc.md, part F)")
	}
	return d
}

// newXClient calls the student's NewXClient, and closes the XClient at
// the end of the test.
func newXClient(t *testing.T, d Discovery, mode SelectMode) *XClient {
	t.Helper()
	var xc *XClient
	try(t, "NewXClient", func() { xc = NewXClient(d, mode, nil) })
	if xc == nil {
		t.Fatal("NewXClient returned nil (docs/minirpc.md, part F)")
	}
	t.Cleanup(func() { try(t, "XClient.Close", func() { xc.Close() }) })
	return xc
}

// cached returns the client xc keeps for rpcAddr, or nil.
func cached(xc *XClient, rpcAddr string) *minirpc.Client {
	xc.mu.Lock()
	defer xc.mu.Unlock()
	return xc.clients[rpcAddr]
}

// callAdvice is what an XClient call that does not return is told.
const callAdvice = "a reply never came: is a lock held across the call, or does the XClient wait for something " +
	"the call never sends? (docs/minirpc.md, part F)"

// call makes one XClient.Call of Node.Sum and checks its reply.
func call(t *testing.T, xc *XClient, a, b int) Reply {
	t.Helper()
	var r Reply
	var err error
	within(t, patience, "XClient.Call", callAdvice, func() {
		err = xc.Call(context.Background(), "Node.Sum", Args{a, b}, &r)
	})
	if err != nil {
		t.Fatalf("XClient.Call(\"Node.Sum\", {%d, %d}) returned the error %v; want nil: every server is up "+
			"(docs/minirpc.md, part F)", a, b, err)
	}
	if r.Sum != a+b {
		t.Fatalf("XClient.Call(\"Node.Sum\", {%d, %d}) replied %+v; want Sum %d (docs/minirpc.md, part F)", a, b, r, a+b)
	}
	return r
}

// --- A fake registry under http.DefaultClient ----------------------------------

// registryURL is where the tests say the registry is. No request reaches
// it: the fake registry answers first.
const registryURL = "http://registry.test/_minirpc_/registry"

// fakeRegistry is an http.RoundTripper that answers a GET as a registry
// does, with the servers it is given, and counts the GETs. With down set,
// it answers 503 Service Unavailable. hold, if set, is called at the start
// of every request (outside the lock).
type fakeRegistry struct {
	mu      sync.Mutex
	servers []string
	down    bool
	gets    int
	hold    func()
}

func (f *fakeRegistry) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	if f.hold != nil {
		f.hold()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	status, h := http.StatusOK, http.Header{}
	switch {
	case req.Method != http.MethodGet || req.URL.String() != registryURL:
		status = http.StatusNotFound
	case f.down:
		status = http.StatusServiceUnavailable
	default:
		f.gets++
		h.Set("X-Minirpc-Servers", strings.Join(f.servers, ","))
	}
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode: status,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Body:       io.NopCloser(strings.NewReader("")),
		Request:    req,
	}, nil
}

// set changes the servers the fake registry lists.
func (f *fakeRegistry) set(servers ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.servers = servers
}

// setDown makes the fake registry answer 503, or not.
func (f *fakeRegistry) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// count returns how many GETs the fake registry has answered.
func (f *fakeRegistry) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

// useRegistry puts f under http.DefaultClient until t ends.
func useRegistry(t testing.TB, f *fakeRegistry) {
	t.Helper()
	old := http.DefaultTransport
	http.DefaultTransport = f
	t.Cleanup(func() { http.DefaultTransport = old })
}
