//go:build solution

// Mutant: the coordinator marks URLs only after it has started workers for the whole list: a link twice on one page is fetched twice.
// Must fail: TestConcurrentChannelShapes

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
				n++
				go worker(u, ch, fetcher)
			}
		}
		for _, u := range urls {
			fetched[u] = true
		}
		n--
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
