//go:build solution

package crawler

import "sync"

// fetchState is the memory that the goroutines of ConcurrentMutex share: the
// set of URLs some goroutine has claimed. The mutex guards the map.
type fetchState struct {
	mu      sync.Mutex
	fetched map[string]bool
}

// makeState returns an empty fetchState, ready for use.
func makeState() *fetchState {
	return &fetchState{fetched: make(map[string]bool)}
}

// testAndSet marks url as fetched and reports whether it already was. The
// test and the set happen under one lock, so of many goroutines that call it
// with the same url exactly one sees false and goes on to fetch the page.
// Checking under the lock, unlocking, and setting under a second lock would
// let two goroutines both see false in between.
func (fs *fetchState) testAndSet(url string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	r := fs.fetched[url]
	fs.fetched[url] = true
	return r
}

// ConcurrentMutex crawls from url with one goroutine per link. The
// goroutines share fs; each call waits, with a WaitGroup, for the crawls it
// started, so the outermost call returns only when the whole crawl is done.
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
