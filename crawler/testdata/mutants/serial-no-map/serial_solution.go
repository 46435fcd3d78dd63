//go:build solution

// Mutant: Serial without the fetched map: it follows every link again, round and round any cycle.
// Must fail: TestSerialFakeFetcher, TestSerialShapes, TestSerialLargeGraphs, TestSerialFetchedMap

package crawler

func Serial(url string, fetcher Fetcher, fetched map[string]bool) {
	urls, err := fetcher.Fetch(url)
	if err != nil {
		return
	}
	for _, u := range urls {
		Serial(u, fetcher, fetched)
	}
}
