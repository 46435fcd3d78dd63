//go:build !solution

package crawler

// ConcurrentPool crawls from url with at most n fetches in flight at any
// moment; n < 1 counts as 1 (handout part D).
//
// One goroutine per link does not scale to a real web: a million links would
// mean a million goroutines and a million open connections. Start n workers
// that take URLs from a channel and send each page's links back to a
// coordinator, which owns the fetched map and a queue of URLs still to fetch,
// as in ConcurrentChannel.
//
// Both the pool and the crawl must end: when the queue is empty and no
// worker is busy, stop the workers and wait until they have returned before
// ConcurrentPool returns. No goroutine may be left behind.
//
// Hint: a coordinator that blocks sending a task while every worker blocks
// sending a result is a deadlock. A select whose send case uses a nil channel
// when the queue is empty avoids it.
func ConcurrentPool(url string, fetcher Fetcher, n int) {
	panic("crawler: ConcurrentPool is not implemented yet: write it in crawler/pool.go (docs/crawler.md, part D)")
}
