package xclient

// The graded tests of part F's Discovery. Each Test function has its
// points in labs/minirpc.toml. Run them with:
//
//	go test -race -run 'TestDiscovery' ./minirpc/xclient/

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"golabs/internal/labtest"
)

// someServers returns k made-up addresses; the discovery never dials them.
func someServers(k int) []string {
	var s []string
	for i := range k {
		s = append(s, fmt.Sprintf("tcp@10.0.0.%d:9999", i+1))
	}
	return s
}

// modeName names a SelectMode as the code spells it.
func modeName(mode SelectMode) string {
	switch mode {
	case RandomSelect:
		return "RandomSelect"
	case RoundRobinSelect:
		return "RoundRobinSelect"
	}
	return fmt.Sprintf("SelectMode(%d)", int(mode))
}

// get calls d.Get(mode) and fails t on an error.
func get(t *testing.T, d Discovery, mode SelectMode) string {
	t.Helper()
	var s string
	var err error
	try(t, "Get("+modeName(mode)+")", func() { s, err = d.Get(mode) })
	if err != nil {
		t.Fatalf("Get(%s) on a list of servers returned the error %v; want a server (docs/minirpc.md, part F)", modeName(mode), err)
	}
	return s
}

// TestDiscoveryRoundRobin checks round robin: the servers in the order of
// the list, from a random start; and, from 8 goroutines at once, each
// server exactly as often as the others.
func TestDiscoveryRoundRobin(t *testing.T) {
	labtest.NoLeaks(t, "the discovery's test", "(the test's own goroutines: report this)")
	servers := someServers(5)
	d := newDiscovery(t, servers)
	first := get(t, d, RoundRobinSelect)
	start := slices.Index(servers, first)
	if start < 0 {
		t.Fatalf("Get(RoundRobinSelect) returned %q, which is not one of the servers %q (docs/minirpc.md, part F)", first, servers)
	}
	for i := 1; i < 3*len(servers); i++ {
		want := servers[(start+i)%len(servers)]
		if got := get(t, d, RoundRobinSelect); got != want {
			t.Fatalf("Get(RoundRobinSelect) number %d over %q returned %q; want %q.\nExpected: the servers in turn, in "+
				"the order of the list, starting again at the first after the last: servers[index %% n], and index "+
				"moves on by one (docs/minirpc.md, part F).", i+1, servers, got, want)
		}
	}

	// A round robin that always starts at the first server sends the
	// first call of every client there.
	firsts := map[string]bool{}
	for range 64 {
		firsts[get(t, newDiscovery(t, servers), RoundRobinSelect)] = true
	}
	if len(firsts) == 1 {
		t.Fatalf("64 new discoveries over %d servers all started their round robin at the same server.\nExpected: "+
			"the index starts at a random number (rand.IntN), so that clients started together do not all call "+
			"the same server first (docs/minirpc.md, part F).", len(servers))
	}

	const goroutines, each = 8, 500
	counts := make([]map[string]int, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		counts[g] = map[string]int{}
		wg.Go(func() {
			for range each {
				s, err := d.Get(RoundRobinSelect)
				if err != nil {
					s = "error: " + err.Error()
				}
				counts[g][s]++
			}
		})
	}
	wg.Wait()
	total := map[string]int{}
	for _, c := range counts {
		for s, n := range c {
			total[s] += n
		}
	}
	want := goroutines * each / len(servers)
	for _, s := range servers {
		if total[s] != want {
			t.Fatalf("%d goroutines made %d Gets each, at once, by round robin over %d servers: server %s was picked "+
				"%d times, want exactly %d (all: %v).\nLikely cause: two Gets read the same index, both return the "+
				"same server, and the next one is skipped. Read and advance the index in one critical section, "+
				"under a lock every Get takes (a read lock is not enough: Get writes the index) "+
				"(docs/minirpc.md, part F).", goroutines, each, len(servers), s, total[s], want, total)
		}
	}
}

// TestDiscoveryRandom checks random picking: every server comes up, from
// many goroutines at once; and an unknown mode is an error.
func TestDiscoveryRandom(t *testing.T) {
	labtest.NoLeaks(t, "the discovery's test", "(the test's own goroutines: report this)")
	servers := someServers(4)
	d := newDiscovery(t, servers)
	get(t, d, RandomSelect)
	const goroutines, each = 8, 200
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			mine := map[string]int{}
			for range each {
				s, err := d.Get(RandomSelect)
				if err != nil {
					s = "error: " + err.Error()
				}
				mine[s]++
			}
			mu.Lock()
			defer mu.Unlock()
			for s, n := range mine {
				seen[s] += n
			}
		})
	}
	wg.Wait()
	for s := range seen {
		if !slices.Contains(servers, s) {
			t.Fatalf("Get(RandomSelect) over %q returned %q (docs/minirpc.md, part F)", servers, s)
		}
	}
	for _, s := range servers {
		if seen[s] == 0 {
			t.Fatalf("%d Gets by RandomSelect over %d servers never picked %s (all: %v).\nExpected: any server, at "+
				"random: rand.IntN(len(servers)) (docs/minirpc.md, part F).", goroutines*each, len(servers), s, seen)
		}
	}
	var err error
	try(t, "Get(SelectMode(42)), an unknown mode,", func() { _, err = d.Get(SelectMode(42)) })
	if err == nil {
		t.Fatalf("Get(SelectMode(42)) returned no error: a mode that is neither RandomSelect nor RoundRobinSelect is " +
			"an error (docs/minirpc.md, part F)")
	}
}

// TestDiscoveryUpdateGetAll checks the list itself: Get on an empty list
// is ErrNoServers, GetAll returns a copy, NewMultiServerDiscovery and
// Update keep copies, Update to a shorter list, and Updates beside Gets.
func TestDiscoveryUpdateGetAll(t *testing.T) {
	labtest.NoLeaks(t, "the discovery's test", "(the test's own goroutines: report this)")
	empty := newDiscovery(t, nil)
	for _, mode := range []SelectMode{RandomSelect, RoundRobinSelect} {
		var err error
		what := fmt.Sprintf("Get(%s) on an empty list (check for it and return ErrNoServers: do not index the "+
			"list, nor divide by its length) (docs/minirpc.md, part F);", modeName(mode))
		if !try(t, what, func() { _, err = empty.Get(mode) }) {
			return
		}
		if !errors.Is(err, ErrNoServers) {
			t.Fatalf("Get(%s) on an empty list returned the error %v; want ErrNoServers (docs/minirpc.md, part F)", modeName(mode), err)
		}
	}

	servers := someServers(3)
	given := slices.Clone(servers)
	d := newDiscovery(t, given)
	given[0] = "tcp@changed:1"
	var all []string
	var err error
	try(t, "GetAll", func() { all, err = d.GetAll() })
	if err != nil || !slices.Equal(all, servers) {
		t.Fatalf("NewMultiServerDiscovery(%q), then the caller changed its slice; GetAll returned %q, %v.\n"+
			"Expected: %q: the discovery keeps a copy of the list it is given (docs/minirpc.md, part F).", servers, all, err, servers)
	}
	all[1] = "tcp@changed:2"
	if again, _ := d.GetAll(); !slices.Equal(again, servers) {
		t.Fatalf("the caller changed the slice GetAll returned; the next GetAll returned %q, want %q.\nExpected: GetAll "+
			"returns a copy (slices.Clone): a caller must not be able to change the discovery's list, and "+
			"certainly not while other goroutines read it (docs/minirpc.md, part F).", again, servers)
	}
	for range 2 * len(servers) {
		if s := get(t, d, RoundRobinSelect); !slices.Contains(servers, s) {
			t.Fatalf("Get returned %q after a caller changed the slice GetAll had returned; want one of %q: GetAll "+
				"returns a copy (docs/minirpc.md, part F)", s, servers)
		}
	}

	// Update replaces the list, with a copy; a shorter list after a
	// long run of round robin must not index past its end.
	for range 100 {
		get(t, d, RoundRobinSelect)
	}
	short := []string{"tcp@10.0.1.1:9999", "tcp@10.0.1.2:9999"}
	update := slices.Clone(short)
	if !try(t, "Update", func() { err = d.Update(update) }) {
		return
	}
	if err != nil {
		t.Fatalf("Update returned %v; want nil", err)
	}
	update[0] = "tcp@changed:4"
	seen := map[string]int{}
	for range 2 * len(short) {
		var s string
		if !try(t, "Get after Update to a shorter list", func() { s, err = d.Get(RoundRobinSelect) }) {
			return
		}
		seen[s]++
	}
	for _, s := range short {
		if seen[s] != 2 {
			t.Fatalf("after Update(%q), then a change to the caller's slice, 4 Gets by round robin returned %v.\n"+
				"Expected: each of %q twice: Update replaces the list with a copy, and round robin takes the index "+
				"modulo the length of the list as it is now (docs/minirpc.md, part F).", short, seen, short)
		}
	}
	d.Update(nil)
	if _, err := d.Get(RoundRobinSelect); !errors.Is(err, ErrNoServers) {
		t.Fatalf("after Update(nil), Get returned the error %v; want ErrNoServers (docs/minirpc.md, part F)", err)
	}

	// Updates, Gets and GetAlls at once: the race detector watches.
	lists := [][]string{someServers(2), someServers(3), someServers(5)}
	d.Update(lists[2])
	var wg sync.WaitGroup
	bad := make(chan string, 8)
	wg.Go(func() {
		for i := range 300 {
			d.Update(lists[i%len(lists)])
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 300 {
				s, err := d.Get(RoundRobinSelect)
				if err != nil || !slices.Contains(lists[2], s) {
					bad <- fmt.Sprintf("Get returned %q, %v", s, err)
					return
				}
				if _, err := d.GetAll(); err != nil {
					bad <- fmt.Sprintf("GetAll returned %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(bad)
	for b := range bad {
		t.Fatalf("while one goroutine called Update over and over with non-empty lists, 4 others called Get and "+
			"GetAll: %s (docs/minirpc.md, part F)", b)
	}
}
