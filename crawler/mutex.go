//go:build !solution

package crawler

import "sync"

// fetchState is the memory that the goroutines of ConcurrentMutex share
// (handout part B). Keep the mutex and the map, or add what you need.
type fetchState struct {
	mu      sync.Mutex
	fetched map[string]bool
}

// makeState returns an empty fetchState, ready for use.
func makeState() *fetchState {
	panic("crawler: makeState is not implemented yet: write it in crawler/mutex.go (docs/crawler.md, part B)")
}

// testAndSet marks url as fetched and reports whether it already was.
//
// Many goroutines call it at once, with the same url: exactly one of them may
// see false. So the test and the set must be one critical section; unlocking
// between them is the check-then-act race of the lecture.
func (fs *fetchState) testAndSet(url string) bool {
	panic("crawler: testAndSet is not implemented yet: write it in crawler/mutex.go (docs/crawler.md, part B)")
}

// ConcurrentMutex crawls from url with one goroutine per link, all sharing
// fs (handout part B).
//
// Each call claims its url with testAndSet, fetches it, and starts a
// goroutine per link that calls ConcurrentMutex again. It must not return
// before the goroutines it started have finished: a sync.WaitGroup does
// that. When the outermost call returns, the crawl is done and no fetch is
// still running.
//
// Hint: Serial with a go statement is not enough. Why not? Lecture:
// "Concurrent crawler with shared state and a mutex".
func ConcurrentMutex(url string, fetcher Fetcher, fs *fetchState) {
	panic("crawler: ConcurrentMutex is not implemented yet: write it in crawler/mutex.go (docs/crawler.md, part B)")
}
