//go:build solution

// Mutant: the lecture's naive first try, go Serial(...): the map is shared without a lock and Serial returns before the crawl is done.
// Must fail: TestSerialFakeFetcher, TestSerialShapes, TestSerialLargeGraphs

package crawler

func Serial(url string, fetcher Fetcher, fetched map[string]bool) {
	if fetched[url] {
		return
	}
	fetched[url] = true
	urls, err := fetcher.Fetch(url)
	if err != nil {
		return
	}
	for _, u := range urls {
		go Serial(u, fetcher, fetched)
	}
}
