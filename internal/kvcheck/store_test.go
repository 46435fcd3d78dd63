package kvcheck

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/labtest"
)

// store is a key/value store for the tests: a map behind a mutex.
type store struct {
	mu sync.Mutex
	m  map[string]string

	// twice, if set, makes the Append with this number (from 1) append
	// its argument twice, like a server that executes a retried request
	// again.
	twice   int64
	appends atomic.Int64
}

func newStore() *store { return &store{m: make(map[string]string)} }

func (s *store) get(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok
}

func (s *store) put(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
}

func (s *store) append(key, arg string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.m[key]
	s.m[key] = old + arg
	if s.appends.Add(1) == s.twice {
		s.m[key] += arg
	}
	return old, ok
}

// workload is how the clients of run use the store.
type workload struct {
	clients, ops int
	keys         []string
	kinds        []Kind  // the kinds of operation to make; all if nil
	lossRate     float64 // the share of operations whose outcome is lost
}

// run makes the clients of w work on s concurrently and records their
// operations. An operation whose outcome is lost is executed or not, at
// random, and recorded as unknown.
func run(t *testing.T, s *store, w workload) *Recorder {
	t.Helper()
	seed := labtest.Seed(t)
	labtest.Replay(t, seed)
	r := NewRecorder()
	kinds := w.kinds
	if kinds == nil {
		kinds = []Kind{Get, Put, Append}
	}
	var wg sync.WaitGroup
	for client := range w.clients {
		rng := rand.New(rand.NewPCG(seed, uint64(client)))
		wg.Go(func() {
			for i := range w.ops {
				key := w.keys[rng.IntN(len(w.keys))]
				lost := rng.Float64() < w.lossRate
				execute := !lost || rng.IntN(2) == 0
				runtime.Gosched() // let the clients' operations overlap
				switch kinds[rng.IntN(len(kinds))] {
				case Get:
					call := r.Start(client, Get, key, "")
					v, ok := "", false
					if execute {
						v, ok = s.get(key)
					}
					finish(call, lost, v, ok)
				case Put:
					value := fmt.Sprintf("p%d.%d ", client, i)
					call := r.Start(client, Put, key, value)
					if execute {
						s.put(key, value)
					}
					finish(call, lost, "", true)
				case Append:
					arg := fmt.Sprintf("a%d.%d ", client, i)
					call := r.Start(client, Append, key, arg)
					old, ok := "", false
					if execute {
						old, ok = s.append(key, arg)
					}
					finish(call, lost, old, ok)
				}
			}
		})
	}
	wg.Wait()
	return r
}

func finish(call *Call, lost bool, value string, exists bool) {
	if lost {
		call.Unknown()
		return
	}
	call.Done(value, exists)
}

func TestCorrectStorePasses(t *testing.T) {
	for name, w := range map[string]workload{
		"reliable":   {clients: 8, ops: 200, keys: []string{"k0", "k1", "k2"}},
		"lost calls": {clients: 8, ops: 200, keys: []string{"k0", "k1", "k2"}, lossRate: 0.05},
	} {
		t.Run(name, func(t *testing.T) {
			r := run(t, newStore(), w)
			f := check(t, r)
			require.Empty(t, f.errors, "Check failed the history of a correct store")
			require.Empty(t, f.logs, "the check of a correct store's history was inconclusive")
		})
	}
}

func TestStoreApplyingAnAppendTwiceFails(t *testing.T) {
	s := newStore()
	s.twice = 50
	// Without Puts, the operations after the 50th Append on its key all
	// see its argument twice.
	r := run(t, s, workload{clients: 8, ops: 50, keys: []string{"k0", "k1", "k2"}, kinds: []Kind{Get, Append}})
	msg := requireFail(t, r)
	assert.Contains(t, msg, "no valid order")
	assert.Contains(t, msg, "<- cannot come next")
}
