package faultnet_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/faultnet"
	"golabs/internal/labtest"
)

// patience bounds how long a test waits for what takes microseconds when
// the network is correct. The margin is for a loaded machine.
const patience = 10 * time.Second

// noLeaks checks that no goroutine of the network outlives Close.
func noLeaks(t *testing.T) {
	labtest.NoLeaks(t, "Network.Close",
		"a late copy, a duplicate still in flight or the reader of a connection that Close neither waited for nor closed.")
}

// newNet returns a network pointed at srv (if not nil), closed at the end
// of the test, before the server stops.
func newNet(t *testing.T, seed uint64, cfg faultnet.Config, srv *server) *faultnet.Network {
	t.Helper()
	n := faultnet.New(seed, cfg)
	if srv != nil {
		n.SetServer(srv.addr())
	}
	t.Cleanup(n.Close)
	return n
}

// call makes one call of client and reports its result and how long it
// took. A call that does not return within patience fails the test with the
// network's log.
func call(t *testing.T, n *faultnet.Network, client int, method string, args *AddArgs, reply *AddReply) (bool, time.Duration) {
	t.Helper()
	type result struct {
		ok   bool
		took time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		ok := n.End(client).Call(method, args, reply)
		done <- result{ok, time.Since(start)}
	}()
	select {
	case r := <-done:
		return r.ok, r.took
	case <-time.After(patience):
		t.Fatalf("client %d's Call(%q, %+v) did not return within %v.\nEvents:\n%s",
			client, method, *args, patience, n.Describe(n.Events(nil)))
		return false, 0
	}
}

// whats returns what happened to one call, in order.
func whats(n *faultnet.Network, client, num int) []string {
	var w []string
	for _, e := range n.Events(func(e faultnet.Event) bool { return e.Client == client && e.Call == num }) {
		w = append(w, e.What)
	}
	return w
}

// closeWithin closes n, failing the test if Close takes longer than d.
func closeWithin(t *testing.T, n *faultnet.Network, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() {
		n.Close()
		close(done)
	}()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(d):
		t.Fatalf("Close did not return within %v.\nEvents:\n%s", d, n.Describe(n.Events(nil)))
		return 0
	}
}

func TestReliable(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	n := newNet(t, 1, faultnet.Config{}, srv)

	const clients, calls = 3, 30
	var wg sync.WaitGroup
	failures := make(chan string, clients*calls)
	for c := 1; c <= clients; c++ {
		wg.Go(func() {
			for i := 1; i <= calls; i++ {
				reply := AddReply{Total: -1}
				if !n.End(c).Call("Counter.Add", &AddArgs{Client: c, Seq: i, N: 1}, &reply) {
					failures <- fmt.Sprintf("client %d call %d returned false", c, i)
				} else if reply.Total < 1 || reply.Total > clients*calls {
					failures <- fmt.Sprintf("client %d call %d replied Total %d", c, i, reply.Total)
				}
			}
		})
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Errorf("on a network without faults, %s.\nEvents:\n%s", f, n.Describe(n.Events(nil)))
		break
	}

	assert.Len(t, srv.counter.invocations(), clients*calls, "every call should run the handler exactly once")
	s := n.Stats()
	assert.Equal(t, faultnet.Stats{
		Calls: clients * calls, Delivered: clients * calls, Replies: clients * calls,
		BytesSent: s.BytesSent, BytesReceived: s.BytesReceived,
	}, s, "Stats of a network without faults")
	assert.Positive(t, s.BytesSent, "bytes sent on the connections")
	assert.Positive(t, s.BytesReceived, "bytes received on the connections")
	assert.Equal(t, []string{"sent", "delivered", "reply"}, whats(n, 2, 7), "events of a call without faults")
}

func TestDropRequest(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	const timeout = 5 * time.Millisecond
	n := newNet(t, 1, faultnet.Config{DropRequest: 1, Timeout: timeout}, srv)

	for i := 1; i <= 5; i++ {
		reply := AddReply{Total: -1}
		ok, took := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: i, N: 1}, &reply)
		assert.False(t, ok, "a call whose request was dropped should return false")
		assert.GreaterOrEqual(t, took, timeout, "a caller learns that its request was lost only after Timeout")
		assert.Equal(t, -1, reply.Total, "a call that returned false should leave the reply alone")
	}
	assert.Empty(t, srv.counter.invocations(), "a dropped request must never run the handler")
	s := n.Stats()
	assert.EqualValues(t, 5, s.DroppedRequests, "Stats.DroppedRequests")
	assert.EqualValues(t, 0, s.Delivered, "Stats.Delivered")
	assert.EqualValues(t, 0, s.BytesSent, "nothing should be sent: not even a connection is needed")
	assert.Equal(t, []string{"sent", "request dropped"}, whats(n, 1, 3))
}

func TestDropReply(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	const timeout = 5 * time.Millisecond
	n := newNet(t, 1, faultnet.Config{DropReply: 1, Timeout: timeout}, srv)

	for i := 1; i <= 5; i++ {
		reply := AddReply{Total: -1}
		ok, took := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: i, N: 1}, &reply)
		assert.False(t, ok, "a call whose reply was dropped should return false")
		assert.GreaterOrEqual(t, took, timeout, "a caller learns that the reply was lost only after Timeout")
		assert.Equal(t, -1, reply.Total, "a dropped reply must not reach the caller")
		assert.Equal(t, []int{i}, srv.counter.seqs(1)[i-1:], "the handler should run once for each call whose reply is dropped, before the call returns")
	}
	s := n.Stats()
	assert.EqualValues(t, 5, s.DroppedReplies, "Stats.DroppedReplies")
	assert.EqualValues(t, 5, s.Delivered, "Stats.Delivered")
	assert.Equal(t, []string{"sent", "delivered", "reply dropped"}, whats(n, 1, 2))
}

func TestDuplicate(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	n := newNet(t, 1, faultnet.Config{Duplicate: 1, MaxDelay: 2 * time.Millisecond}, srv)

	const calls = 10
	for i := 1; i <= calls; i++ {
		reply := AddReply{Total: -1}
		ok, _ := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: i, N: 1}, &reply)
		require.True(t, ok, "a duplicated call should return true: the first reply reaches the caller.\nEvents:\n%s",
			n.Describe(n.Events(nil)))
		// Calls 1 to i-1 had their replies before call i began.
		assert.GreaterOrEqual(t, reply.Total, i, "call %d's reply should come from one of its own copies", i)
	}
	closeWithin(t, n, patience)
	seqs := srv.counter.seqs(1)
	for i := 1; i <= calls; i++ {
		assert.Equal(t, 2, count(seqs, i), "the handler should run twice for duplicated call %d (handler runs by Seq: %v)", i, seqs)
	}
	s := n.Stats()
	assert.EqualValues(t, calls, s.Duplicated, "Stats.Duplicated")
	assert.EqualValues(t, 2*calls, s.Delivered, "Stats.Delivered: both copies of every call")
	assert.EqualValues(t, calls, s.Replies, "Stats.Replies")
	w := whats(n, 1, 4)
	slices.Sort(w)
	assert.Equal(t, []string{"delivered", "delivered", "duplicated", "reply", "sent"}, w)
}

// TestDuplicateConcurrent proves that the two copies of a duplicate are in
// the server at the same time: Counter.Pair returns only once its twin has
// arrived.
func TestDuplicateConcurrent(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	n := newNet(t, 1, faultnet.Config{Duplicate: 1}, srv)
	var reply AddReply
	ok, _ := call(t, n, 1, "Counter.Pair", &AddArgs{Client: 1, Seq: 1}, &reply)
	assert.True(t, ok, "both copies of a duplicate should reach the server at once, so the first waits for its twin.\nEvents:\n%s",
		n.Describe(n.Events(nil)))
}

func TestLate(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	const lateDelay = 40 * time.Millisecond
	n := newNet(t, 1, faultnet.Config{Late: 1, LateDelay: lateDelay}, srv)

	start := time.Now()
	args := AddArgs{Client: 1, Seq: 1, N: 1}
	var reply AddReply
	ok1, _ := call(t, n, 1, "Counter.Add", &args, &reply)
	args.Seq = 2 // the caller reuses its args: the late copy of call 1 must not see this
	ok2, _ := call(t, n, 1, "Counter.Add", &args, &reply)
	beforeLate := time.Since(start) < lateDelay
	require.True(t, ok1 && ok2, "calls with late copies should return true.\nEvents:\n%s", n.Describe(n.Events(nil)))

	took := closeWithin(t, n, patience)
	seqs := srv.counter.seqs(1)
	require.Len(t, seqs, 4, "after Close, each call should have run the handler twice (handler runs by Seq: %v).\n"+
		"Close should wait for late copies in flight (it took %v).\nEvents:\n%s", seqs, took, n.Describe(n.Events(nil)))
	assert.ElementsMatch(t, []int{1, 1, 2, 2}, seqs, "each late copy should carry the args of its own call, although the caller reused them")
	assert.Equal(t, 1, seqs[0], "call 1 itself comes first")
	if beforeLate { // call 2 returned within LateDelay of call 1's start
		assert.Equal(t, 2, seqs[1], "the late copy of call 1 should arrive after call 2 (handler runs by Seq: %v)", seqs)
	}

	var ones []run
	for _, r := range srv.counter.invocations() {
		if r.args.Seq == 1 {
			ones = append(ones, r)
		}
	}
	assert.GreaterOrEqual(t, ones[1].at.Sub(ones[0].at), lateDelay, "a late copy arrives LateDelay after its call returned")
	assert.Equal(t, []string{"sent", "delivered", "reply", "late copy delivered"}, whats(n, 1, 1),
		"the late copy is delivered after the call returned")
	s := n.Stats()
	assert.EqualValues(t, 2, s.Late, "Stats.Late")
	assert.EqualValues(t, 4, s.Delivered, "Stats.Delivered")
}

// TestLateAfterDroppedRequest: a request that was dropped can still arrive
// late, as a delayed packet does.
func TestLateAfterDroppedRequest(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	n := newNet(t, 1, faultnet.Config{DropRequest: 1, Late: 1, LateDelay: time.Millisecond, Timeout: time.Millisecond}, srv)
	ok, _ := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 1, N: 1}, &AddReply{})
	assert.False(t, ok)
	closeWithin(t, n, patience)
	assert.Equal(t, []int{1}, srv.counter.seqs(1), "the handler should run once, for the late copy")
	assert.Equal(t, []string{"sent", "request dropped", "late copy delivered"}, whats(n, 1, 1))
}

func TestCutHeal(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	const timeout = 5 * time.Millisecond
	n := newNet(t, 1, faultnet.Config{Timeout: timeout}, srv)

	n.Cut(1) // before client 1 ever called
	ok, took := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 1, N: 1}, &AddReply{})
	assert.False(t, ok, "a call of a client that is cut off should return false")
	assert.GreaterOrEqual(t, took, timeout, "a cut-off caller learns it only after Timeout")
	ok, _ = call(t, n, 2, "Counter.Add", &AddArgs{Client: 2, Seq: 1, N: 1}, &AddReply{})
	assert.True(t, ok, "Cut(1) should not cut off client 2")
	assert.Empty(t, srv.counter.seqs(1), "a call of a cut-off client must not reach the server")
	assert.Equal(t, []string{"sent", "cut off"}, whats(n, 1, 1))

	n.Heal(1)
	ok, _ = call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 2, N: 1}, &AddReply{})
	assert.True(t, ok, "after Heal(1), client 1's calls should go through")
	assert.Equal(t, []int{2}, srv.counter.seqs(1))
	assert.EqualValues(t, 1, n.Stats().CutOff, "Stats.CutOff")
}

func TestServerDown(t *testing.T) {
	noLeaks(t)
	const timeout = 5 * time.Millisecond
	n := newNet(t, 1, faultnet.Config{Timeout: timeout}, nil)
	reply := AddReply{Total: -1}
	ok, took := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 1, N: 1}, &reply)
	assert.False(t, ok, "a call with no server should return false")
	assert.GreaterOrEqual(t, took, timeout, "a caller learns that the server is down only after Timeout")
	assert.Equal(t, -1, reply.Total)
	assert.Equal(t, []string{"sent", "server down"}, whats(n, 1, 1))
	assert.EqualValues(t, 1, n.Stats().Failed, "Stats.Failed")
}

// TestServerRestart crashes the server and starts a new one on another
// address: calls in between fail, and the network redials.
func TestServerRestart(t *testing.T) {
	noLeaks(t)
	a := startServer(t)
	const timeout = 5 * time.Millisecond
	n := newNet(t, 1, faultnet.Config{Timeout: timeout}, a)

	ok, _ := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 1, N: 1}, &AddReply{})
	require.True(t, ok, "the first server should answer")

	a.stop() // crash: its connections close
	for i := 2; i <= 3; i++ {
		ok, took := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: i, N: 1}, &AddReply{})
		assert.False(t, ok, "call %d, to a server that crashed, should return false", i)
		assert.GreaterOrEqual(t, took, timeout, "a failed call returns after Timeout")
		w := whats(n, 1, i)
		assert.True(t, strings.HasPrefix(w[len(w)-1], "failed: "), "call %d should say why it failed: %q", i, w)
	}

	b := startServer(t)
	n.SetServer(b.addr())
	ok, _ = call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 4, N: 1}, &AddReply{})
	assert.True(t, ok, "after SetServer, calls should reach the new server.\nEvents:\n%s", n.Describe(n.Events(nil)))
	assert.Equal(t, []int{1}, a.counter.seqs(1), "the crashed server")
	assert.Equal(t, []int{4}, b.counter.seqs(1), "the new server")
	assert.EqualValues(t, 2, n.Stats().Failed, "Stats.Failed")
}

// TestSetServerDropsConnections: connections to the old address close when
// the server moves.
func TestSetServerDropsConnections(t *testing.T) {
	noLeaks(t)
	a, b := startServer(t), startServer(t)
	n := newNet(t, 1, faultnet.Config{}, a)
	for c := 1; c <= 3; c++ {
		ok, _ := call(t, n, c, "Counter.Add", &AddArgs{Client: c, Seq: 1, N: 1}, &AddReply{})
		require.True(t, ok)
	}
	require.EqualValues(t, 3, a.serving.Load(), "one connection for each client")
	n.SetServer(b.addr())
	deadline := time.Now().Add(patience)
	for a.serving.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.Zero(t, a.serving.Load(), "SetServer should close the connections to the old address")
	ok, _ := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 2, N: 1}, &AddReply{})
	assert.True(t, ok)
	assert.Equal(t, []int{2}, b.counter.seqs(1))
}

// TestSameSeedSameFaults: the faults of a client's calls depend on the seed
// and the call number only, not on what other clients do.
func TestSameSeedSameFaults(t *testing.T) {
	noLeaks(t)
	seed := labtest.Seed(t)
	labtest.Replay(t, seed)
	cfg := faultnet.Config{
		DropRequest: 0.2, DropReply: 0.2, Duplicate: 0.2, Late: 0.2,
		MaxDelay: 200 * time.Microsecond, LateDelay: time.Millisecond, Timeout: time.Millisecond,
	}
	const calls = 40
	// faultsOf runs client 1 (and others, concurrently) and returns what
	// happened to each of client 1's calls.
	faultsOf := func(seed uint64, others int) []string {
		srv := startServer(t)
		n := faultnet.New(seed, cfg)
		n.SetServer(srv.addr())
		var wg sync.WaitGroup
		for c := 1; c <= 1+others; c++ {
			wg.Go(func() {
				for i := 1; i <= calls; i++ {
					n.End(c).Call("Counter.Add", &AddArgs{Client: c, Seq: i, N: 1}, &AddReply{})
				}
			})
		}
		wg.Wait()
		n.Close()
		srv.stop()
		got := make([]string, calls)
		for i := range got {
			w := whats(n, 1, i+1)
			slices.Sort(w) // copies of a duplicate may come back in either order
			got[i] = strings.Join(w, ", ")
		}
		return got
	}
	alone := faultsOf(seed, 0)
	crowded := faultsOf(seed, 3)
	for i := range alone {
		assert.Equal(t, alone[i], crowded[i], "with seed %d, call %d of client 1 should meet the same faults whatever other clients do", seed, i+1)
	}
	assert.NotEqual(t, alone, faultsOf(seed+1, 0), "another seed should give other faults")
}

// TestChaos runs many clients at once through every fault while the test
// reconfigures the network, for the race detector, and checks that the
// counters add up.
func TestChaos(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	seed := labtest.Seed(t)
	labtest.Replay(t, seed)
	cfg := faultnet.Config{
		DropRequest: 0.1, DropReply: 0.1, Duplicate: 0.2, Late: 0.1,
		MaxDelay: 500 * time.Microsecond, LateDelay: 2 * time.Millisecond, Timeout: time.Millisecond,
	}
	n := newNet(t, seed, cfg, srv)

	var wg sync.WaitGroup
	for c := 1; c <= 4; c++ {
		for range 2 { // two goroutines share each End
			wg.Go(func() {
				args := AddArgs{Client: c, N: 1}
				var reply AddReply
				for i := 0; i < 25; i++ {
					args.Seq++
					n.End(c).Call("Counter.Add", &args, &reply)
				}
			})
		}
	}
	wg.Go(func() {
		for i := range 10 {
			n.Cut(1 + i%4)
			time.Sleep(200 * time.Microsecond)
			n.Heal(1 + i%4)
			if i == 5 {
				n.SetConfig(faultnet.Config{Duplicate: 0.5, Timeout: time.Millisecond})
			}
			_ = n.Stats()
			_ = n.Events(func(e faultnet.Event) bool { return e.Client == 2 })
		}
	})
	wg.Wait()
	closeWithin(t, n, patience)

	s := n.Stats()
	assert.EqualValues(t, 200, s.Calls, "Stats.Calls")
	assert.Equal(t, s.Calls, s.Replies+s.DroppedRequests+s.DroppedReplies+s.CutOff+s.Failed,
		"every call should end in exactly one way: %v", s)
	assert.Zero(t, s.Failed, "no call should fail for another reason than a fault: %v\nEvents:\n%s", s,
		n.Describe(n.Events(func(e faultnet.Event) bool { return strings.HasPrefix(e.What, "failed") })))
	assert.EqualValues(t, len(srv.counter.invocations()), s.Delivered, "Stats.Delivered should count the handler's invocations: %v", s)
}

func TestClose(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	const timeout = time.Second
	n := newNet(t, 1, faultnet.Config{Timeout: timeout}, srv)
	ok, _ := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 1, N: 1}, &AddReply{})
	require.True(t, ok)

	closeWithin(t, n, patience)
	closeWithin(t, n, patience) // a second Close is harmless
	ok, took := call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 2, N: 1}, &AddReply{})
	assert.False(t, ok, "a call after Close should return false")
	assert.Less(t, took, timeout/2, "a call after Close should fail at once, not after Timeout")
	ok, _ = call(t, n, 7, "Counter.Add", &AddArgs{Client: 7, Seq: 1, N: 1}, &AddReply{})
	assert.False(t, ok, "a call of a new client after Close should return false")
	assert.Equal(t, []string{"failed: network closed"}, whats(n, 1, 2))
	assert.Equal(t, []int{1}, srv.counter.seqs(1))
}

// TestCloseBounded: Close gives up on a late copy whose handler never
// returns, and fails a call whose handler never returns.
func TestCloseBounded(t *testing.T) {
	noLeaks(t)
	const wait = 50 * time.Millisecond
	defer faultnet.SetCloseWait(wait)()
	srv := startServer(t)
	n := newNet(t, 1, faultnet.Config{Late: 1, LateDelay: time.Millisecond, Timeout: time.Millisecond}, srv)

	ok, _ := call(t, n, 1, "Counter.BlockRepeats", &AddArgs{Client: 1, Seq: 1}, &AddReply{})
	require.True(t, ok)
	for len(srv.counter.seqs(1)) < 2 { // the late copy is in the handler
		time.Sleep(time.Millisecond)
	}
	n.SetConfig(faultnet.Config{Timeout: time.Millisecond})
	blocked := make(chan bool, 1)
	go func() { blocked <- n.End(2).Call("Counter.Block", &AddArgs{Client: 2, Seq: 1}, &AddReply{}) }()
	for len(srv.counter.seqs(2)) < 1 { // client 2's call is in the handler
		time.Sleep(time.Millisecond)
	}

	took := closeWithin(t, n, patience)
	assert.GreaterOrEqual(t, took, wait, "Close should wait for the late copy a while")
	select {
	case ok := <-blocked:
		assert.False(t, ok, "a call whose connection Close closed should return false")
	case <-time.After(patience):
		t.Fatal("a call waiting for its reply did not return after Close: Close should close every connection")
	}
	w := whats(n, 1, 1)
	assert.True(t, strings.HasPrefix(w[len(w)-1], "late copy lost: "), "the late copy Close gave up on: %q", w)
}

func TestHandlerError(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	n := newNet(t, 1, faultnet.Config{Timeout: time.Millisecond}, srv)
	ok, _ := call(t, n, 1, "Counter.Fail", &AddArgs{Client: 1, Seq: 1}, &AddReply{})
	assert.False(t, ok, "a call whose handler returned an error should return false")
	assert.Equal(t, []string{"sent", "delivered", "failed: the handler returned an error: Fail always fails"}, whats(n, 1, 1))
	assert.EqualValues(t, 1, n.Stats().Delivered)
	ok, _ = call(t, n, 1, "Counter.Add", &AddArgs{Client: 1, Seq: 2, N: 1}, &AddReply{})
	assert.True(t, ok, "the connection should survive a handler's error")
}

// panicMessage returns what f panics with, or "" if it does not.
func panicMessage(f func()) (msg string) {
	defer func() {
		if v := recover(); v != nil {
			msg = fmt.Sprint(v)
		}
	}()
	f()
	return ""
}

func TestMisuse(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	n := newNet(t, 1, faultnet.Config{}, srv)
	e := n.End(1)
	args := &AddArgs{Client: 1, Seq: 1, N: 1}
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"unknown method", "the server has no such method", func() { e.Call("Counter.Ad", args, &AddReply{}) }},
		{"unknown service", "the server has no such method", func() { e.Call("Count.Add", args, &AddReply{}) }},
		{"no service", `named "Service.Method"`, func() { e.Call("Add", args, &AddReply{}) }},
		{"reply not a pointer", "pass a pointer to the reply", func() { e.Call("Counter.Add", args, AddReply{}) }},
		{"nil args", "nil args", func() { e.Call("Counter.Add", nil, &AddReply{}) }},
		{"args gob cannot encode", "cannot be sent", func() { e.Call("Counter.Add", &struct{ C chan int }{}, &AddReply{}) }},
		{"args of another type", "could not decode the arguments", func() { e.Call("Counter.Add", &struct{ Name string }{"x"}, &AddReply{}) }},
		{"reply of another type", "could not be decoded into *struct { Total string }", func() { e.Call("Counter.Add", args, &struct{ Total string }{}) }},
	} {
		msg := panicMessage(tc.f)
		assert.Contains(t, msg, tc.want, "%s: Call should panic and explain", tc.name)
	}
	var reply AddReply
	ok, _ := call(t, n, 1, "Counter.Add", args, &reply)
	assert.True(t, ok, "after mistakes, a good call should still go through.\nEvents:\n%s", n.Describe(n.Events(nil)))
}

func TestBadConfig(t *testing.T) {
	assert.PanicsWithValue(t, "faultnet: Config.Duplicate is 1.5: a probability must be between 0 and 1",
		func() { faultnet.New(1, faultnet.Config{Duplicate: 1.5}) })
	n := faultnet.New(1, faultnet.Config{})
	defer n.Close()
	assert.PanicsWithValue(t, "faultnet: Config.Timeout is -1s: a duration cannot be negative",
		func() { n.SetConfig(faultnet.Config{Timeout: -time.Second}) })
}

func TestDescribe(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	n := newNet(t, 1, faultnet.Config{DropRequest: 1, Timeout: time.Millisecond}, srv)
	call(t, n, 3, "Counter.Add", &AddArgs{Client: 3, Seq: 1, N: 5}, &AddReply{})
	n.SetConfig(faultnet.Config{Duplicate: 1, Late: 1, LateDelay: time.Millisecond})
	call(t, n, 3, "Counter.Add", &AddArgs{Client: 3, Seq: 1, N: 5}, &AddReply{})
	closeWithin(t, n, patience)

	d := n.Describe(n.Events(nil))
	t.Logf("Describe:\n%s", d)
	lines := strings.Split(d, "\n")
	require.Len(t, lines, 9, "a line that says what the numbers are, then one for each event")
	assert.Contains(t, lines[0], "call N is the client's Nth End.Call", "the legend says what a call number is")
	assert.Contains(t, lines[0], "Seq is the Clerk's number", "and what Seq is, since the two differ after a retry")
	for _, l := range lines[1:] {
		assert.Regexp(t, `^  \+\d+\.\dms client 3 call [12]: Counter\.Add \{Client:3 Seq:1 N:5\}: [a-z :]+$`, l)
	}
	assert.True(t, strings.HasSuffix(lines[2], "call 1: Counter.Add {Client:3 Seq:1 N:5}: request dropped"), lines[2])
	assert.Equal(t, "  (no events)", n.Describe(nil))

	long := faultnet.New(1, faultnet.Config{})
	defer long.Close()
	long.End(1).Call("Counter.Add", &struct{ Value string }{strings.Repeat("x", 10000)}, &AddReply{})
	args := long.Events(nil)[0].Args
	assert.Less(t, len(args), 300, "long arguments should be cut short in events")
	assert.True(t, strings.HasSuffix(args, "...(10008 bytes)"), args)
}

func count(s []int, v int) int {
	k := 0
	for _, x := range s {
		if x == v {
			k++
		}
	}
	return k
}

// TestLateCopyOfZeroArgs: gob sends nothing for a zero value, and a late
// copy must still be a request the server can take, whether args are a
// pointer or a value.
func TestLateCopyOfZeroArgs(t *testing.T) {
	noLeaks(t)
	srv := startServer(t)
	n := newNet(t, 1, faultnet.Config{Late: 1, LateDelay: time.Millisecond}, srv)
	e := n.End(1)
	assert.True(t, e.Call("Counter.Add", &AddArgs{}, &AddReply{}), "a pointer to zero args")
	assert.True(t, e.Call("Counter.Add", AddArgs{}, &AddReply{}), "zero args as a value")
	closeWithin(t, n, patience)
	assert.Len(t, srv.counter.seqs(0), 4, "two calls and their late copies.\nEvents:\n%s", n.Describe(n.Events(nil)))
	assert.EqualValues(t, 2, n.Stats().Late, "Stats.Late")
}

func TestWriteTimeline(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	events := []faultnet.Event{
		{At: 0, Client: 1, Call: 1, Method: "KV.Append", Args: "{Key:k Value:<1.0> Seq:1}", What: "sent"},
		{At: time.Millisecond, Client: 1, Call: 1, Method: "KV.Append", Args: "{Key:k Value:<1.0> Seq:1}", What: "delivered"},
		{At: time.Millisecond, Client: 1, Call: 1, Method: "KV.Append", Args: "{Key:k Value:<1.0> Seq:1}", What: "reply dropped"},
		{At: 2 * time.Millisecond, Client: 1, Call: 2, Method: "KV.Append", Args: "{Key:k Value:<1.0> Seq:1}", What: "sent"},
		{At: 3 * time.Millisecond, Client: 1, Call: 2, Method: "KV.Append", Args: "{Key:k Value:<1.0> Seq:1}", What: "reply"},
		{At: 3 * time.Millisecond, Client: 2, Call: 1, Method: "KV.Get", Args: "{Key:k Seq:1}", What: "sent"},
	}
	path, err := faultnet.WriteTimeline("TestLostReplies/sub", events)
	require.NoError(t, err)
	assert.Equal(t, os.TempDir(), filepath.Dir(path), "the page goes under os.TempDir()")
	assert.Contains(t, filepath.Base(path), "TestLostReplies_sub", "the page is named after the test")
	page, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, want := range []string{"client 1", "client 2", "rect class=lost", "rect class=reply", "rect class=open",
		"client 1 call 2: KV.Append {Key:k Value:&lt;1.0&gt; Seq:1}", "+1.0ms reply dropped"} {
		assert.Contains(t, string(page), want)
	}
}
