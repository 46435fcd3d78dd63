// Package crawler is Lab 1: a web crawler written three ways, as in the
// lecture on threads and RPC, plus a bounded worker pool.
//
// A crawler starts from one URL, fetches the page, and follows every link it
// finds, fetching each reachable page exactly once. The lab builds it:
//
//   - Serial (serial.go): depth-first recursion that remembers what it has
//     fetched in a map. Correct, but it waits for one page at a time.
//   - ConcurrentMutex (mutex.go): one goroutine per link; the goroutines
//     share a fetchState whose mutex makes "test and set" one atomic step,
//     and a sync.WaitGroup makes each call wait for the crawls it started.
//   - ConcurrentChannel (channel.go): no shared memory; workers send the
//     links they found to a coordinator, which alone owns the fetched map
//     and counts its workers to know when the crawl is done.
//   - ConcurrentPool (pool.go): at most n fetches in flight, because one
//     goroutine per link does not scale to a real web.
//
// The files a student edits are serial.go, mutex.go, channel.go and pool.go.
// Each has a reference solution beside it (built with -tags solution) that is
// not part of the student release. This file and the tests are provided.
//
// Read docs/crawler.md for the handout.
package crawler

import "fmt"

// Fetcher fetches one page and returns the URLs it links to.
//
// A Fetcher may be called from many goroutines at once. When err is not nil
// the fetch failed: the crawler must follow nothing from that page, not even
// the URLs a fetcher may return beside the error (a page cut off half-way
// still has some links), and must go on crawling the rest.
type Fetcher interface {
	Fetch(url string) (urls []string, err error)
}

// fakeResult is one page of a fakeFetcher.
type fakeResult struct {
	body string
	urls []string
}

// fakeFetcher is a Fetcher that returns canned results: the small web of the
// lecture. Its pages link to each other in cycles, and one page that others
// link to (http://golang.org/cmd/) is missing, so fetching it fails.
type fakeFetcher map[string]*fakeResult

// Fetch returns the links of url, or an error if the page is missing.
func (f fakeFetcher) Fetch(url string) ([]string, error) {
	if res, ok := f[url]; ok {
		return res.urls, nil
	}
	return nil, fmt.Errorf("not found: %s", url)
}

// fetcher is the lecture's populated fakeFetcher.
var fetcher = fakeFetcher{
	"http://golang.org/": &fakeResult{
		"The Go Programming Language",
		[]string{
			"http://golang.org/pkg/",
			"http://golang.org/cmd/",
		},
	},
	"http://golang.org/pkg/": &fakeResult{
		"Packages",
		[]string{
			"http://golang.org/",
			"http://golang.org/cmd/",
			"http://golang.org/pkg/fmt/",
			"http://golang.org/pkg/os/",
		},
	},
	"http://golang.org/pkg/fmt/": &fakeResult{
		"Package fmt",
		[]string{
			"http://golang.org/",
			"http://golang.org/pkg/",
		},
	},
	"http://golang.org/pkg/os/": &fakeResult{
		"Package os",
		[]string{
			"http://golang.org/",
			"http://golang.org/pkg/",
		},
	},
}
