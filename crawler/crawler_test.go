package crawler

// The graded tests of Lab 1. Each Test function has its points in
// labs/crawler.toml. Run one part with, for example:
//
//	go test -race -run 'Serial' ./crawler/
//
// The webs and the instrumented fetcher (probe) are in harness_test.go.

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"golabs/internal/labtest"
)

// --- A. Serial --------------------------------------------------------------

func TestSerialFakeFetcher(t *testing.T) { crawlWeb(t, serialCrawler, lectureWeb()) }

func TestSerialShapes(t *testing.T) { testShapes(t, serialCrawler) }

func TestSerialLargeGraphs(t *testing.T) { testLarge(t, serialCrawler) }

// TestSerialFetchedMap checks that fetched is the crawl's memory: Serial
// leaves in it exactly the URLs it attempted, and skips a URL that is
// already marked when it starts.
func TestSerialFetchedMap(t *testing.T) {
	labtest.NoLeaks(t, "Serial", serialCrawler.leak)
	t.Run("records what it fetched", func(t *testing.T) {
		w := shape("broken page in the middle")
		fetched := make(map[string]bool)
		p := newProbe(w)
		if !p.startFunc(serialCrawler, func() { Serial(w.root, p, fetched) }).wait(t) {
			return
		}
		p.check(t, serialCrawler)
		var want, got []string
		for u := range w.reachable() {
			want = append(want, u)
		}
		for u, ok := range fetched {
			if ok {
				got = append(got, u)
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("after Serial returned, the URLs marked true in fetched were %q.\n"+
				"Expected: %q, every page Serial attempted, the one whose fetch failed included.\n"+
				"Likely cause: mark fetched[url] = true before calling Fetch, in the map you were given "+
				"(docs/crawler.md, part A).", got, want)
		}
	})
	t.Run("skips what is already marked", func(t *testing.T) {
		w := newWeb("a -> b -> c, a -> d", "a", map[string][]string{
			"a": {"b", "d"}, "b": {"c"}, "c": nil, "d": nil})
		p := newProbe(w)
		if !p.startFunc(serialCrawler, func() { Serial(w.root, p, map[string]bool{"b": true}) }).wait(t) {
			return
		}
		var got []string
		for u := range p.fetches {
			got = append(got, u)
		}
		sort.Strings(got)
		if !slices.Equal(got, []string{"a", "d"}) {
			t.Errorf("Serial(\"a\") with fetched[\"b\"] already true fetched %q.\n"+
				"Expected: [\"a\" \"d\"]: a page marked in fetched is not fetched again, and neither is "+
				"what only it links to.\nLikely cause: Serial must return at once when fetched[url] is "+
				"true (docs/crawler.md, part A).", got)
		}
	})
}

// --- B. Mutex ---------------------------------------------------------------

// TestTestAndSet checks that of many goroutines that call testAndSet with the
// same URL at once, exactly one sees false.
func TestTestAndSet(t *testing.T) {
	labtest.NoLeaks(t, "testAndSet", "testAndSet must not start goroutines.")
	var fs *fetchState
	ok := try(t, "makeState and testAndSet", func() {
		fs = makeState()
		for _, step := range []struct {
			url  string
			want bool
		}{{"x", false}, {"x", true}, {"y", false}, {"x", true}, {"y", true}} {
			if got := fs.testAndSet(step.url); got != step.want {
				t.Fatalf("testAndSet(%q) = %v, want %v.\nExpected: false the first time a URL is "+
					"seen, true every time after.\n(docs/crawler.md, part B)", step.url, got, step.want)
			}
		}
	})
	if !ok {
		return
	}

	const (
		rounds     = 20
		urls       = 1000
		goroutines = 8
	)
	for round := range rounds {
		fs := makeState()
		won := make([][]int, goroutines)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				<-start
				for i := range urls {
					if !fs.testAndSet(fmt.Sprint("u", i)) {
						won[g] = append(won[g], i)
					}
				}
			})
		}
		close(start)
		wg.Wait()
		winners := make([]int, urls)
		for g := range won {
			for _, i := range won[g] {
				winners[i]++
			}
		}
		for i, n := range winners {
			if n != 1 {
				t.Fatalf("%d goroutines called testAndSet(%q) at once; %d of them got false "+
					"(round %d of %d).\nExpected: exactly one gets false and goes on to fetch the page.\n"+
					"Likely cause: the test and the set are two critical sections (lock, read, unlock, "+
					"lock, write, unlock), so two goroutines can both read false in between: do both under "+
					"one Lock (docs/crawler.md, part B: \"check-then-act\").",
					goroutines, fmt.Sprint("u", i), n, round+1, rounds)
			}
		}
	}
}

func TestConcurrentMutexFakeFetcher(t *testing.T) { crawlWeb(t, mutexCrawler, lectureWeb()) }

func TestConcurrentMutexShapes(t *testing.T) { testShapes(t, mutexCrawler) }

func TestConcurrentMutexLargeGraphs(t *testing.T) { testLarge(t, mutexCrawler) }

func TestConcurrentMutexParallel(t *testing.T) { testParallel(t, mutexCrawler) }

func TestConcurrentMutexTerminates(t *testing.T) { testTerminates(t, mutexCrawler) }

// --- C. Channel -------------------------------------------------------------

// TestWorker checks that a worker sends exactly one message: the links of
// the page, or an empty list when the fetch fails.
func TestWorker(t *testing.T) {
	labtest.NoLeaks(t, "worker", "worker must not start goroutines that outlive it.")
	w := newWeb("worker's web", "a", map[string][]string{
		"a": {"b", "c", "b"}, "b": nil, "broken": {"b", "x"}}, "broken")
	for _, tc := range []struct {
		url  string
		want []string
		what string
	}{
		{"a", []string{"b", "c", "b"}, "a page that links to b, c and b again"},
		{"b", nil, "a page without links"},
		{"gone", nil, "a page whose fetch fails"},
		{"broken", nil, "a page whose fetch fails but returns some links beside its error"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			p := newProbe(w)
			ch := make(chan []string, 2)
			done := make(chan struct{})
			var panicked any
			go func() {
				defer close(done)
				defer func() { panicked = recover() }()
				worker(tc.url, ch, p)
			}()
			select {
			case <-done:
			case <-time.After(quiet):
				t.Fatalf("worker(%q) did not return within %v with room for 2 messages on ch.\n"+
					"Expected: it fetches, sends once and returns.\n(docs/crawler.md, part C)", tc.url, quiet)
			}
			if panicked != nil {
				t.Fatalf("worker(%q) panicked: %v", tc.url, panicked)
			}
			// A worker that has returned has sent, or at least started the
			// goroutine that sends: a second is plenty.
			var got []string
			select {
			case got = <-ch:
			case <-time.After(time.Second):
				t.Fatalf("worker(%q), on %s, sent nothing on ch.\n"+
					"Expected: exactly one message, %q.\nLikely cause: the coordinator counts one message "+
					"per worker it starts, so a worker that sends nothing when Fetch fails leaves it "+
					"waiting forever: send an empty list on failure (docs/crawler.md, part C).",
					tc.url, tc.what, orEmpty(tc.want))
			}
			if !sameLinks(got, tc.want) {
				t.Errorf("worker(%q), on %s, sent %q.\nExpected: %s.\nLikely cause: send the URLs "+
					"Fetch returned (in any order, a repeated one once or more); or, when err is not nil, "+
					"an empty list (docs/crawler.md, part C).", tc.url, tc.what, got, describeLinks(tc.want))
			}
			if len(ch) > 0 {
				t.Errorf("worker(%q) sent %d messages.\nExpected: exactly one; the coordinator counts "+
					"one message per worker (docs/crawler.md, part C).", tc.url, 1+len(ch))
			}
		})
	}
}

// sameLinks reports whether got holds each link of want, at least once, and
// nothing else: a worker may drop a repeated link or reorder them, since the
// coordinator fetches each page once however often it is named.
func sameLinks(got, want []string) bool {
	for _, u := range got {
		if !slices.Contains(want, u) {
			return false
		}
	}
	for _, u := range want {
		if !slices.Contains(got, u) {
			return false
		}
	}
	return true
}

// describeLinks says what a worker must send for want.
func describeLinks(want []string) string {
	if len(want) == 0 {
		return "an empty list"
	}
	return fmt.Sprintf("each of %q at least once, and nothing else", want)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestConcurrentChannelFakeFetcher(t *testing.T) { crawlWeb(t, channelCrawler, lectureWeb()) }

func TestConcurrentChannelShapes(t *testing.T) { testShapes(t, channelCrawler) }

func TestConcurrentChannelLargeGraphs(t *testing.T) { testLarge(t, channelCrawler) }

func TestConcurrentChannelParallel(t *testing.T) { testParallel(t, channelCrawler) }

func TestConcurrentChannelTerminates(t *testing.T) { testTerminates(t, channelCrawler) }

// --- D. Pool ----------------------------------------------------------------

func TestPoolFakeFetcher(t *testing.T) { crawlWeb(t, poolCrawler(2), lectureWeb()) }

func TestPoolShapes(t *testing.T) {
	for _, n := range []int{1, 4} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) { testShapes(t, poolCrawler(n)) })
	}
}

func TestPoolLargeGraphs(t *testing.T) { testLarge(t, poolCrawler(8)) }

// TestPoolBound holds every fetch of a fan's leaves at a gate, lets them go
// one at a time, and checks that the pool keeps exactly min(n, pages left)
// fetches in flight: never more than n, and n whenever there is work.
func TestPoolBound(t *testing.T) {
	const leaves = 20
	for _, n := range []int{1, 3, 8} {
		passed := t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			c := poolCrawler(n)
			labtest.NoLeaks(t, c.name, c.leak)
			p := newProbe(fan(leaves))
			p.gated = isLeaf
			r := p.start(c)
			defer p.openGate()
		gate:
			for released := 0; released < leaves; released++ {
				want := min(n, leaves-released)
				reached := p.await(func(p *probe) bool {
					return p.inflight >= want || p.maxInflight > n
				}, r.done)
				select {
				case <-r.done:
					break gate // it returned or panicked: wait and check say how
				default:
				}
				inflight, most, _ := p.snapshot()
				if most > n {
					break
				}
				if !reached {
					t.Errorf("%s kept only %d fetches in flight while %d slow pages were waiting.\n"+
						"Expected: %d in flight, all n workers busy while there is work.\nLikely cause: "+
						"fewer than n workers, or a coordinator that hands out the next task only after a "+
						"result comes back (docs/crawler.md, part D).", c.name, inflight, leaves-released, want)
					break
				}
				p.release(1)
			}
			p.openGate()
			if !r.wait(t) {
				return
			}
			if _, most, _ := p.snapshot(); most > n {
				t.Errorf("%s had %d fetches in flight at once.\nExpected: never more than n = %d.\n"+
					"Likely cause: start exactly n workers and fetch only in them; do not start a "+
					"goroutine per URL (docs/crawler.md, part D).", c.name, most, n)
			}
			p.check(t, c)
		})
		if !passed {
			t.Logf("the pool failed with n = %d (see above); larger n were not tried.", n)
			return
		}
	}
}

func TestPoolTerminates(t *testing.T) {
	if !testTerminates(t, poolCrawler(3)) {
		return
	}
	if t.Run("n=0 counts as 1", func(t *testing.T) { crawlWeb(t, poolCrawler(0), fan(5)) }) {
		t.Run("more workers than pages", func(t *testing.T) { crawlWeb(t, poolCrawler(50), shape("diamond")) })
	}
}

// --- Shared by the parts ----------------------------------------------------

// testShapes crawls each small web of shapes with c, stopping at the first
// that fails: one diagnosis at a time.
func testShapes(t *testing.T, c crawler) {
	for _, w := range shapes() {
		if !t.Run(w.name, func(t *testing.T) { crawlWeb(t, c, w) }) {
			t.Logf("%s failed on web %q (see above); the remaining webs were not tried.", c.name, w.name)
			return
		}
	}
}

// testLarge crawls a deep chain, a wide fan and seeded random webs with c.
func testLarge(t *testing.T, c crawler) {
	seed := labtest.Seed(t)
	webs := []*web{chain(10000), fan(5000)}
	for i := range uint64(3) {
		webs = append(webs, randomWeb(seed+i, 2000))
	}
	for i, w := range webs {
		if !t.Run(w.name, func(t *testing.T) {
			if i >= 2 { // a random web
				labtest.Replay(t, seed)
			}
			crawlWeb(t, c, w)
		}) {
			t.Logf("%s failed on web %q (see above); the remaining webs were not tried.", c.name, w.name)
			return
		}
	}
}

// testParallel holds the fetches of a fan's 50 leaves at a gate and counts
// how many c has in flight at once: a crawler with a goroutine per link
// reaches all 50 (no clock involved: the gate opens only when they are all
// there, or when nothing has happened for a while).
func testParallel(t *testing.T, c crawler) {
	labtest.NoLeaks(t, c.name, c.leak)
	const leaves = 50
	p := newProbe(fan(leaves))
	p.gated = isLeaf
	r := p.start(c)
	reached := p.await(func(p *probe) bool { return p.inflight >= leaves }, r.done)
	_, most, _ := p.snapshot()
	p.openGate()
	if !r.wait(t) {
		return
	}
	if !reached {
		t.Errorf("%s had at most %s in flight at once on a fan of %d slow pages.\n"+
			"Expected: all %d fetched at the same time, one goroutine per link.\n"+
			"Likely cause: the crawler waits for each fetch before it starts the next: start a "+
			"goroutine for every link first, then wait for them all (docs/crawler.md, part %s).",
			c.name, plural(most, "fetch", "fetches"), leaves, leaves, c.part)
	}
	p.check(t, c)
}

// testTerminates crawls webs with slow pages, so that a crawler that returns
// before its goroutines are done is caught with fetches still in flight, and
// webs where the last fetch to finish is one that fails. It stops at the
// first web that fails, and reports whether all passed.
func testTerminates(t *testing.T, c crawler) bool {
	slow := func(d time.Duration) func(string) time.Duration {
		return func(string) time.Duration { return d }
	}
	tree := map[string][]string{"root": nil}
	for i := range 8 {
		child := fmt.Sprint("t", i)
		tree["root"] = append(tree["root"], child)
		for j := range 3 {
			tree[child] = append(tree[child], fmt.Sprintf("t%d.%d", i, j))
		}
	}
	allFail := map[string][]string{"root": nil}
	for i := range 20 {
		allFail["root"] = append(allFail["root"], fmt.Sprint("gone", i))
	}
	for _, tc := range []struct {
		web   *web
		delay func(string) time.Duration
	}{
		{newWeb("a tree of 9 slow pages whose 24 leaves are missing", "root", tree), slow(3 * time.Millisecond)},
		{chain(30), slow(time.Millisecond)},
		{newWeb("the failing page finishes last", "root", map[string][]string{"root": {"a", "gone"}, "a": nil}),
			func(u string) time.Duration {
				if u == "gone" {
					return 20 * time.Millisecond
				}
				return 0
			}},
		{newWeb("every link fails", "root", allFail), nil},
	} {
		passed := t.Run(tc.web.name, func(t *testing.T) {
			labtest.NoLeaks(t, c.name, c.leak)
			p := newProbe(tc.web)
			p.delay = tc.delay
			if p.start(c).wait(t) {
				p.check(t, c)
			}
		})
		if !passed {
			t.Logf("%s failed on web %q (see above); the remaining webs were not tried.", c.name, tc.web.name)
			return false
		}
	}
	return true
}

// try runs f, turning a panic into a test failure that names what panicked.
func try(t *testing.T, what string, f func()) (ok bool) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			ok = false
			if s, ok := labtest.Stub(v); ok {
				t.Fatal(s)
			}
			t.Fatalf("%s panicked: %v\nLikely cause: makeState must return a fetchState whose map "+
				"is made (make(map[string]bool)); a nil map panics on the first write.", what, v)
		}
	}()
	f()
	return true
}
