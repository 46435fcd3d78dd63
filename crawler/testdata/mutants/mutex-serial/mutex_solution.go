//go:build solution

// Mutant: ConcurrentMutex without the go statement: a WaitGroup and a lock, but one fetch at a time.
// Must fail: TestConcurrentMutexParallel

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
	defer fs.mu.Unlock()
	r := fs.fetched[url]
	fs.fetched[url] = true
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
		done.Add(1)
		func() {
			defer done.Done()
			ConcurrentMutex(u, fetcher, fs)
		}()
	}
	done.Wait()
}
