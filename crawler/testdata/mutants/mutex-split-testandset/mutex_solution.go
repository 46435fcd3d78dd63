//go:build solution

// Mutant: testAndSet split into two critical sections (check, unlock, lock, set): two goroutines can both see false.
// Must fail: TestTestAndSet

package crawler

import "sync"

type fetchState struct {
	mu      sync.Mutex
	fetched map[string]bool
}

func makeState() *fetchState {
	return &fetchState{fetched: make(map[string]bool)}
}

func (fs *fetchState) testAndSet(url string) bool {
	fs.mu.Lock()
	r := fs.fetched[url]
	fs.mu.Unlock()

	fs.mu.Lock()
	fs.fetched[url] = true
	fs.mu.Unlock()
	return r
}

func ConcurrentMutex(url string, fetcher Fetcher, fs *fetchState) {
	if fs.testAndSet(url) {
		return
	}
	urls, err := fetcher.Fetch(url)
	if err != nil {
		return
	}
	var done sync.WaitGroup
	for _, u := range urls {
		done.Go(func() {
			ConcurrentMutex(u, fetcher, fs)
		})
	}
	done.Wait()
}
