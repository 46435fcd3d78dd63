package xclient

// The graded tests of part F's XClient. Each Test function has its points
// in labs/minirpc.toml. Run them with:
//
//	go test -race -run 'TestXClient|TestBroadcast' ./minirpc/xclient/
//
// They call real minirpc servers (parts A to E) on loopback listeners that
// count their connections; see harness_test.go.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/labtest"
	"golabs/minirpc"
)

// xclientLeak is what an XClient test that leaves goroutines behind is
// told.
const xclientLeak = "a minirpc.Client that no one closes keeps its receive goroutine, and the server's goroutine " +
	"for its connection, for good. Does Close close every cached client? Does a call that finds no client dial " +
	"once (or wait for the dial in flight to that server), and keep what it dialled? Does Broadcast wait for its " +
	"goroutines? (docs/minirpc.md, part F)"

// TestXClientOneClientPerServer checks that an XClient dials each server
// once and reuses that client for every call, from 8 goroutines at once
// that start together (so that the first calls to a server race to dial
// it), picking the servers by round robin; and that Close closes the
// connections.
func TestXClientOneClientPerServer(t *testing.T) {
	labtest.NoLeaks(t, "XClient", xclientLeak)
	servers := startServers(t, 4, nil)
	if servers == nil {
		return
	}
	// One call from this goroutine first, on a server of its own: a stub
	// fails here, not in the goroutines below.
	call(t, newXClient(t, newDiscovery(t, addrs(servers[3:])), RoundRobinSelect), 1, 2)
	servers = servers[:3]
	xc := newXClient(t, newDiscovery(t, addrs(servers)), RoundRobinSelect)

	const goroutines, each = 8, 30
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			<-start
			for i := range each {
				var r Reply
				if err := xc.Call(context.Background(), "Node.Sum", Args{g, i}, &r); err != nil {
					errs <- err
				} else if r.Sum != g+i {
					errs <- fmt.Errorf("Node.Sum(%d, %d) replied %+v", g, i, r)
				}
			}
		})
	}
	close(start)
	within(t, patience, fmt.Sprintf("%d goroutines making %d XClient.Calls each", goroutines, each), callAdvice, wg.Wait)
	close(errs)
	for err := range errs {
		t.Fatalf("%d goroutines called through one XClient at once; a call failed: %v.\nExpected: every call succeeds: "+
			"the XClient and its clients are shared by all (docs/minirpc.md, part F).", goroutines, err)
	}
	for _, s := range servers {
		if n := s.lis.accepted(); n != 1 {
			t.Fatalf("server %s accepted %d connections from one XClient over %d calls, from %d goroutines at once.\n"+
				"Expected: 1: the XClient dials each server once and keeps the client in clients.\nLikely cause: a "+
				"dial per call, or two calls that both found no client and both dialled: a call that finds no "+
				"client records its dial in dials, under mu, and a call that finds a dial in flight to its server "+
				"waits for it instead of dialling too (docs/minirpc.md, part F).", s.addr, n, goroutines*each, goroutines)
		}
	}
	want := int64(goroutines * each / len(servers))
	for _, s := range servers {
		if n := s.node.calls.Load(); n != want {
			t.Fatalf("%d calls by round robin over %d servers: server %s got %d, want %d each.\nLikely cause: the calls "+
				"do not all go through d.Get(xc.mode), or the Discovery's round robin is wrong (docs/minirpc.md, part F).",
				goroutines*each, len(servers), s.addr, n, want)
		}
	}

	var err error
	if !try(t, "XClient.Close", func() { err = xc.Close() }) {
		return
	}
	if err != nil {
		t.Fatalf("XClient.Close returned %v; want nil: closing healthy clients is no error", err)
	}
	for _, s := range servers {
		select {
		case <-s.lis.conn(0).ended:
		case <-time.After(patience):
			t.Fatalf("XClient.Close returned, but the connection to %s is still open %v later: Close closes the "+
				"client of every server (docs/minirpc.md, part F)", s.addr, patience)
		}
	}
}

// TestXClientRedials checks that an XClient drops a client whose
// connection broke, closes it, and dials again; and that a server nobody
// listens at is an error, not a cached client.
func TestXClientRedials(t *testing.T) {
	labtest.NoLeaks(t, "XClient", xclientLeak)
	servers := startServers(t, 1, nil)
	if servers == nil {
		return
	}
	s := servers[0]
	xc := newXClient(t, newDiscovery(t, addrs(servers)), RandomSelect)
	call(t, xc, 1, 2)
	old := cached(xc, s.addr)
	if old == nil {
		t.Fatalf("after a call to %s, the XClient's clients hold no client for it.\nExpected: clients[rpcAddr] is the "+
			"client of that server, kept for the next calls (docs/minirpc.md, part F).", s.addr)
	}

	// The server's side of the connection breaks; the client's receive
	// loop sees it and marks the client unavailable.
	s.lis.conn(0).Close()
	deadline := time.Now().Add(patience)
	for old.IsAvailable() {
		if time.Now().After(deadline) {
			t.Fatalf("the connection of the XClient's client to %s was closed by the server %v ago, and the client "+
				"still says IsAvailable.\nLikely cause: part C: the receive loop ends when a read fails, and marks the "+
				"client shut down (docs/minirpc.md, part C).", s.addr, patience)
		}
		time.Sleep(time.Millisecond)
	}
	var r Reply
	var err error
	within(t, patience, "XClient.Call after the connection broke", callAdvice, func() {
		err = xc.Call(context.Background(), "Node.Sum", Args{3, 4}, &r)
	})
	if err != nil {
		t.Fatalf("the server closed its connection to the XClient's client, then a call failed: %v.\nExpected: the call "+
			"succeeds: a cached client that is no longer IsAvailable is closed, dropped and dialled again.\nLikely "+
			"cause: the XClient keeps a broken client for good, and every later call to that server fails "+
			"(docs/minirpc.md, part F).", err)
	}
	if n := s.lis.accepted(); n != 2 {
		t.Fatalf("after the first connection broke, the server accepted %d connections in all, want 2: one more "+
			"dial (docs/minirpc.md, part F)", n)
	}
	if now := cached(xc, s.addr); now == old || now == nil || !now.IsAvailable() {
		t.Fatalf("after the XClient dialled again, clients[%s] is not the new, available client (docs/minirpc.md, part F)", s.addr)
	}
	if err := old.Close(); !errors.Is(err, minirpc.ErrShutdown) {
		t.Fatalf("the XClient dropped the broken client without closing it: its Close said %v, not ErrShutdown (closed "+
			"already).\nExpected: close a broken client before you drop it: its connection is still open on this "+
			"side (docs/minirpc.md, part F).", err)
	}

	// Nobody listens at this address: the call fails, and no client is
	// kept for it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	gone := "tcp@" + l.Addr().String()
	l.Close()
	xc2 := newXClient(t, newDiscovery(t, []string{gone}), RoundRobinSelect)
	within(t, patience, "XClient.Call to a server that is not there", callAdvice, func() {
		err = xc2.Call(context.Background(), "Node.Sum", Args{1, 1}, &r)
	})
	if err == nil {
		t.Fatalf("XClient.Call to %s, where nobody listens, returned nil; want the dial's error (docs/minirpc.md, part F)", gone)
	}
	xc2.mu.Lock()
	_, kept := xc2.clients[gone]
	xc2.mu.Unlock()
	if kept {
		t.Fatalf("XClient.Call to %s failed to dial (%v), yet clients holds an entry for it: keep a client only once "+
			"the dial has succeeded (a nil client in the map panics the next call) (docs/minirpc.md, part F)", gone, err)
	}
}

// hungAdvice is what an XClient call held up by another server's dial is
// told.
const hungAdvice = "the call waits for the dial of another server, which never answers: is mu held across " +
	"minirpc.XDial? Hold mu only around the maps it guards, never across a dial (docs/minirpc.md, part F)"

// TestXClientHungDial checks that a dial that hangs holds up no call to
// another server: while a call dials a server that accepts the connection
// and never answers its HTTP CONNECT, mu is free, and calls to two other
// servers (one dialled before, one new) complete. Then the test cuts the
// hung connection off: that call fails, nothing is kept for its server, and
// the next call to it dials again.
func TestXClientHungDial(t *testing.T) {
	labtest.NoLeaks(t, "XClient", xclientLeak)
	servers := startServers(t, 2, nil)
	if servers == nil {
		return
	}
	hung := startHungServer(t)
	p := &pickDiscovery{server: servers[0].addr}
	// A connect time-out far longer than the test: the hung dial ends when
	// the test cuts its connection off, never on its own.
	opt := &minirpc.Option{ConnectTimeout: time.Minute}
	var xc *XClient
	try(t, "NewXClient", func() { xc = NewXClient(p, RandomSelect, opt) })
	if xc == nil {
		t.Fatal("NewXClient returned nil (docs/minirpc.md, part F)")
	}
	t.Cleanup(func() { try(t, "XClient.Close", func() { xc.Close() }) })
	t.Cleanup(hung.release) // first: a Close that waits for the hung dial must not wait for ever
	call(t, xc, 1, 2)       // servers[0]: dialled and kept; a stub fails here

	// One call dials the server that never answers.
	hungDone := make(chan error, 1)
	callHung := func() {
		defer func() {
			if v := recover(); v != nil {
				hungDone <- fmt.Errorf("XClient.Call panicked: %v", v)
			}
		}()
		hungDone <- xc.Call(context.Background(), "Node.Sum", Args{1, 1}, &Reply{})
	}
	p.pick(hung.addr)
	go callHung()
	select {
	case <-hung.connects:
	case err := <-hungDone:
		t.Fatalf("XClient.Call to %s, a server that accepts connections and never answers, returned %v before "+
			"the server had read anything.\nExpected: the call dials it (XDial sends an HTTP CONNECT) and waits "+
			"for its answer (docs/minirpc.md, part F).", hung.addr, err)
	case <-time.After(patience):
		t.Fatalf("XClient.Call to %s: no connection reached the server within %v; want one dial (docs/minirpc.md, "+
			"part F)", hung.addr, patience)
	}

	// Its dial is pending, and stays so until the test cuts it off.
	if !xc.mu.TryLock() {
		t.Fatalf("while an XClient.Call dials %s, a server that never answers, XClient.mu is held.\nExpected: mu "+
			"is free: a dial can take the whole ConnectTimeout (10s by default), and every call to every server "+
			"wants mu meanwhile.\nLikely cause: the dial is made under the lock, so that two calls do not dial "+
			"the same server twice. The lecture's rule: hold a lock only around the memory it guards. Record the "+
			"dial in flight in dials, under mu, release mu to dial, and let the other calls to that server wait "+
			"for its done channel (docs/minirpc.md, part F).", hung.addr)
	}
	xc.mu.Unlock()
	for i, s := range servers {
		p.pick(s.addr)
		var r Reply
		var err error
		what := []string{"dialled before", "not dialled yet"}[i]
		within(t, patience, fmt.Sprintf("XClient.Call to %s (%s) while the dial of %s hangs", s.addr, what, hung.addr),
			hungAdvice, func() { err = xc.Call(context.Background(), "Node.Sum", Args{2, 3}, &r) })
		if err != nil || r.Sum != 5 {
			t.Fatalf("XClient.Call to %s (%s), while the dial of %s hangs, returned %+v, %v; want Sum 5 and no "+
				"error: a dial that hangs concerns its own server only (docs/minirpc.md, part F)", s.addr, what,
				hung.addr, r, err)
		}
		select {
		case err := <-hungDone:
			t.Fatalf("the call to %s, a server that never answers, returned %v before the test cut its "+
				"connection off, with a ConnectTimeout of %v.\nExpected: the dial waits for the server's answer "+
				"(docs/minirpc.md, part F).", hung.addr, err, opt.ConnectTimeout)
		default:
		}
	}

	// The test cuts the hung connection off: the dial fails, and its call
	// returns the error.
	hung.release()
	select {
	case err := <-hungDone:
		if err == nil {
			t.Fatalf("the connection to %s was closed before it answered the CONNECT, and XClient.Call to it "+
				"returned nil; want the dial's error (docs/minirpc.md, part F)", hung.addr)
		}
	case <-time.After(patience):
		t.Fatalf("the connection to %s was closed before it answered the CONNECT, and XClient.Call to it has "+
			"not returned %v later.\nLikely cause: %s", hung.addr, patience, callAdvice)
	}
	if c := cached(xc, hung.addr); c != nil {
		t.Fatalf("the dial of %s failed, yet clients holds a client for it: keep a client only once its dial has "+
			"succeeded (docs/minirpc.md, part F)", hung.addr)
	}

	// A failed dial is not remembered: the next call dials again.
	p.pick(hung.addr)
	go callHung()
	select {
	case <-hung.connects:
	case err := <-hungDone:
		t.Fatalf("the dial of %s failed; the next XClient.Call to it returned %v without dialling again.\n"+
			"Expected: a new dial.\nLikely cause: the failed dial was left in dials, and every later call to that "+
			"server takes its old error: once a dial has ended, delete it from dials, whatever its result "+
			"(docs/minirpc.md, part F).", hung.addr, err)
	case <-time.After(patience):
		t.Fatalf("the dial of %s failed; the next XClient.Call to it did not reach the server within %v; want a "+
			"new dial (docs/minirpc.md, part F)", hung.addr, patience)
	}
	hung.release()
	select {
	case <-hungDone:
	case <-time.After(patience):
		t.Fatalf("the connection to %s was closed, and XClient.Call to it has not returned %v later.\nLikely "+
			"cause: %s", hung.addr, patience, callAdvice)
	}
}

// hungServer accepts TCP connections, reads what comes (an XDial of
// "http@..." sends an HTTP CONNECT), and never answers, until the test
// closes the connections with release.
type hungServer struct {
	addr     string        // "http@127.0.0.1:port"
	connects chan struct{} // a value for each connection that sent something

	mu     sync.Mutex
	conns  []net.Conn // the connections not released yet
	closed bool       // the test has ended: close every new connection at once
}

// startHungServer starts a hungServer, and stops it at the end of the test.
func startHungServer(t *testing.T) *hungServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	h := &hungServer{addr: "http@" + l.Addr().String(), connects: make(chan struct{}, 16)}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			if h.closed {
				c.Close()
			} else {
				h.conns = append(h.conns, c)
			}
			h.mu.Unlock()
			wg.Go(func() {
				buf := make([]byte, 512)
				if _, err := c.Read(buf); err != nil {
					return
				}
				h.connects <- struct{}{}
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		l.Close()
		h.mu.Lock()
		h.closed = true
		h.mu.Unlock()
		h.release()
		wg.Wait()
	})
	return h
}

// release closes the connections the server holds: their dials fail.
func (h *hungServer) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
}

// pickDiscovery is a Discovery whose Get returns the server the test picked
// last.
type pickDiscovery struct {
	mu     sync.Mutex
	server string
}

func (p *pickDiscovery) pick(server string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.server = server
}

func (p *pickDiscovery) Refresh() error        { return nil }
func (p *pickDiscovery) Update([]string) error { return errors.New("pickDiscovery: no Update") }

func (p *pickDiscovery) Get(SelectMode) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.server, nil
}

func (p *pickDiscovery) GetAll() ([]string, error) {
	s, _ := p.Get(RandomSelect)
	return []string{s}, nil
}

// broadcast calls xc.Broadcast of Node.Work({2, 3}); t fails if it does
// not return within patience.
func broadcast(t *testing.T, xc *XClient, reply any, cause string) error {
	t.Helper()
	var err error
	within(t, patience, "XClient.Broadcast", cause, func() {
		err = xc.Broadcast(context.Background(), "Node.Work", Args{2, 3}, reply)
	})
	return err
}

// TestBroadcastAll checks a Broadcast to servers that all answer: every
// server is called once per Broadcast, over the cached clients, and the
// reply is one server's whole reply, written by one goroutine (the race
// detector watches).
func TestBroadcastAll(t *testing.T) {
	labtest.NoLeaks(t, "XClient.Broadcast", xclientLeak)
	servers := startServers(t, 5, nil)
	if servers == nil {
		return
	}
	xc := newXClient(t, newDiscovery(t, addrs(servers)), RandomSelect)
	const rounds = 20
	for round := 1; round <= rounds; round++ {
		var r Reply
		err := broadcast(t, xc, &r, callAdvice)
		if err != nil {
			t.Fatalf("Broadcast to %d servers that all answer returned %v; want nil (docs/minirpc.md, part F)", len(servers), err)
		}
		if r.Sum != 5 || !slices.Contains(addrs(servers), r.Server) {
			t.Fatalf("Broadcast of Node.Work({2, 3}) left the reply %+v.\nExpected: the whole reply of one server "+
				"(Sum 5, and that server's name): each call decodes into a reply of its own, and the first success "+
				"is copied into the caller's reply (docs/minirpc.md, part F).", r)
		}
		for _, s := range servers {
			if n := s.node.calls.Load(); n != int64(round) {
				t.Fatalf("after %d Broadcasts, server %s was called %d times, want %d: one call per server per "+
					"Broadcast (docs/minirpc.md, part F)", round, s.addr, n, round)
			}
		}
	}
	for _, s := range servers {
		if n := s.lis.accepted(); n != 1 {
			t.Fatalf("server %s accepted %d connections over %d Broadcasts, want 1: Broadcast calls through the "+
				"XClient's cached clients, as Call does (docs/minirpc.md, part F)", s.addr, n, rounds)
		}
	}
	err := broadcast(t, xc, nil, callAdvice)
	if err != nil {
		t.Fatalf("Broadcast with a nil reply returned %v; want nil: the replies are then dropped (docs/minirpc.md, part F)", err)
	}
	for _, s := range servers {
		if n := s.node.calls.Load(); n != rounds+1 {
			t.Fatalf("Broadcast with a nil reply called server %s %d times in all, want %d (docs/minirpc.md, part F)", s.addr, n, rounds+1)
		}
	}
	xcEmpty := newXClient(t, newDiscovery(t, nil), RandomSelect)
	if err := broadcast(t, xcEmpty, &Reply{}, callAdvice); !errors.Is(err, ErrNoServers) {
		t.Fatalf("Broadcast over an empty list of servers returned %v; want ErrNoServers (docs/minirpc.md, part F)", err)
	}
}

// noCancel is what a Broadcast that waits for a blocked server is told.
const noCancel = "Broadcast waits for a server that is blocked, after another server failed. Give the calls a " +
	"context of Broadcast's own (context.WithCancel(ctx)) and cancel it on the first error: the calls still " +
	"running then return at once. And call the servers at once, one goroutine each, not one after the other. " +
	"(docs/minirpc.md, part F)"

// TestBroadcastFirstError checks a Broadcast in which a server fails: it
// returns that server's error while a slow server is still blocked in its
// handler (the first error cancels the other calls); and it returns the
// error even when another server's success comes too.
func TestBroadcastFirstError(t *testing.T) {
	labtest.NoLeaks(t, "XClient.Broadcast", xclientLeak)
	gate := make(chan struct{})
	defer close(gate) // before the servers stop: the blocked handler must end
	entered := make(chan struct{}, 1)
	// Server 0 blocks until the end of the test; server 1 fails once
	// server 0 is blocked; server 2 answers.
	servers := startServers(t, 3, func(i int, n *Node) {
		switch i {
		case 0:
			n.enter, n.gate = entered, gate
		case 1:
			n.before, n.fails = entered, true
		}
	})
	if servers == nil {
		return
	}
	slow, failing := servers[0], servers[1]
	xc := newXClient(t, newDiscovery(t, addrs(servers)), RandomSelect)
	var r Reply
	err := broadcast(t, xc, &r, noCancel)
	if err == nil {
		t.Fatalf("Broadcast returned nil, but server %s failed.\nExpected: the first error is Broadcast's result "+
			"(docs/minirpc.md, part F).", failing.addr)
	}
	if !strings.Contains(err.Error(), failing.addr+": "+errWork) || errors.Is(err, context.Canceled) {
		t.Fatalf("Broadcast returned %q; want the error of the server that failed, %q.\nLikely cause: a later error "+
			"overwrote the first: once the first error cancels the other calls, they fail with \"context canceled\". "+
			"Keep the first error only (docs/minirpc.md, part F).", err, failing.addr+": "+errWork)
	}
	if n := slow.node.waiting.Load(); n != 1 {
		t.Fatalf("when Broadcast returned, %d calls were blocked in the slow server's handler, want 1 (the test "+
			"releases it only at its end) (docs/minirpc.md, part F)", n)
	}

	// Two more servers: one answers, the other fails once the first has
	// answered. The success mostly arrives before the error; the error is
	// still the result.
	done := make(chan struct{}, 100)
	servers = startServers(t, 2, func(i int, n *Node) {
		switch i {
		case 0:
			n.exit = done
		case 1:
			n.before, n.fails = done, true
		}
	})
	if servers == nil {
		return
	}
	xc = newXClient(t, newDiscovery(t, addrs(servers)), RandomSelect)
	for range 10 {
		var r Reply
		err := broadcast(t, xc, &r, noCancel)
		if err == nil || !strings.Contains(err.Error(), errWork) {
			t.Fatalf("Broadcast to a server that answers and one that fails just after returned %v.\nExpected: the "+
				"error of the server that failed: a success, before or after the first error, does not clear it "+
				"(docs/minirpc.md, part F).", err)
		}
	}
}
