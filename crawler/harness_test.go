package crawler

// This file is the instrumented web that the crawler tests crawl: a graph of
// pages, a Fetcher (probe) that counts what a crawler does with it, and the
// checks that turn those counts into diagnoses. It is provided; do not edit.

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/labtest"
)

// quiet is how long a crawl may go without starting or finishing any fetch
// before the tests call it hung. A correct crawler needs microseconds between
// two fetches; the margin is for a loaded machine.
const quiet = 3 * time.Second

// A web is a graph of pages for a crawler to crawl.
type web struct {
	name   string
	root   string
	pages  map[string][]string // the pages that exist, with their links
	broken map[string]bool     // pages that exist but whose fetch fails, returning some links beside the error
}

// fails reports whether fetching u fails: the page is missing or broken.
func (w *web) fails(u string) bool {
	_, ok := w.pages[u]
	return !ok || w.broken[u]
}

// reachable returns the pages a correct crawl fetches, each mapped to the
// page on which it was first found ("" for the root). Failed pages are
// fetched but not followed.
func (w *web) reachable() map[string]string {
	parent := map[string]string{w.root: ""}
	queue := []string{w.root}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if w.fails(u) {
			continue
		}
		for _, v := range w.pages[u] {
			if _, seen := parent[v]; !seen {
				parent[v] = u
				queue = append(queue, v)
			}
		}
	}
	return parent
}

// path describes how a crawl reaches u, for failure messages.
func path(parent map[string]string, u string) string {
	var hops []string
	for v := u; v != ""; v = parent[v] {
		hops = append(hops, v)
		if len(hops) > 6 {
			hops = append(hops, "...")
			break
		}
	}
	slices.Reverse(hops)
	return strings.Join(hops, " -> ")
}

// A crawler is one of the lab's crawlers, with what to tell a student when
// it goes wrong in each way.
type crawler struct {
	name  string
	part  string // handout part
	crawl func(url string, f Fetcher)

	dup   string // likely cause of a page fetched twice, or of a crawl that loops
	miss  string // of a reachable page never fetched
	early string // of a crawl that returns while fetches are still running
	hang  string // of a crawl that never returns
	leak  string // of goroutines left running
}

var (
	serialCrawler = crawler{
		name:  "Serial",
		part:  "A",
		crawl: func(u string, f Fetcher) { Serial(u, f, make(map[string]bool)) },
		dup: "Serial must check fetched[url] before it fetches, and set it before it follows " +
			"the links; every recursive call must get the same map.",
		miss: "Serial must follow every link of every page it fetched; a failed fetch ends only " +
			"that page's branch (return), not the crawl.",
		early: "Serial must not start goroutines: it returns when the crawl is done. " +
			"(A go statement in front of the recursive call is the lecture's broken first try.)",
		hang: "Serial waits for something that never happens; it needs no goroutines, channels or locks.",
		leak: "Serial must not start goroutines.",
	}
	mutexCrawler = crawler{
		name:  "ConcurrentMutex",
		part:  "B",
		crawl: func(u string, f Fetcher) { ConcurrentMutex(u, f, makeState()) },
		dup: "a URL must be claimed with testAndSet before it is fetched, testAndSet must test and " +
			"set under one lock (not lock-check-unlock, lock-set-unlock), and every call must share " +
			"the same *fetchState (pass fs down; never make a new one per call).",
		miss: "each call must start a goroutine for every link and wait for them; a failed fetch " +
			"returns from that call only.",
		early: "each call must wait for the goroutines it started before it returns: call " +
			"done.Add(1) before each go statement (not inside the goroutine) and done.Wait() before returning.",
		hang: "a sync.WaitGroup whose counter never gets back to zero: every done.Add(1) needs a " +
			"done.Done() in its goroutine, on every path (use defer done.Done()).",
		leak: "every goroutine must end before the outermost ConcurrentMutex returns: wait for them with the WaitGroup.",
	}
	channelCrawler = crawler{
		name:  "ConcurrentChannel",
		part:  "C",
		crawl: func(u string, f Fetcher) { ConcurrentChannel(u, f) },
		dup: "the coordinator must check fetched[u] before it starts a worker for u, and set it at " +
			"once; only the coordinator may touch the map.",
		miss: "the coordinator must read every list the workers send and start a worker for each new URL in it.",
		early: "the coordinator stopped before every worker had reported: count n up for each worker " +
			"you start, down for each message you receive, and stop only when it is zero.",
		hang: "the coordinator waits for a message that no worker will send: a worker must send " +
			"exactly once, also when Fetch fails (an empty list), and the coordinator must count n down " +
			"for every message it receives and stop as soon as n is zero. Or the coordinator calls worker " +
			"itself instead of starting it with go: the worker's send then waits for the coordinator, " +
			"which is busy running the worker.",
		leak: "every worker must be able to send its message before ConcurrentChannel returns: the " +
			"coordinator must receive one message per worker.",
	}
)

// poolCrawler is ConcurrentPool with n workers.
func poolCrawler(n int) crawler {
	return crawler{
		name:  fmt.Sprintf("ConcurrentPool(n=%d)", n),
		part:  "D",
		crawl: func(u string, f Fetcher) { ConcurrentPool(u, f, n) },
		dup:   "the coordinator must mark a URL when it queues it, and queue only URLs not yet marked.",
		miss:  "the coordinator must queue every new URL from every result and hand each one to a worker.",
		early: "the coordinator must count the tasks it handed out and the results it received: the " +
			"crawl is done only when the queue is empty and no task is out.",
		hang: "the coordinator and the workers wait for each other: a coordinator blocked sending a " +
			"task while every worker is blocked sending its result is a deadlock. Receive results in the " +
			"same select that sends tasks (a nil channel turns the send case off when the queue is " +
			"empty). n < 1 must count as 1.",
		leak: "stop the workers when the crawl is done (close the task channel) and wait for them " +
			"(sync.WaitGroup) before ConcurrentPool returns.",
	}
}

// A probe is the Fetcher the tests hand to a crawler. It serves a web and
// records every fetch: how often each page was fetched, how many fetches
// were in flight at once, and what happened after the crawl returned.
// Optionally it makes fetches slow (delay) or holds them at a gate until the
// test releases them.
type probe struct {
	web    *web
	budget int                            // fetches allowed before the probe stops a looping crawler
	links  int                            // links handed out before it does (a refetched hub multiplies work)
	delay  func(url string) time.Duration // how long a fetch takes; nil: no time
	gated  func(url string) bool          // fetches that wait at the gate; nil: none
	tokens chan struct{}                  // one token lets one gated fetch through
	open   chan struct{}                  // closed: the gate lets everyone through
	opened sync.Once

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced whenever anything below changes
	fetches     map[string]int
	total       int // fetches
	linksOut    int // links handed out
	inflight    int
	maxInflight int
	looping     bool            // the budget ran out
	returned    bool            // the crawl has returned
	atReturn    int             // fetches in flight when it returned
	seenAtRet   map[string]bool // pages fetched (or being fetched) when it returned
	late        []string        // pages whose fetch began after it returned
}

// newProbe returns a probe serving w. A correct crawl fetches each reachable
// page once and so receives each of their links once; the probe allows
// twice that, plus some, before it refuses to serve a crawler that loops.
func newProbe(w *web) *probe {
	reach := w.reachable()
	links := 0
	for u := range reach {
		links += len(w.pages[u])
	}
	return &probe{
		web:     w,
		budget:  2*len(reach) + 100,
		links:   2*links + 100,
		tokens:  make(chan struct{}, 1<<16),
		open:    make(chan struct{}),
		changed: make(chan struct{}),
		fetches: make(map[string]int),
	}
}

// notify wakes everyone waiting for a change. p.mu must be held.
func (p *probe) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Fetch implements Fetcher.
func (p *probe) Fetch(url string) ([]string, error) {
	p.mu.Lock()
	p.total++
	if p.total > p.budget || p.linksOut > p.links {
		if !p.looping {
			p.looping = true
			p.notify()
		}
		p.mu.Unlock()
		return nil, fmt.Errorf("fetch %s: refused: the test stopped a crawl that fetches pages again and again", url)
	}
	p.fetches[url]++
	p.linksOut += len(p.web.pages[url])
	if p.returned && len(p.late) < 100 {
		p.late = append(p.late, url)
	}
	p.inflight++
	p.maxInflight = max(p.maxInflight, p.inflight)
	p.notify()
	p.mu.Unlock()

	if p.delay != nil {
		time.Sleep(p.delay(url))
	}
	if p.gated != nil && p.gated(url) {
		select {
		case <-p.tokens:
		case <-p.open:
		}
	}

	p.mu.Lock()
	p.inflight--
	p.notify()
	p.mu.Unlock()

	links := slices.Clone(p.web.pages[url])
	if p.web.fails(url) {
		return links, fmt.Errorf("fetch %s: page not found", url)
	}
	return links, nil
}

// release lets n gated fetches through.
func (p *probe) release(n int) {
	for range n {
		p.tokens <- struct{}{}
	}
}

// openGate lets every gated fetch through, now and later.
func (p *probe) openGate() { p.opened.Do(func() { close(p.open) }) }

// finish records the moment the crawl returned.
func (p *probe) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.returned = true
	p.atReturn = p.inflight
	p.seenAtRet = make(map[string]bool, len(p.fetches))
	for u := range p.fetches {
		p.seenAtRet[u] = true
	}
	p.notify()
}

// await waits until cond holds, done is closed, or nothing has changed for
// the quiet period; it reports whether cond held.
func (p *probe) await(cond func(p *probe) bool, done <-chan struct{}) bool {
	return p.awaitFor(quiet, cond, done)
}

// awaitFor is await with a quiet period of d.
func (p *probe) awaitFor(d time.Duration, cond func(p *probe) bool, done <-chan struct{}) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		p.mu.Lock()
		ok, changed := cond(p), p.changed
		p.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
			timer.Reset(d)
		case <-done:
			p.mu.Lock()
			defer p.mu.Unlock()
			return cond(p)
		case <-timer.C:
			return false
		}
	}
}

// snapshot returns the in-flight numbers under the lock.
func (p *probe) snapshot() (inflight, maxInflight, fetched int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inflight, p.maxInflight, len(p.fetches)
}

// A crawlRun is one crawl running in its own goroutine.
type crawlRun struct {
	p     *probe
	c     crawler
	done  chan struct{}
	value any    // what the crawl panicked with
	stack []byte // where
}

// start runs c's crawl of p's web in a new goroutine.
func (p *probe) start(c crawler) *crawlRun {
	return p.startFunc(c, func() { c.crawl(p.web.root, p) })
}

// startFunc runs f, a crawl by c of p, in a new goroutine.
func (p *probe) startFunc(c crawler, f func()) *crawlRun {
	r := &crawlRun{p: p, c: c, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		defer func() {
			if v := recover(); v != nil {
				r.value, r.stack = v, debug.Stack()
			}
		}()
		f()
		p.finish()
	}()
	return r
}

// wait waits for the crawl to return. It fails t and returns false if the
// crawl panicked or hung: nothing happened for the quiet period.
func (r *crawlRun) wait(t *testing.T) bool {
	t.Helper()
	p := r.p
	returned := func(*probe) bool {
		select {
		case <-r.done:
			return true
		default:
			return false
		}
	}
	if !p.await(returned, r.done) {
		p.openGate()
		inflight, _, fetched := p.snapshot()
		what := "no fetch started or finished"
		if inflight > 0 {
			what = fmt.Sprintf("%d fetches are in flight but none finishes", inflight)
		}
		stacks := labtest.Goroutines(".", 8)
		if stacks == "" {
			stacks = "(none: the crawl's goroutines are all outside the crawler package)"
		}
		t.Fatalf("%s has not returned: for %v %s.\n"+
			"Expected: it returns as soon as every reachable page has been fetched.\n"+
			"Happened: it fetched %d of the %d reachable pages of web %q, then stopped making progress.\n"+
			"Likely cause: %s\n(docs/crawler.md, part %s; \"Common failures\")\n\n"+
			"Goroutines running crawler code:\n%s",
			r.c.name, quiet, what, fetched, len(p.web.reachable()), p.web.name, r.c.hang, r.c.part, stacks)
		return false
	}
	if r.value != nil {
		p.openGate()
		if s, ok := labtest.Stub(r.value); ok {
			t.Fatal(s)
		}
		t.Fatalf("%s panicked: %v\n\n%s", r.c.name, r.value, r.stack)
		return false
	}
	return true
}

// crawlWeb crawls w with c and checks the result. It reports whether the
// crawl returned (false: it hung or panicked, and t has failed).
func crawlWeb(t *testing.T, c crawler, w *web) bool {
	t.Helper()
	labtest.NoLeaks(t, c.name, c.leak)
	p := newProbe(w)
	if !p.start(c).wait(t) {
		return false
	}
	p.check(t, c)
	return true
}

// check fails t with a diagnosis if the crawl that has returned did anything
// but fetch each reachable page exactly once, with nothing in flight when it
// returned and nothing fetched after.
func (p *probe) check(t *testing.T, c crawler) {
	t.Helper()
	reach := p.web.reachable()
	defer p.drain()
	if p.missed(reach) {
		// A crawler that returned early may still be crawling: give it a
		// moment to show itself with a late fetch, for a truer diagnosis.
		p.awaitFor(settle, func(p *probe) bool { return len(p.late) > 0 }, nil)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	where := fmt.Sprintf("%s on web %q (%d reachable pages)", c.name, p.web.name, len(reach))
	cause := func(s string) string {
		return fmt.Sprintf("Likely cause: %s\n(docs/crawler.md, part %s)", s, c.part)
	}

	if p.looping {
		u, n := mostFetched(p.fetches)
		t.Errorf("%s fetches pages again and again: the test stopped it after %d fetches.\n"+
			"Expected: each reachable page fetched once.\nHappened: %q was fetched %d times.\n%s",
			where, p.total, u, n, cause(c.dup))
		return
	}
	if p.atReturn > 0 || len(p.late) > 0 {
		msg := fmt.Sprintf("%s returned too early.\nExpected: when it returns, every fetch it "+
			"started has finished and it fetches nothing more.\nHappened:", where)
		if p.atReturn > 0 {
			msg += fmt.Sprintf(" %s still in flight when it returned;", plural(p.atReturn, "fetch was", "fetches were"))
		}
		if len(p.late) > 0 {
			msg += fmt.Sprintf(" %s fetched after it returned, such as %q;", plural(len(p.late), "page was", "pages were"), p.late[0])
		}
		t.Errorf("%s\n%s", strings.TrimSuffix(msg, ";"), cause(c.early))
	}

	var dups []string
	for u, n := range p.fetches {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%q fetched %d times", u, n))
		}
	}
	if len(dups) > 0 {
		sort.Strings(dups)
		t.Errorf("%s fetched %s more than once.\nExpected: each page fetched exactly once, "+
			"a page whose fetch fails included.\nHappened: %s.\n%s",
			where, plural(len(dups), "page", "pages"), examples(dups), cause(c.dup))
	}

	var missing, extra []string
	for u := range reach {
		if !p.seenAtRet[u] {
			missing = append(missing, fmt.Sprintf("%s (reached by %s)", u, path(reach, u)))
		}
	}
	for u := range p.fetches {
		if _, ok := reach[u]; !ok {
			extra = append(extra, u)
		}
	}
	if len(missing) > 0 && p.atReturn == 0 && len(p.late) == 0 {
		sort.Strings(missing)
		t.Errorf("%s returned without fetching %s.\nExpected: every page reachable "+
			"from %q fetched, also past pages whose fetch fails.\nHappened: never fetched %s.\n%s",
			where, plural(len(missing), "reachable page", "reachable pages"), p.web.root, examples(missing), cause(c.miss))
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		t.Errorf("%s fetched %s that a crawl must not reach.\nExpected: no page fetched that is "+
			"linked only from pages whose fetch failed (a failed Fetch may return some links beside "+
			"its error; they must be ignored).\nHappened: fetched %s.\n"+
			"Likely cause: the crawler follows the URLs of a failed fetch: check err before using urls.",
			where, plural(len(extra), "page", "pages"), examples(extra))
	}
}

// settle is how long check watches a crawl that returned without fetching
// every page, for fetches that come after it returned.
const settle = 200 * time.Millisecond

// missed reports whether some page of reach was not fetched by the time the
// crawl returned.
func (p *probe) missed(reach map[string]string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for u := range reach {
		if !p.seenAtRet[u] {
			return true
		}
	}
	return false
}

// drain waits, after a crawl that went wrong, for its stray fetches to end,
// so they do not spill into the next test.
func (p *probe) drain() {
	p.openGate()
	p.await(func(p *probe) bool { return p.inflight == 0 }, nil)
}

func mostFetched(m map[string]int) (string, int) {
	best, n := "", 0
	for u, k := range m {
		if k > n || k == n && u < best {
			best, n = u, k
		}
	}
	return best, n
}

// plural says n things, in the singular or the plural.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// examples lists the first few of items.
func examples(items []string) string {
	const keep = 4
	if len(items) <= keep {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:keep], "; ") + fmt.Sprintf("; and %d more", len(items)-keep)
}

// --- Webs -------------------------------------------------------------------

// newWeb builds a web whose pages are named by the keys of links.
func newWeb(name, root string, links map[string][]string, broken ...string) *web {
	w := &web{name: name, root: root, pages: links, broken: make(map[string]bool)}
	for _, b := range broken {
		w.broken[b] = true
	}
	return w
}

// lectureWeb is the lecture's fakeFetcher as a web.
func lectureWeb() *web {
	links := make(map[string][]string, len(fetcher))
	for u, res := range fetcher {
		links[u] = res.urls
	}
	return newWeb("the lecture's fakeFetcher", "http://golang.org/", links)
}

// shapes are small webs, each with one thing that trips crawlers up.
func shapes() []*web {
	return []*web{
		newWeb("one page", "a", map[string][]string{"a": nil}),
		newWeb("self-link", "a", map[string][]string{"a": {"a"}}),
		newWeb("two pages linking each other", "a", map[string][]string{"a": {"b"}, "b": {"a"}}),
		newWeb("cycle of five", "a", map[string][]string{
			"a": {"b"}, "b": {"c"}, "c": {"d"}, "d": {"e"}, "e": {"a"}}),
		newWeb("diamond", "a", map[string][]string{
			"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": nil}),
		newWeb("same link many times on one page", "a", map[string][]string{
			"a": {"b", "b", "c", "b", "c", "a"}, "b": {"c"}, "c": {"b"}}),
		newWeb("root missing", "gone", map[string][]string{}),
		newWeb("links to a missing page", "a", map[string][]string{
			"a": {"gone", "b"}, "b": {"gone", "c"}, "c": {"gone"}}),
		newWeb("broken page in the middle", "a", map[string][]string{
			"a": {"b", "c"}, "b": {"hidden"}, "c": {"d"}, "d": nil, "hidden": {"hidden2"}, "hidden2": nil}, "b"),
		newWeb("unreachable pages", "a", map[string][]string{
			"a": {"b"}, "b": nil, "x": {"a", "y"}, "y": {"x"}}),
		complete("every page links to every page", 30),
	}
}

// shape returns the web of shapes with the given name.
func shape(name string) *web {
	for _, w := range shapes() {
		if w.name == name {
			return w
		}
	}
	panic("no shape named " + name)
}

// complete is a web of n pages that each link to all n.
func complete(name string, n int) *web {
	links := make(map[string][]string, n)
	all := make([]string, n)
	for i := range all {
		all[i] = fmt.Sprintf("k%d", i)
	}
	for _, u := range all {
		links[u] = all
	}
	return newWeb(name, all[0], links)
}

// chain is a web of n pages, each linking to the next.
func chain(n int) *web {
	links := make(map[string][]string, n)
	for i := range n - 1 {
		links[fmt.Sprintf("c%d", i)] = []string{fmt.Sprintf("c%d", i+1)}
	}
	links[fmt.Sprintf("c%d", n-1)] = nil
	return newWeb(fmt.Sprintf("a chain %d pages deep", n), "c0", links)
}

// fan is a root that links to n leaves; every leaf links back to the root
// and to its neighbour, so concurrent crawlers race to claim them.
func fan(n int) *web {
	links := make(map[string][]string, n+1)
	leaves := make([]string, n)
	for i := range leaves {
		leaves[i] = fmt.Sprintf("f%d", i)
	}
	links["root"] = leaves
	for i, u := range leaves {
		links[u] = []string{"root", leaves[(i+1)%n]}
	}
	return newWeb(fmt.Sprintf("a fan of %d pages", n), "root", links)
}

// isLeaf reports whether u is a leaf of a fan.
func isLeaf(u string) bool { return strings.HasPrefix(u, "f") }

// randomWeb is a seeded random web of n pages: links to random pages,
// some missing pages and some broken ones.
func randomWeb(seed uint64, n int) *web {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	links := make(map[string][]string, n)
	var broken []string
	for i := range n {
		u := fmt.Sprintf("r%d", i)
		out := make([]string, rng.IntN(7))
		for j := range out {
			if rng.IntN(20) == 0 {
				out[j] = fmt.Sprintf("missing%d", rng.IntN(n))
			} else {
				out[j] = fmt.Sprintf("r%d", rng.IntN(n))
			}
		}
		if i+1 < n && rng.IntN(3) > 0 {
			out = append(out, fmt.Sprintf("r%d", i+1)) // keep most of the web reachable
		}
		links[u] = out
		if i > 0 && rng.IntN(20) == 0 {
			broken = append(broken, u)
		}
	}
	return newWeb(fmt.Sprintf("random web of %d pages, seed %d", n, seed), "r0", links, broken...)
}
