package registry

// The graded tests of part G's registry and heartbeats. Each Test function
// has its points in labs/minirpc.toml. Run them with:
//
//	go test -race ./minirpc/registry/
//
// The registry's clock is time.Now, so the tests that wait for time-outs
// run in a testing/synctest bubble: time there is virtual, and moves on
// only when every goroutine of the test waits for it. The requests and the
// fake network are in harness_test.go.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golabs/internal/labtest"
)

// leakAdvice is what a test that leaves goroutines behind is told.
const leakAdvice = "the goroutine of Heartbeat must end once ctx is done: select on ctx.Done() and the ticker's " +
	"channel, and return when ctx is done (docs/minirpc.md, part G)"

// TestRegistryServeHTTP checks the registry's protocol: a POST registers,
// a GET lists the live servers sorted and joined by commas, a POST without
// its header is a 400 and any other method a 405; and many requests at
// once.
func TestRegistryServeHTTP(t *testing.T) {
	labtest.NoLeaks(t, "the registry's test", leakAdvice)
	r := New(time.Hour)
	if got := list(t, r); got != "" {
		t.Fatalf("a new registry's GET lists %q in %s, want \"\": no server has been POSTed yet", got, ServersHeader)
	}
	addrs := []string{"tcp@10.0.0.5:9999", "http@10.0.0.1:7001", "tcp@10.0.0.3:9999", "unix@/tmp/minirpc.sock",
		"tcp@10.0.0.2:9999", "tcp@10.0.0.4:9999"}
	for _, a := range addrs {
		post(t, r, a)
	}
	sorted := slices.Sorted(slices.Values(addrs))
	want := strings.Join(sorted, ",")
	for range 3 {
		if got := list(t, r); got != want {
			t.Fatalf("after POSTs of %q, a GET lists %s: %q.\nExpected: %q, the live servers sorted and joined by commas.\n"+
				"Likely cause: a map's order is random: sort the servers (slices.Sort) before you join them (docs/minirpc.md, part G).",
				addrs, ServersHeader, got, want)
		}
	}
	post(t, r, addrs[0])
	if got := list(t, r); got != want {
		t.Fatalf("after a second POST of %q, a GET lists %q; want %q: a second POST of a known server refreshes it, "+
			"it does not add it again (docs/minirpc.md, part G)", addrs[0], got, want)
	}

	resp := serve(t, r, http.MethodPost, "")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), ServerHeader) {
		t.Fatalf("a POST without the header %s was answered %s with the body %q.\nExpected: 400 Bad Request, and a body "+
			"that names the missing header %s (http.Error), so that whoever sent it knows what to fix (docs/minirpc.md, part G).",
			ServerHeader, resp.Status, body, ServerHeader)
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		if resp := serve(t, r, m, "tcp@10.0.0.9:9999"); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("a %s request was answered %s, want 405 Method Not Allowed: the registry knows GET and POST "+
				"only (docs/minirpc.md, part G)", m, resp.Status)
		}
	}
	if got := list(t, r); got != want {
		t.Fatalf("after a POST without its header and requests of other methods, a GET lists %q; want %q: "+
			"a request the registry refuses registers nothing (docs/minirpc.md, part G)", got, want)
	}

	// Many servers at once, as an HTTP server calls ServeHTTP: from a
	// goroutine per request.
	const goroutines, each = 8, 40
	var wg sync.WaitGroup
	bad := make(chan string, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				req, _ := http.NewRequest(http.MethodPost, registryURL, nil)
				req.Header.Set(ServerHeader, fmt.Sprintf("tcp@10.1.%d.%d:9999", g, i))
				rec := httptest.NewRecorder()
				r.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					bad <- fmt.Sprintf("POST answered %d", rec.Code)
				}
				req, _ = http.NewRequest(http.MethodGet, registryURL, nil)
				rec = httptest.NewRecorder()
				r.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					bad <- fmt.Sprintf("GET answered %d", rec.Code)
				}
			}
		})
	}
	wg.Wait()
	close(bad)
	for b := range bad {
		t.Fatalf("%d goroutines POSTed and GETted at once; a request failed: %s", goroutines, b)
	}
	got := strings.Split(list(t, r), ",")
	if n := len(addrs) + goroutines*each; len(got) != n {
		t.Fatalf("%d goroutines POSTed %d distinct servers at once; a GET then lists %d servers in all, want %d.\n"+
			"Likely cause: the map is written without mu: every request comes in a goroutine of its own "+
			"(docs/minirpc.md, part G).", goroutines, goroutines*each, len(got), n)
	}
}

// TestRegistryTimeout checks the registry's clock, in virtual time: a
// server is live while now < its last POST + the time-out, and forgotten
// after; a server POSTed at an interval under the time-out stays live
// across many time-outs; a time-out of 0 never expires.
func TestRegistryTimeout(t *testing.T) {
	labtest.NoLeaks(t, "the registry's test", leakAdvice)
	synctest.Test(t, func(t *testing.T) {
		const timeout = 5 * time.Minute
		start := time.Now()
		r := New(timeout)
		const once = "tcp@10.0.0.1:9999"
		post(t, r, once)
		time.Sleep(timeout - time.Millisecond)
		if !listed(list(t, r), once) {
			t.Fatalf("a server POSTed once is no longer listed %v later, before the registry's time-out of %v.\n"+
				"Expected: a server is live while now < start+timeout.\nLikely cause: the comparison is the wrong way "+
				"round, or start is not the time of the POST (docs/minirpc.md, part G).", time.Since(start), timeout)
		}
		time.Sleep(2 * time.Millisecond)
		if listed(list(t, r), once) {
			t.Fatalf("a server POSTed once, and never again, is still listed %v later, with a time-out of %v.\n"+
				"Expected: from start+timeout on it is dead, and a GET leaves it out.\nLikely cause: the registry keeps dead "+
				"servers: compare time.Now() with start+timeout for each server in GET (docs/minirpc.md, part G).",
				time.Since(start), timeout)
		}
		if n := known(r); n != 0 {
			t.Fatalf("after its only server timed out and a GET left it out, the registry's map still holds %d "+
				"server(s).\nExpected: a dead server is deleted from the map, not only hidden: a registry that only "+
				"hides them grows with every server that ever came and went (docs/minirpc.md, part G).", n)
		}
		post(t, r, once)
		if !listed(list(t, r), once) {
			t.Fatalf("a server that timed out and was then POSTed again is not listed: a POST registers a server " +
				"again, with a new start (docs/minirpc.md, part G)")
		}

		// Heartbeats every 4 minutes keep a server live for an hour with a
		// time-out of 5; a server POSTed once is dead after 5.
		r = New(timeout)
		start = time.Now()
		const beating, silent = "tcp@10.0.0.2:9999", "tcp@10.0.0.3:9999"
		post(t, r, beating)
		post(t, r, silent)
		time.Sleep(30 * time.Second)
		for minute := 1; minute <= 60; minute++ {
			if minute%4 == 0 {
				time.Sleep(30 * time.Second)
				post(t, r, beating)
				time.Sleep(30 * time.Second)
			} else {
				time.Sleep(time.Minute)
			}
			got := list(t, r)
			if !listed(got, beating) {
				t.Fatalf("a server POSTed every 4 minutes, last at %v, is not listed at %v (time-out %v).\n"+
					"Expected: every POST of a known server sets its start to now, so that heartbeats keep it live.\n"+
					"Likely cause: a POST of a server the registry knows already does not refresh its start, or a "+
					"GET forgets a live server (docs/minirpc.md, part G).", time.Duration(minute/4*4)*time.Minute,
					time.Since(start), timeout)
			}
			if minute >= 5 && listed(got, silent) {
				t.Fatalf("a server POSTed once at 0s is still listed at %v, with a time-out of %v: the registry "+
					"keeps dead servers (docs/minirpc.md, part G)", time.Since(start), timeout)
			}
		}

		r = New(0)
		post(t, r, once)
		time.Sleep(1000 * time.Hour)
		if !listed(list(t, r), once) {
			t.Fatalf("with a time-out of 0, a server POSTed once is not listed 1000 hours later.\nExpected: a " +
				"time-out of 0 means a server is never taken for dead (docs/minirpc.md, part G).")
		}
	})
}

// heartbeatAddr is the server the Heartbeat tests announce.
const heartbeatAddr = "tcp@10.0.0.7:9999"

// checkBeats fails t unless the fake network has seen want heartbeats, each
// a POST of heartbeatAddr to registryURL.
func checkBeats(t *testing.T, f *fakeNet, want int, since time.Time, interval time.Duration, why string) {
	t.Helper()
	reqs := f.seen()
	for _, r := range reqs {
		if r.method != http.MethodPost || r.url != registryURL || r.server != heartbeatAddr {
			t.Fatalf("Heartbeat(ctx, %q, %q, ...) sent %s %s with %s: %q.\nExpected: POST %s, with the header %s "+
				"set to the server's address (docs/minirpc.md, part G).", registryURL, heartbeatAddr, r.method, r.url,
				ServerHeader, r.server, registryURL, ServerHeader)
		}
	}
	if len(reqs) != want {
		t.Fatalf("%v after Heartbeat was called with an interval of %v, the registry has had %d heartbeats, want %d.\n"+
			"Expected: %s (docs/minirpc.md, part G).", time.Since(since), interval, len(reqs), want, why)
	}
}

// stopped checks, once ctx is done, that the heartbeat goroutine has ended
// and beats no more.
func stopped(t *testing.T, f *fakeNet, interval time.Duration) {
	t.Helper()
	synctest.Wait()
	left := labtest.Goroutines(".", 4)
	n := f.count()
	time.Sleep(10 * interval)
	if more := f.count() - n; more > 0 || left != "" {
		if more > 0 {
			t.Errorf("after ctx was cancelled, Heartbeat sent %d more heartbeats in %v.\nExpected: none: its "+
				"goroutine ends when ctx is done.\nLikely cause: the loop does not select on ctx.Done() (a bare "+
				"for range ticker.C never ends): a goroutine leak, and a dead server that the registry still "+
				"takes for live (docs/minirpc.md, part G).", more, 10*interval)
		}
		if left != "" {
			t.Errorf("after ctx was cancelled, goroutines of the registry package are still there.\nExpected: the "+
				"heartbeat goroutine returns once ctx is done.\nLikely cause: %s\n\n%s", leakAdvice, left)
		}
		t.FailNow()
	}
}

// drain ends the test's bubble cleanly when the test failed half-way:
// every heartbeat goroutine that beats on from now on is ended by the fake
// network. Defer it first in the bubble, after the contexts' cancels.
func drain(t *testing.T, f *fakeNet, interval time.Duration) {
	if t.Failed() {
		f.stopLater()
		time.Sleep(2 * interval)
	}
}

// TestHeartbeat checks Heartbeat against a fake registry that counts, in
// virtual time: one POST at once, one every interval, a failed one retried
// at the next tick, none after ctx is done, and the goroutine gone.
func TestHeartbeat(t *testing.T) {
	labtest.NoLeaks(t, "Heartbeat", leakAdvice)
	// POSTs 4 and 5 fail: the network is down, then the registry.
	f := &fakeNet{fail: func(n int) (int, error) {
		switch n {
		case 4:
			return 0, errNetDown
		case 5:
			return http.StatusServiceUnavailable, nil
		}
		return 0, nil
	}}
	useNet(t, f)
	synctest.Test(t, func(t *testing.T) {
		const interval = time.Minute
		defer drain(t, f, interval)
		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var err error
		if !try(t, "Heartbeat", func() { err = Heartbeat(ctx, registryURL, heartbeatAddr, interval) }) {
			return
		}
		if err != nil {
			t.Fatalf("Heartbeat returned %v with a registry that answers 200 OK; want nil (docs/minirpc.md, part G)", err)
		}
		checkBeats(t, f, 1, start, interval, "the first heartbeat is sent at once, before Heartbeat returns: "+
			"a server is registered as soon as it starts")
		time.Sleep(interval / 2)
		for k := 1; k <= 10; k++ {
			time.Sleep(interval)
			synctest.Wait()
			why := "one heartbeat at once, then one every interval, from a goroutine of Heartbeat's own (a time.Ticker)"
			if k > 3 {
				why = "one heartbeat every interval, also after heartbeats 4 and 5 failed (no answer, then 503): a " +
					"failed heartbeat is logged and the next is sent at the next tick; a Heartbeat that returns on " +
					"the first failure loses its server for good the first time the registry is down"
			}
			checkBeats(t, f, 1+k, start, interval, why)
		}
		cancel()
		stopped(t, f, interval)

		// An interval of 0 means DefaultTimeout minus a minute.
		f2 := &fakeNet{}
		http.DefaultTransport = f2
		def := DefaultTimeout - time.Minute
		defer drain(t, f2, def)
		start = time.Now()
		ctx2, cancel2 := context.WithCancel(context.Background())
		defer cancel2()
		if err := Heartbeat(ctx2, registryURL, heartbeatAddr, 0); err != nil {
			t.Fatalf("Heartbeat with an interval of 0 returned %v; want nil", err)
		}
		time.Sleep(5*def + def/2)
		checkBeats(t, f2, 6, start, 0, fmt.Sprintf("an interval of 0 means DefaultTimeout minus a minute, %v: "+
			"one heartbeat at once and one every %v", def, def))
		cancel2()
		stopped(t, f2, def)
	})
}

// TestHeartbeatFirstFailure checks that Heartbeat returns nil when its
// first POST is answered 200 OK, and otherwise returns the error of that
// POST, and then sends no more: no answer, or an answer other than 200 OK.
func TestHeartbeatFirstFailure(t *testing.T) {
	labtest.NoLeaks(t, "Heartbeat", leakAdvice)
	ok := &fakeNet{}
	useNet(t, ok)
	synctest.Test(t, func(t *testing.T) {
		const interval = time.Minute
		defer drain(t, ok, interval)
		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var err error
		if !try(t, "Heartbeat", func() { err = Heartbeat(ctx, registryURL, heartbeatAddr, interval) }) {
			return
		}
		if err != nil {
			t.Fatalf("the registry answered the first heartbeat 200 OK, and Heartbeat returned %q.\nExpected: nil: "+
				"only a first POST that fails (no answer, or a status other than 200 OK) is an error.\nLikely cause: "+
				"the status is compared with something other than http.StatusOK, or the error of a POST that "+
				"succeeded is made up anyway (docs/minirpc.md, part G).", err)
		}
		checkBeats(t, ok, 1, start, interval, "one POST, sent at once, before Heartbeat returns")
		cancel()
		stopped(t, ok, interval)
	})
	if t.Failed() {
		return
	}
	for _, c := range []struct {
		what   string
		status int
		err    error
	}{
		{"no answer (connection refused)", 0, errNetDown},
		{"503 Service Unavailable", http.StatusServiceUnavailable, nil},
		{"400 Bad Request", http.StatusBadRequest, nil},
	} {
		f := &fakeNet{fail: func(int) (int, error) { return c.status, c.err }}
		useNet(t, f)
		synctest.Test(t, func(t *testing.T) {
			const interval = time.Minute
			defer drain(t, f, interval)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var err error
			if !try(t, "Heartbeat", func() { err = Heartbeat(ctx, registryURL, heartbeatAddr, interval) }) {
				return
			}
			if err == nil {
				t.Fatalf("the registry's answer to the first heartbeat was %s, and Heartbeat returned nil.\n"+
					"Expected: the error of the first POST: a server that cannot register should know it. A status "+
					"other than 200 OK is a failure too (resp.StatusCode) (docs/minirpc.md, part G).", c.what)
			}
			time.Sleep(10 * interval)
			if n := f.count(); n != 1 {
				t.Fatalf("the first heartbeat failed (%s) and Heartbeat returned %q; yet %d heartbeats were sent in "+
					"the next %v.\nExpected: after a first failure, Heartbeat starts no goroutine and sends no more "+
					"(docs/minirpc.md, part G).", c.what, err, n-1, 10*interval)
			}
		})
		if t.Failed() {
			return
		}
	}
}

// TestHeartbeatKeepsServerAlive puts Heartbeat and the Registry together,
// in virtual time: heartbeats every 4 minutes keep a server live for an
// hour in a registry with a time-out of 5; once its heartbeats stop, the
// registry forgets it after its time-out.
func TestHeartbeatKeepsServerAlive(t *testing.T) {
	labtest.NoLeaks(t, "Heartbeat", leakAdvice)
	r := New(5 * time.Minute)
	f := &fakeNet{handler: r}
	useNet(t, f)
	synctest.Test(t, func(t *testing.T) {
		defer drain(t, f, 4*time.Minute)
		start := time.Now()
		const steady, stopping = "tcp@10.0.0.8:9999", "tcp@10.0.0.9:9999"
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ctxStop, stop := context.WithCancel(ctx)
		defer stop()
		var err1, err2 error
		if !try(t, "Heartbeat", func() {
			err1 = Heartbeat(ctx, registryURL, steady, 4*time.Minute)
			err2 = Heartbeat(ctxStop, registryURL, stopping, 4*time.Minute)
		}) {
			return
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("Heartbeat to a registry returned %v and %v; want nil: the registry answers a POST with its "+
				"header 200 OK (docs/minirpc.md, part G)", err1, err2)
		}
		time.Sleep(30 * time.Second)
		for minute := 1; minute <= 60; minute++ {
			time.Sleep(time.Minute)
			if minute == 20 {
				stop() // its last heartbeat was at 20m0s
			}
			got := list(t, r)
			if !listed(got, steady) {
				t.Fatalf("a server that sends a heartbeat every 4 minutes is not listed by a registry with a "+
					"time-out of 5, %v after its first heartbeat (GET: %q).\nLikely cause: the registry forgets live "+
					"servers (a POST does not refresh start), or the heartbeats stopped (docs/minirpc.md, part G).",
					time.Since(start), got)
			}
			if alive := minute < 25; listed(got, stopping) != alive {
				t.Fatalf("a server whose heartbeats were cancelled at 20m30s, after its heartbeat at 20m0s, is "+
					"listed=%v at %v by a registry with a time-out of 5m0s; want listed=%v: live until 25m0s, dead "+
					"after.\nLikely cause: the heartbeats go on after their ctx is done, or the registry keeps dead "+
					"servers (docs/minirpc.md, part G).", !alive, time.Since(start), alive)
			}
		}
		cancel()
		stopped(t, f, 4*time.Minute)
	})
}
