//go:build solution

package crawler

// worker fetches url and sends what it found to the coordinator: the page's
// links, or an empty list if the fetch failed. It sends exactly once, even on
// failure, because the coordinator counts one message per worker it started.
func worker(url string, ch chan []string, fetcher Fetcher) {
	urls, err := fetcher.Fetch(url)
	if err != nil {
		ch <- []string{}
	} else {
		ch <- urls
	}
}

// coordinator owns the fetched map: it is the only goroutine that touches it,
// so it needs no lock. It starts a worker for each new URL and counts the
// workers whose message it has not yet received in n; the message that
// seeded ch counts as the first. When n reaches zero no worker is left to
// send anything, and the crawl is done.
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
		n--
		if n == 0 {
			break
		}
	}
}

// ConcurrentChannel crawls from url with one worker goroutine per page and a
// coordinator that talks to them only over a channel.
func ConcurrentChannel(url string, fetcher Fetcher) {
	ch := make(chan []string)
	go func() {
		ch <- []string{url}
	}()
	coordinator(ch, fetcher)
}
