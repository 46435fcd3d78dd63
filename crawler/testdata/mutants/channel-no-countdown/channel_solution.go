//go:build solution

// Mutant: a coordinator that never counts down: n never reaches zero, so it never returns.
// Must fail: TestConcurrentChannelFakeFetcher, TestConcurrentChannelShapes, TestConcurrentChannelLargeGraphs, TestConcurrentChannelTerminates

package crawler

func worker(url string, ch chan []string, fetcher Fetcher) {
	urls, err := fetcher.Fetch(url)
	if err != nil {
		ch <- []string{}
	} else {
		ch <- urls
	}
}

func coordinator(ch chan []string, fetcher Fetcher) {
	n := 1
	fetched := make(map[string]bool)
	for urls := range ch {
		for _, u := range urls {
			if !fetched[u] {
				fetched[u] = true
				n++
				go worker(u, ch, fetcher)
			}
		}
		if n == 0 {
			break
		}
	}
}

func ConcurrentChannel(url string, fetcher Fetcher) {
	ch := make(chan []string)
	go func() {
		ch <- []string{url}
	}()
	coordinator(ch, fetcher)
}
