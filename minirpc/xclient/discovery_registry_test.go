package xclient

// The graded tests of part G's RegistryDiscovery. Each Test function has
// its points in labs/minirpc.toml. Run them with:
//
//	go test -race -run 'TestRegistryDiscovery' ./minirpc/xclient/
//
// RegistryDiscovery's clock is time.Now, so TestRegistryDiscoveryRefresh
// runs in a testing/synctest bubble: time there is virtual, and moves on
// only when every goroutine of the test waits for it. The registry is a
// fake under http.DefaultClient (harness_test.go) that counts the GETs.

import (
	"errors"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golabs/internal/labtest"
)

// newRegistryDiscovery calls the student's NewRegistryDiscovery.
func newRegistryDiscovery(t *testing.T, timeout time.Duration) *RegistryDiscovery {
	t.Helper()
	var d *RegistryDiscovery
	try(t, "NewRegistryDiscovery", func() { d = NewRegistryDiscovery(registryURL, timeout) })
	if d == nil {
		t.Fatal("NewRegistryDiscovery returned nil (docs/minirpc.md, part G)")
	}
	return d
}

// checkGets fails t unless the fake registry has answered want GETs.
func checkGets(t *testing.T, f *fakeRegistry, want int, what, why string) {
	t.Helper()
	if n := f.count(); n != want {
		t.Fatalf("%s, the registry has had %d GETs, want %d.\nExpected: %s (docs/minirpc.md, part G).", what, n, want, why)
	}
}

// TestRegistryDiscoveryRefresh checks, in virtual time, when a
// RegistryDiscovery asks the registry: at its first Get, then once its
// list is timeout old, and not in between; Update counts as a refresh; a
// failed refresh is Get's error and is tried again at the next Get; a time-out
// of 0 means DefaultUpdateTimeout.
func TestRegistryDiscoveryRefresh(t *testing.T) {
	labtest.NoLeaks(t, "RegistryDiscovery", "(RegistryDiscovery starts no goroutine: report this)")
	f := &fakeRegistry{}
	f.set("tcp@10.0.0.1:9999", "tcp@10.0.0.2:9999")
	useRegistry(t, f)
	synctest.Test(t, func(t *testing.T) {
		const timeout = 30 * time.Second
		start := time.Now()
		d := newRegistryDiscovery(t, timeout)
		first := []string{"tcp@10.0.0.1:9999", "tcp@10.0.0.2:9999"}
		for range 20 {
			if s := get(t, d, RoundRobinSelect); !slices.Contains(first, s) {
				t.Fatalf("Get returned %q; the registry lists %q (docs/minirpc.md, part G)", s, first)
			}
		}
		checkGets(t, f, 1, "after 20 Gets in the first instant", "one GET, at the first Get, and none until the list "+
			"is timeout old: a discovery that asks the registry at every Get turns every call into two round trips")
		var all []string
		var err error
		try(t, "RegistryDiscovery.GetAll", func() { all, err = d.GetAll() })
		if err != nil || !slices.Equal(all, first) {
			t.Fatalf("GetAll returned %q, %v; the registry lists %q (docs/minirpc.md, part G)", all, err, first)
		}

		second := []string{"tcp@10.0.0.1:9999", "tcp@10.0.0.2:9999", "tcp@10.0.0.3:9999"}
		f.set(second...)
		time.Sleep(timeout - time.Millisecond)
		for range 10 {
			if s := get(t, d, RoundRobinSelect); !slices.Contains(first, s) {
				t.Fatalf("Get returned %q %v after the first refresh, before the list was timeout (%v) old: the "+
					"list must not change before then (docs/minirpc.md, part G)", s, time.Since(start), timeout)
			}
		}
		checkGets(t, f, 1, "just before the list was timeout old", "no GET while the list is younger than the time-out")
		time.Sleep(2 * time.Millisecond)
		seen := map[string]int{}
		for range 3 * len(second) {
			seen[get(t, d, RoundRobinSelect)]++
		}
		checkGets(t, f, 2, "once the list was timeout old, after 9 more Gets", "one more GET, at the first Get once "+
			"the list is timeout old (time.Now() no longer before lastUpdate+timeout); a discovery that never asks "+
			"again never learns of a new server, nor that one died")
		for _, s := range second {
			if seen[s] != 3 {
				t.Fatalf("after the refresh, 9 Gets by round robin returned %v; want each of %q 3 times: the new list "+
					"of the registry (docs/minirpc.md, part G)", seen, second)
			}
		}

		// Update counts as a refresh.
		time.Sleep(timeout)
		byHand := []string{"tcp@10.0.9.9:9999"}
		try(t, "RegistryDiscovery.Update", func() { err = d.Update(byHand) })
		if err != nil {
			t.Fatalf("Update returned %v; want nil", err)
		}
		if s := get(t, d, RandomSelect); s != byHand[0] {
			t.Fatalf("Update(%q) on a list that was timeout old, then Get returned %q; want %q: Update sets the list "+
				"and counts as a refresh (lastUpdate = time.Now()) (docs/minirpc.md, part G)", byHand, s, byHand[0])
		}
		checkGets(t, f, 2, "after an Update and a Get", "none: Update sets the list by hand and counts as a refresh")
		time.Sleep(timeout)
		if s := get(t, d, RandomSelect); !slices.Contains(second, s) {
			t.Fatalf("a list set by Update was timeout old, and Get returned %q; want one of the registry's %q "+
				"(docs/minirpc.md, part G)", s, second)
		}
		checkGets(t, f, 3, "once the list set by Update was timeout old", "one more GET")

		// A registry that is down: Get fails, and asks again next time.
		f.setDown(true)
		time.Sleep(timeout)
		for range 2 {
			var err error
			try(t, "RegistryDiscovery.Get", func() { _, err = d.Get(RoundRobinSelect) })
			if err == nil {
				t.Fatalf("the registry answered 503 Service Unavailable, and Get returned no error.\nExpected: the " +
					"refresh's error: a status other than 200 OK is a failure (docs/minirpc.md, part G).")
			}
		}
		f.setDown(false)
		f.set()
		var got string
		try(t, "RegistryDiscovery.Get", func() { got, err = d.Get(RoundRobinSelect) })
		if !errors.Is(err, ErrNoServers) {
			t.Fatalf("the registry was down, then up again with no server; Get returned %q, %v.\nExpected: "+
				"ErrNoServers: a failed refresh is tried again at the next Get, and an empty %s header is no server "+
				"at all (docs/minirpc.md, part G).", got, err, serversHeader)
		}
		checkGets(t, f, 4, "after a failed refresh and a Get", "one more GET: a failed refresh does not count")

		// A time-out of 0 is DefaultUpdateTimeout.
		f.set(first...)
		d = newRegistryDiscovery(t, 0)
		get(t, d, RoundRobinSelect)
		time.Sleep(DefaultUpdateTimeout - time.Millisecond)
		get(t, d, RoundRobinSelect)
		checkGets(t, f, 5, "with a time-out of 0, just before DefaultUpdateTimeout", "a time-out of 0 means "+
			"DefaultUpdateTimeout: one GET at the first Get, none until then")
		time.Sleep(2 * time.Millisecond)
		get(t, d, RoundRobinSelect)
		checkGets(t, f, 6, "with a time-out of 0, just after DefaultUpdateTimeout", "a time-out of 0 means "+
			"DefaultUpdateTimeout: one more GET then")

		// A registry that never answers: the refresh gives up, with an
		// error, and the next Get asks again.
		h := &hungRegistry{}
		http.DefaultTransport = h
		time.Sleep(DefaultUpdateTimeout)
		asked := time.Now()
		try(t, "RegistryDiscovery.Get", func() { _, err = d.Get(RoundRobinSelect) })
		waited := time.Since(asked)
		http.DefaultTransport = f
		if requests, abandoned := h.counts(); requests != 1 || abandoned != 1 || err == nil {
			t.Fatalf("a stale list, and a registry that never answers: Get sent %d requests, gave up on %d, and "+
				"returned %v after %v.\nExpected: one GET, given up after a time-out of its own (RefreshTimeout), "+
				"and its error.\nLikely cause: Refresh holds mu across the request, so without a time-out a registry "+
				"that never answers holds up every Get, GetAll and Update for good (here, until the registry gave up "+
				"after an hour). Send it with an http.Client{Timeout: RefreshTimeout}: http.Get and "+
				"http.DefaultClient never give up (docs/minirpc.md, part G).", requests, abandoned, err, waited)
		}
		if s := get(t, d, RoundRobinSelect); !slices.Contains(first, s) {
			t.Fatalf("after a refresh that timed out, the registry answered again, and Get returned %q; want one of "+
				"%q (docs/minirpc.md, part G)", s, first)
		}
		checkGets(t, f, 7, "after a refresh that timed out and a Get", "one more GET: a refresh that timed out "+
			"failed, and the next Get tries again")
	})
}

// hungRegistry is a registry that never answers: a request waits until its
// context is done (its client gave up), or for an hour, when the registry
// gives up itself.
type hungRegistry struct {
	mu                  sync.Mutex
	requests, abandoned int // abandoned: ended by their context
}

func (h *hungRegistry) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	h.mu.Lock()
	h.requests++
	h.mu.Unlock()
	select {
	case <-req.Context().Done():
		h.mu.Lock()
		h.abandoned++
		h.mu.Unlock()
		return nil, req.Context().Err()
	case <-time.After(time.Hour):
		return nil, errors.New("the registry answered nothing for an hour, and gave up")
	}
}

// counts returns how many requests h has had, and how many of them their
// client gave up on.
func (h *hungRegistry) counts() (requests, abandoned int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests, h.abandoned
}

// TestRegistryDiscoveryConcurrent makes 8 goroutines Get from a new
// RegistryDiscovery at once: one GET between them, round robin over the
// registry's list exact, and no data race on the list or on lastUpdate.
//
// The fake registry holds the first GET until it sees that another Get
// cannot send a GET of its own: mu is held (by the refresh that sent the
// GET, or by another Get at its staleness check, which then finds the list
// still stale and sends a second GET, caught in the act); or a second GET
// has come. Until one of these, it waits, at most patience.
func TestRegistryDiscoveryConcurrent(t *testing.T) {
	labtest.NoLeaks(t, "RegistryDiscovery", "(RegistryDiscovery starts no goroutine: report this)")
	servers := someServers(4)
	f := &fakeRegistry{}
	f.set(servers...)
	useRegistry(t, f)
	d := newRegistryDiscovery(t, time.Hour)
	// A stub fails here, not in a goroutine.
	if !within(t, patience, "RegistryDiscovery.Get", "a lock that is never released?", func() { d.Get(RoundRobinSelect) }) {
		return
	}
	f.mu.Lock()
	f.gets = 0
	f.mu.Unlock()
	d = newRegistryDiscovery(t, time.Hour)

	second := make(chan struct{})
	var (
		mu       sync.Mutex
		requests int
	)
	f.hold = func() {
		mu.Lock()
		requests++
		n := requests
		mu.Unlock()
		if n == 2 {
			close(second)
		}
		if n != 1 {
			return
		}
		for deadline := time.Now().Add(patience); time.Now().Before(deadline); {
			select {
			case <-second:
				return
			default:
			}
			if !d.mu.TryLock() {
				return
			}
			d.mu.Unlock()
			runtime.Gosched()
		}
	}

	const goroutines, each = 8, 100
	counts := make([]map[string]int, goroutines)
	startGate := make(chan struct{})
	var wg sync.WaitGroup
	for g := range goroutines {
		counts[g] = map[string]int{}
		wg.Go(func() {
			<-startGate
			for range each {
				s, err := d.Get(RoundRobinSelect)
				if err != nil {
					s = "error: " + err.Error()
				}
				counts[g][s]++
			}
		})
	}
	close(startGate)
	within(t, 2*patience, "8 goroutines calling RegistryDiscovery.Get", "a lock that is never released?", wg.Wait)
	checkGets(t, f, 1, "after 8 goroutines called Get on a new RegistryDiscovery at once", "one GET between them: "+
		"hold mu from the check of lastUpdate to the store of the new list, so that the Gets that find the list "+
		"stale at the same moment wait for one refresh instead of each sending its own")
	total := map[string]int{}
	for _, c := range counts {
		for s, n := range c {
			total[s] += n
		}
	}
	for _, s := range servers {
		if total[s] != goroutines*each/len(servers) {
			t.Fatalf("%d goroutines made %d Gets each by round robin over the registry's %d servers: %v.\nExpected: "+
				"each server exactly %d times, and no error: Get refreshes, then picks as MultiServersDiscovery.Get "+
				"does (docs/minirpc.md, part G).", goroutines, each, len(servers), total, goroutines*each/len(servers))
		}
	}
}
