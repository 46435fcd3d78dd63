package kv

// The graded tests of Lab 2. Each Test function has its points in
// labs/kv.toml. Run one part with, for example:
//
//	go test -race -run 'TestKV' ./kv/
//
// The listener, the scripted server and the watchdog are in harness_test.go.

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/rpc"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/kvcheck"
	"golabs/internal/labtest"
)

// --- A. The KV and its handlers ---------------------------------------------------

// newKV calls the student's NewKV, failing t if it panics or returns nil.
func newKV(t *testing.T) *KV {
	t.Helper()
	var kv *KV
	try(t, "NewKV", func() { kv = NewKV() })
	if kv == nil {
		t.Fatal("NewKV returned nil")
	}
	// A handler with a value receiver, func (kv KV) Append(...), works on
	// a copy of the KV: its mutex too, so the lock guards nothing.
	var copied []string
	for _, m := range []string{"Get", "Put", "Append"} {
		if _, ok := reflect.TypeFor[KV]().MethodByName(m); ok && holdsLock(reflect.TypeFor[KV]()) {
			copied = append(copied, m)
		}
	}
	if len(copied) > 0 {
		t.Fatalf("KV's handlers have value receivers (func (kv KV) ...): KV.%s.\nExpected: pointer receivers, "+
			"func (kv *KV) ....\nLikely cause: with a value receiver each call works on a copy of the KV, and of "+
			"its mutex, so every call locks a lock of its own and the lock guards nothing (go vet reports it: "+
			"\"passes lock by value\"). (docs/kv.md, part A)", strings.Join(copied, ", KV."))
	}
	return kv
}

// holdsLock reports whether a value of type t holds a sync.Mutex or a
// sync.RWMutex (not a pointer to one), as go vet's copylocks check sees it.
func holdsLock(t reflect.Type) bool {
	if t == reflect.TypeFor[sync.Mutex]() || t == reflect.TypeFor[sync.RWMutex]() {
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsLock(t.Field(i).Type) {
				return true
			}
		}
	case reflect.Array:
		return holdsLock(t.Elem())
	}
	return false
}

func TestKVGetPut(t *testing.T) {
	kv := newKV(t)
	getReply := func(key string) (r GetReply) {
		t.Helper()
		try(t, fmt.Sprintf("KV.Get(%q)", key), func() {
			if err := kv.Get(&GetArgs{Key: key}, &r); err != nil {
				t.Fatalf("KV.Get(%q) returned the error %v; handlers report outcomes in reply.Err and return nil", key, err)
			}
		})
		return r
	}
	putReply := func(key, value string) {
		t.Helper()
		var r PutReply
		try(t, fmt.Sprintf("KV.Put(%q, %q)", key, value), func() {
			if err := kv.Put(&PutArgs{Key: key, Value: value}, &r); err != nil {
				t.Fatalf("KV.Put returned the error %v; return nil", err)
			}
		})
		if r.Err != OK {
			t.Fatalf("KV.Put(%q, %q) replied Err %q, want OK", key, value, r.Err)
		}
	}

	if r := getReply("k"); r.Err != ErrNoKey || r.Value != "" {
		t.Fatalf("KV.Get of a key never written replied %+v.\nExpected: Err ErrNoKey and Value \"\".\n"+
			"Likely cause: check whether the key is in the map (v, ok := data[key]) (docs/kv.md, part A).", r)
	}
	putReply("k", "v1")
	if r := getReply("k"); r.Err != OK || r.Value != "v1" {
		t.Fatalf("after Put(\"k\", \"v1\"), Get(\"k\") replied %+v; want Err OK, Value \"v1\"", r)
	}
	putReply("k", "v2")
	if r := getReply("k"); r.Err != OK || r.Value != "v2" {
		t.Fatalf("after Put(\"k\", \"v2\") over \"v1\", Get(\"k\") replied %+v; want Err OK, Value \"v2\": Put replaces the value", r)
	}
	putReply("empty", "")
	if r := getReply("empty"); r.Err != OK || r.Value != "" {
		t.Fatalf("after Put(\"empty\", \"\"), Get(\"empty\") replied %+v.\nExpected: Err OK, Value \"\": a key written "+
			"with the empty string exists.\nLikely cause: ErrNoKey decided by v == \"\" rather than by whether the key is in the map.", r)
	}
	if r := getReply("K"); r.Err != ErrNoKey {
		t.Fatalf("Get(\"K\") replied %+v after only \"k\" was written; keys are case-sensitive: want ErrNoKey", r)
	}
}

func TestKVAppend(t *testing.T) {
	kv := newKV(t)
	appendReply := func(key, value string) (r AppendReply) {
		t.Helper()
		try(t, fmt.Sprintf("KV.Append(%q, %q)", key, value), func() {
			if err := kv.Append(&AppendArgs{Key: key, Value: value}, &r); err != nil {
				t.Fatalf("KV.Append returned the error %v; return nil", err)
			}
		})
		return r
	}
	for _, step := range []struct{ value, old string }{{"a", ""}, {"b", "a"}, {"", "ab"}, {"cd", "ab"}} {
		if r := appendReply("k", step.value); r.Err != OK || r.Value != step.old {
			t.Fatalf("Append(\"k\", %q) replied %+v.\nExpected: Err OK and Value %q, the value BEFORE the append.\n"+
				"Likely cause: reply with the old value, read before you write the new one (docs/kv.md, part A).",
				step.value, r, step.old)
		}
	}
	var r GetReply
	try(t, "KV.Get", func() { kv.Get(&GetArgs{Key: "k"}, &r) })
	if r.Err != OK || r.Value != "abcd" {
		t.Fatalf("after appending \"a\", \"b\", \"\" and \"cd\" to a new key, Get replied %+v; want Value \"abcd\"", r)
	}
}

// TestKVConcurrentHandlers calls the handlers from many goroutines at once,
// as net/rpc does: Appends of unique tokens, Puts and Gets on the same keys.
// Every token must end up in its key's value exactly once, and the race
// detector must see no unsynchronised access.
func TestKVConcurrentHandlers(t *testing.T) {
	kv := newKV(t)
	if !try(t, "KV.Get", func() { kv.Get(&GetArgs{Key: "x"}, &GetReply{}) }) {
		return
	}
	const (
		goroutines = 8
		appends    = 300
	)
	keys := []string{"a", "b", "c"}
	olds := make([][]string, goroutines)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range goroutines {
		wg.Go(func() {
			<-start
			for i := range appends {
				key := keys[i%len(keys)]
				var r AppendReply
				kv.Append(&AppendArgs{Key: key, Value: fmt.Sprintf("<%d.%d>", g, i)}, &r)
				olds[g] = append(olds[g], r.Value)
				kv.Get(&GetArgs{Key: key}, &GetReply{})
				kv.Put(&PutArgs{Key: fmt.Sprint("p", g), Value: fmt.Sprint(i)}, &PutReply{})
			}
		})
	}
	close(start)
	wg.Wait()

	final := make(map[string]string)
	for _, key := range keys {
		var r GetReply
		kv.Get(&GetArgs{Key: key}, &r)
		final[key] = r.Value
	}
	for g := range goroutines {
		for i := range appends {
			key, token := keys[i%len(keys)], fmt.Sprintf("<%d.%d>", g, i)
			if n := strings.Count(final[key], token); n != 1 {
				t.Fatalf("%d goroutines appended unique tokens to %q at once; token %s is in the final value "+
					"%d times.\nExpected: every Append lands exactly once.\nLikely cause: a lost update: two "+
					"Appends read the same old value and both wrote old+token, so one token vanished. Hold "+
					"kv.mu (a full Lock, not RLock) across the read and the write of Append (docs/kv.md, part A).",
					goroutines, key, token, n)
			}
		}
	}
	// The old values one key's Appends saw must be distinct prefixes of its
	// final value: Appends are applied one at a time.
	seen := make(map[string]bool)
	for g := range goroutines {
		for i, old := range olds[g] {
			key := keys[i%len(keys)]
			if !strings.HasPrefix(final[key], old) || seen[key+"\x00"+old] {
				t.Fatalf("an Append to %q replied old value %q, which is not one of the states the key went "+
					"through one Append at a time.\nLikely cause: Append read and wrote outside one critical "+
					"section (docs/kv.md, part A).", key, clip(old))
			}
			seen[key+"\x00"+old] = true
		}
	}
}

// --- B. The server ---------------------------------------------------------------

func TestServerServes(t *testing.T) {
	labtest.NoLeaks(t, "the server", "Close must end every goroutine the server started.")
	s, l := serve(t)
	var addr string
	try(t, "Server.Addr", func() { addr = s.Addr() })
	if addr != l.Addr().String() {
		t.Fatalf("Server.Addr() = %q, want %q, the address of the listener given to Serve", addr, l.Addr())
	}
	c := dial(t, addr)
	if r := get(t, c, "k"); r.Err != ErrNoKey {
		t.Fatalf("KV.Get over RPC of a key never written replied %+v; want ErrNoKey", r)
	}
	put(t, c, "k", "v")
	if r := get(t, c, "k"); r.Err != OK || r.Value != "v" {
		t.Fatalf("KV.Get over RPC after Put(\"k\", \"v\") replied %+v; want OK, \"v\"", r)
	}
	if r := appendTo(t, c, "k", "w"); r.Err != OK || r.Value != "v" {
		t.Fatalf("KV.Append over RPC replied %+v; want OK with the old value \"v\"", r)
	}
	c2 := dial(t, addr)
	if r := get(t, c2, "k"); r.Value != "vw" {
		t.Fatalf("a second client's Get(\"k\") replied %+v; want \"vw\": every connection must be served by the same KV", r)
	}
}

// TestServerConcurrentClients keeps 20 clients connected at once, each
// appending to a shared key: a server that serves one connection at a time
// gives the second client no reply.
func TestServerConcurrentClients(t *testing.T) {
	labtest.NoLeaks(t, "the server", "Close must end every goroutine the server started.")
	s, _ := serve(t)
	const clients, appends = 20, 20
	conns := make([]*rpc.Client, clients)
	for i := range conns {
		conns[i] = dial(t, s.Addr())
	}
	errs := make([]error, clients)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			for j := range appends {
				args := &AppendArgs{Key: "shared", Value: fmt.Sprintf("<%d.%d>", i, j)}
				if errs[i] = callErr(c, "KV.Append", args, &AppendReply{}); errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	failed(t, errs, "%d clients connected at once", clients)
	final := get(t, conns[0], "shared").Value
	for i := range clients {
		for j := range appends {
			if n := strings.Count(final, fmt.Sprintf("<%d.%d>", i, j)); n != 1 {
				t.Fatalf("token <%d.%d> appears %d times in the shared value; want once", i, j, n)
			}
		}
	}
}

// TestServerManyConnections opens 500 connections at once.
func TestServerManyConnections(t *testing.T) {
	labtest.NoLeaks(t, "the server", "Close must end every goroutine the server started.")
	s, l := serve(t)
	const n = 500
	conns := make([]*rpc.Client, n)
	for i := range conns {
		conns[i] = dial(t, s.Addr())
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			errs[i] = callErr(c, "KV.Put", &PutArgs{Key: fmt.Sprint("key", i), Value: fmt.Sprint("value", i)}, &PutReply{})
		})
	}
	wg.Wait()
	failed(t, errs, "%d clients connected at once", n)
	for i, c := range conns {
		if r := get(t, c, fmt.Sprint("key", (i+1)%n)); r.Value != fmt.Sprint("value", (i+1)%n) {
			t.Fatalf("with %d clients connected, Get(\"key%d\") replied %+v", n, (i+1)%n, r)
		}
	}
	if got := l.accepted(); got != n {
		t.Fatalf("the listener accepted %d connections; %d clients dialled", got, n)
	}
}

// TestServerClose checks that Close stops accepting, closes the live
// connections so that their clients get errors at once, and returns only
// when every goroutine the server started has ended.
func TestServerClose(t *testing.T) {
	labtest.NoLeaks(t, "Server.Close", "Close must close the listener and every live connection, then wait "+
		"(sync.WaitGroup) for the accept loop and every connection's goroutine.")
	l := listen(t)
	l.linger = time.Second
	var s *Server
	if !try(t, "Serve", func() { s = Serve(l) }) {
		return
	}
	idle := dial(t, l.Addr().String())
	put(t, idle, "k", "v") // the connection is accepted and served
	busy := dial(t, l.Addr().String())
	busyErr := make(chan error, 1)
	go func() {
		for {
			var r GetReply
			if err := busy.Call("KV.Get", &GetArgs{Key: "k"}, &r); err != nil {
				busyErr <- err
				return
			}
		}
	}()
	time.Sleep(10 * time.Millisecond) // let the busy client get going

	if !within(t, closePatience, "Server.Close", closeAdvice, func() { s.Close() }) {
		return
	}
	// A goroutine that has just called wg.Done may take a moment to end:
	// allow that moment, far shorter than the time the listener makes each
	// connection's goroutine take to end after its connection is closed.
	g := labtest.Goroutines(".", 5)
	for deadline := time.Now().Add(250 * time.Millisecond); g != "" && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		g = labtest.Goroutines(".", 5)
	}
	if g != "" {
		t.Errorf("when Server.Close returned, goroutines the server started were still running:\n\n%s\n\n"+
			"(The test's connections take a second to end after Close closes them.)\n"+
			"Expected: Close returns only after every goroutine the server started has ended.\nLikely cause: "+
			"Close does not wait for them; count the accept loop and each connection's goroutine in a "+
			"sync.WaitGroup and Wait after closing the listener and the connections (docs/kv.md, part B).", g)
	}
	if !l.closed.Load() {
		t.Errorf("after Close, the listener given to Serve is still open.\nExpected: Close closes it, so no new " +
			"connection is accepted (docs/kv.md, part B).")
	}
	if n := l.open(); n > 0 {
		t.Errorf("after Close, %d accepted connections are still open.\nExpected: Close closes every live "+
			"connection; a client of a closed server must get an error, not wait forever (docs/kv.md, part B).", n)
	}
	var r GetReply
	idleCall := idle.Go("KV.Get", &GetArgs{Key: "k"}, &r, make(chan *rpc.Call, 1))
	select {
	case c := <-idleCall.Done:
		if c.Error == nil {
			t.Errorf("after Close, an idle client's Get was still answered (%+v).\nExpected: an error, because "+
				"Close closed its connection (docs/kv.md, part B).", r)
		}
	case <-time.After(patience):
		t.Errorf("after Close, an idle client's Get neither failed nor was answered within %v: its connection "+
			"is still open but not served. Close must close every live connection.", patience)
	}
	select {
	case <-busyErr:
	case <-time.After(patience):
		t.Errorf("after Close, a client that was making calls did not get an error within %v", patience)
	}
	within(t, patience, "a second Server.Close", "a second Close must return at once and do nothing.",
		func() { s.Close() })
}

// TestServerRobust sends the server garbage, a client that says nothing and
// a client that hangs up in the middle of a request, and checks that it goes
// on serving a well-behaved client, and still closes cleanly.
// TestServerCloseWhileDialing closes servers while clients keep connecting:
// a connection accepted just as Close runs must be closed too, or Close
// waits forever for its ServeConn.
func TestServerCloseWhileDialing(t *testing.T) {
	labtest.NoLeaks(t, "Server.Close", "Close must close every connection, also one accepted while it runs.")
	for round := range 20 {
		l := listen(t)
		var s *Server
		if !try(t, "Serve", func() { s = Serve(l) }) {
			return
		}
		stop := make(chan struct{})
		var dialers sync.WaitGroup
		for range 4 {
			dialers.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					// Connect and stay connected, as a client that is slow to
					// send its first request: only Close can end its ServeConn.
					c, err := net.Dial("tcp", l.Addr().String())
					if err != nil {
						return
					}
					t.Cleanup(func() { c.Close() })
				}
			})
		}
		time.Sleep(time.Millisecond)
		ok := within(t, closePatience, fmt.Sprintf("Server.Close while clients connect (round %d of 20)", round+1),
			"a connection accepted while Close runs is never closed, so its ServeConn never returns: after "+
				"Accept, check under the lock whether the server is closed, and close the connection if it is.",
			func() { s.Close() })
		close(stop)
		dialers.Wait()
		if !ok {
			return
		}
	}
}

// TestServerForgetsConnections has 2,000 clients connect, make a call and
// hang up, and measures the server's memory before and after: a server that
// remembers its connections (to close them in Close) must forget each one
// when it ends, or a long-running server grows with every client it ever had.
func TestServerForgetsConnections(t *testing.T) {
	labtest.NoLeaks(t, "the server", "every connection's goroutine must end when its client hangs up.")
	l, err := net.Listen("tcp", "127.0.0.1:0") // a plain listener: the test keeps no connection alive
	if err != nil {
		t.Fatal(err)
	}
	var s *Server
	if !try(t, "Serve", func() { s = Serve(l) }) {
		return
	}
	t.Cleanup(func() {
		within(t, closePatience, "Server.Close (at the end of the test)", closeAdvice, func() { s.Close() })
	})
	base := runtime.NumGoroutine()
	churn := func(n int) {
		for i := range n {
			c, err := rpc.Dial("tcp", l.Addr().String())
			if err != nil {
				t.Fatalf("connecting to the server: %v", err)
			}
			put(t, c, "k", fmt.Sprint(i))
			c.Close()
		}
		// Wait for the server's goroutines of those connections to end.
		for deadline := time.Now().Add(patience); runtime.NumGoroutine() > base && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	const clients = 2000
	churn(100) // the server's own buffers and maps reach their size
	before := heap()
	churn(clients)
	after := heap()
	perClient := (after - before) / clients
	t.Logf("heap: %d bytes before, %d after %d clients came and went: %d bytes each", before, after, clients, perClient)
	if perClient > 100 {
		t.Errorf("after %d clients connected, made a call and hung up, the server holds %d bytes more: %d for "+
			"each of them.\nExpected: a connection that has ended costs nothing.\nLikely cause: the server keeps "+
			"every connection it accepted (in the map that Close uses) and never deletes one that ended; delete "+
			"it when its ServeConn returns (docs/kv.md, part B).", clients, after-before, perClient)
	}
}

func TestServerRobust(t *testing.T) {
	labtest.NoLeaks(t, "the server", "Close must close every live connection, the silent ones too, and wait "+
		"for their goroutines.")
	s, _ := serve(t)
	addr := s.Addr()
	good := dial(t, addr)
	put(t, good, "k", "v")

	raw := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connecting to %s: %v", addr, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	garbage := raw()
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(rand.IntN(256))
	}
	garbage.Write(junk)
	raw() // connects and says nothing, ever

	half := raw() // the first half of a gob-encoded request header, then a hang-up
	half.Write([]byte(".\x7f\x03\x01\x01\aRequest\x01\xff\x80\x00\x01\x02\x01\rServiceMe"))
	half.Close()

	hangup, err := rpc.Dial("tcp", addr) // a full request, then a hang-up before the reply
	if err != nil {
		t.Fatal(err)
	}
	hangup.Go("KV.Append", &AppendArgs{Key: "k", Value: "!"}, &AppendReply{}, make(chan *rpc.Call, 1))
	hangup.Close()

	for i := range 50 {
		if r := get(t, good, "k"); r.Err != OK || !strings.HasPrefix(r.Value, "v") {
			t.Fatalf("after garbage, a silent client and hang-ups, the good client's Get #%d replied %+v; "+
				"want OK and the value \"v\" (perhaps with the hung-up client's \"!\")", i, r)
		}
	}
	c2 := dial(t, addr)
	put(t, c2, "k2", "v2")
	within(t, closePatience, "Server.Close with a silent client still connected", "Close must close every "+
		"live connection, the silent ones too: a ServeConn blocked reading a client that says nothing "+
		"returns only when its connection is closed.", func() { s.Close() })
}

// TestServerLargeValue sends a 10 MB value there and back.
func TestServerLargeValue(t *testing.T) {
	s, _ := serve(t)
	c := dial(t, s.Addr())
	big := strings.Repeat("0123456789abcdef", 10<<20/16)
	put(t, c, "big", big)
	if r := get(t, c, "big"); r.Err != OK || r.Value != big {
		t.Fatalf("a %d-byte value came back as %d bytes (Err %q)", len(big), len(r.Value), r.Err)
	}
	if r := appendTo(t, c, "big", "!"); r.Value != big {
		t.Fatalf("Append to a 10 MB value replied an old value of %d bytes; want %d", len(r.Value), len(big))
	}
}

// --- C. The Clerk -------------------------------------------------------------------

func TestClerkCalls(t *testing.T) {
	labtest.NoLeaks(t, "the Clerk", "Close must close the Clerk's connection.")
	srv := startScript(t)
	ck := makeClerk(t, srv.addr())
	defer ck.Close()
	var (
		v   string
		err error
	)
	try(t, "Clerk.Get", func() { v, err = ck.Get("k1") })
	if err != nil || v != "value of k1" {
		t.Fatalf("Clerk.Get(\"k1\") = %q, %v.\nExpected: the server's reply, \"value of k1\", and no error.\n"+
			"Likely cause: call \"KV.Get\" with &GetArgs{Key: key} and return reply.Value (docs/kv.md, part C).", v, err)
	}
	try(t, "Clerk.Get", func() { v, err = ck.Get("missing1") })
	if !isNoKey(err) || v != "" {
		t.Fatalf("Clerk.Get of a key the server has no value for = %q, %v.\nExpected: \"\" and ErrNoKey as "+
			"the error (errors.Is(err, ErrNoKey)).\nLikely cause: when reply.Err is not OK, return it as the error.", v, err)
	}
	try(t, "Clerk.Put", func() { err = ck.Put("k2", "v2") })
	if err != nil {
		t.Fatalf("Clerk.Put(\"k2\", \"v2\") = %v; want nil", err)
	}
	srv.kv.mu.Lock()
	puts := slices.Clone(srv.kv.puts)
	srv.kv.mu.Unlock()
	if !slices.Equal(puts, []string{"k2=v2"}) {
		t.Fatalf("after Clerk.Put(\"k2\", \"v2\") the server received the Puts %q; want [\"k2=v2\"]", puts)
	}
	try(t, "Clerk.Append", func() { v, err = ck.Append("k3", "x") })
	if err != nil || v != "before k3+x" {
		t.Fatalf("Clerk.Append(\"k3\", \"x\") = %q, %v; want the server's reply, \"before k3+x\"", v, err)
	}
}

// TestClerkOneConnection makes 100 calls and counts the connections.
func TestClerkOneConnection(t *testing.T) {
	srv := startScript(t)
	ck := makeClerk(t, srv.addr())
	defer ck.Close()
	try(t, "Clerk", func() {
		for i := range 100 {
			ck.Get(fmt.Sprint("k", i))
			ck.Put("k", "v")
			ck.Append("k", "v")
		}
	})
	if n := srv.l.accepted(); n != 1 {
		t.Fatalf("one Clerk made 300 calls over %d connections.\nExpected: one: MakeClerk dials once, and "+
			"every call reuses that connection.\nLikely cause: rpc.Dial in every call (and a connection left "+
			"open each time) (docs/kv.md, part C).", n)
	}
}

// TestClerkConcurrent shares one Clerk among 100 goroutines; every answer
// names the key it is for, so a reply delivered to the wrong caller shows.
func TestClerkConcurrent(t *testing.T) {
	labtest.NoLeaks(t, "the Clerk", "Close must close the Clerk's connection.")
	srv := startScript(t)
	ck := makeClerk(t, srv.addr())
	defer ck.Close()
	if !try(t, "Clerk.Get", func() { ck.Get("warm-up") }) {
		return
	}
	const goroutines, calls = 100, 10
	var (
		mu    sync.Mutex
		wrong []string
	)
	within(t, patience, "100 goroutines sharing one Clerk", "a Clerk method holds a lock while it waits for "+
		"the reply, or waits for something that does not come.", func() {
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range calls {
					key := fmt.Sprintf("k-%d-%d", g, i)
					v, err := ck.Get(key)
					if err != nil || v != "value of "+key {
						mu.Lock()
						wrong = append(wrong, fmt.Sprintf("Get(%q) = %q, %v", key, v, err))
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
	})
	if len(wrong) > 0 {
		t.Fatalf("%d of %d calls by goroutines sharing one Clerk got the wrong answer, such as %s.\n"+
			"Expected: each call gets its own reply.\nLikely cause: state shared between calls (a reply "+
			"struct kept in the Clerk?): every call needs its own args and reply (docs/kv.md, part C).",
			len(wrong), goroutines*calls, wrong[0])
	}
	if n := srv.l.accepted(); n != 1 {
		t.Fatalf("100 goroutines sharing one Clerk used %d connections; want 1", n)
	}
}

// TestClerkServerGone stops the server under a Clerk: its calls must fail
// with an error at once, not hang and not pretend the key is missing.
func TestClerkServerGone(t *testing.T) {
	srv := startScript(t)
	ck := makeClerk(t, srv.addr())
	defer ck.Close()
	if !try(t, "Clerk.Get", func() { ck.Get("k") }) {
		return
	}
	srv.stop()
	for _, op := range []struct {
		name string
		do   func() error
	}{
		{"Get", func() error { _, err := ck.Get("k"); return err }},
		{"Put", func() error { return ck.Put("k", "v") }},
		{"Append", func() error { _, err := ck.Append("k", "v"); return err }},
	} {
		var err error
		within(t, patience, "Clerk."+op.name+" with the server gone", "a call on a closed connection must "+
			"return the error rpc.Client.Call gives, not retry forever.", func() { err = op.do() })
		if err == nil || isNoKey(err) {
			t.Fatalf("Clerk.%s after the server went away returned %v.\nExpected: an error that says the call "+
				"failed (not nil, not ErrNoKey): the caller must know nothing happened (docs/kv.md, part C).", op.name, err)
		}
	}
	var err error
	within(t, patience, "MakeClerk of a server that is gone", "MakeClerk must return the dial error.",
		func() { _, err = MakeClerk(srv.addr()) })
	if err == nil {
		t.Fatalf("MakeClerk(%q) of a server that is gone returned no error", srv.addr())
	}
}

// TestClerkClose checks that Close closes the connection, and that the
// Clerk's goroutines end.
func TestClerkClose(t *testing.T) {
	labtest.NoLeaks(t, "Clerk.Close", "Close must close the connection, which ends the rpc.Client's reader goroutine.")
	srv := startScript(t)
	ck := makeClerk(t, srv.addr())
	if !try(t, "Clerk.Get", func() { ck.Get("k") }) {
		return
	}
	within(t, patience, "Clerk.Close", "Close should close the rpc.Client and return.", func() { ck.Close() })
	var err error
	within(t, patience, "Clerk.Get after Close", "a call on a closed Clerk must fail at once.",
		func() { _, err = ck.Get("k") })
	if err == nil {
		t.Fatalf("Clerk.Get after Close returned no error; want an error such as rpc.ErrShutdown")
	}

	// A call the server never answers must not keep Close from closing.
	stuck := makeClerk(t, srv.addr())
	stuckErr := make(chan error, 1)
	go func() {
		_, err := stuck.Get("stuck")
		stuckErr <- err
	}()
	for deadline := time.Now().Add(patience); srv.kv.waiting.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if !within(t, patience, "Clerk.Close while one of its calls waits for a reply that never comes",
		"Close must not wait for the calls in flight: a Clerk that holds a lock across a call, and takes it "+
			"in Close too, waits for that reply forever. Close the rpc.Client: the calls in flight then fail.",
		func() { stuck.Close() }) {
		return
	}
	select {
	case err := <-stuckErr:
		if err == nil {
			t.Errorf("a Get in flight when its Clerk was closed returned no error; want an error such as rpc.ErrShutdown")
		}
	case <-time.After(patience):
		t.Errorf("a Get in flight when its Clerk was closed had not returned %v later.\nExpected: Close makes "+
			"the calls in flight fail at once (docs/kv.md, part C).", patience)
	}
}

// --- D. Together ------------------------------------------------------------------

// TestLinearizable runs clerks of the student's server from many goroutines
// on a few keys, records every call, and checks with porcupine that some
// order of the operations, each taking effect at one instant between its
// call and its return, explains every result.
func TestLinearizable(t *testing.T) {
	labtest.NoLeaks(t, "the server and the clerks", "Close them all; every goroutine must end.")
	seed := labtest.Seed(t)
	s, _ := serve(t)
	const clerks, perClerk, ops = 4, 3, 120
	cks := make([]*Clerk, clerks)
	for c := range cks {
		cks[c] = makeClerk(t, s.Addr())
		t.Cleanup(func() { cks[c].Close() })
	}
	labtest.Replay(t, seed) // the random workload starts here
	rec := kvcheck.NewRecorder()
	var wg sync.WaitGroup
	for c, ck := range cks {
		for g := range perClerk {
			client := c*perClerk + g
			rng := rand.New(rand.NewPCG(seed, uint64(client)))
			wg.Go(func() {
				for i := range ops {
					key := []string{"a", "b", "c"}[rng.IntN(3)]
					value := fmt.Sprintf("%d.%d ", client, i)
					switch rng.IntN(3) {
					case 0:
						call := rec.Start(client, kvcheck.Get, key, "")
						v, err := ck.Get(key)
						finish(t, call, v, err)
					case 1:
						call := rec.Start(client, kvcheck.Put, key, value)
						finish(t, call, "", ck.Put(key, value))
					default:
						call := rec.Start(client, kvcheck.Append, key, value)
						v, err := ck.Append(key, value)
						finish(t, call, v, err)
					}
				}
			})
		}
	}
	if !within(t, patience, "the clerks' workload", "a call that never returns.", wg.Wait) {
		return
	}
	kvcheck.Check(t, rec, 10*time.Second)
}

// finish records the result of a call.
func finish(t *testing.T, call *kvcheck.Call, value string, err error) {
	switch {
	case err == nil:
		call.Done(value, true)
	case isNoKey(err):
		call.Done("", false)
	default:
		call.Unknown()
		t.Errorf("a call failed with %v on a healthy server and network", err)
	}
}

// TestNoLostUpdates has ten clerks append unique tokens to one key at once.
func TestNoLostUpdates(t *testing.T) {
	labtest.NoLeaks(t, "the server and the clerks", "Close them all; every goroutine must end.")
	s, _ := serve(t)
	const clerks, appends = 10, 40
	cks := make([]*Clerk, clerks)
	for i := range cks {
		cks[i] = makeClerk(t, s.Addr())
		t.Cleanup(func() { cks[i].Close() })
	}
	var wg sync.WaitGroup
	for i, ck := range cks {
		wg.Go(func() {
			for j := range appends {
				if _, err := ck.Append("log", fmt.Sprintf("<%d.%d>", i, j)); err != nil {
					t.Errorf("Append failed: %v", err)
					return
				}
			}
		})
	}
	if !within(t, patience, "ten clerks appending", "a call that never returns.", wg.Wait) {
		return
	}
	final, err := cks[0].Get("log")
	if err != nil {
		t.Fatalf("Get(\"log\") after the appends: %v", err)
	}
	for i := range clerks {
		for j := range appends {
			if n := strings.Count(final, fmt.Sprintf("<%d.%d>", i, j)); n != 1 {
				t.Fatalf("ten clerks appended unique tokens to one key; <%d.%d> is in the final value %d times.\n"+
					"Expected: once.\nLikely cause: a lost update in KV.Append (read and write in two critical "+
					"sections, or none) (docs/kv.md, part A).", i, j, n)
			}
		}
	}
}

// clip shortens a long value for a message.
func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	return s[:30] + "..." + s[len(s)-25:]
}
