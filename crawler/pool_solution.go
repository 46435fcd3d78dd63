//go:build solution

package crawler

import "sync"

// ConcurrentPool crawls from url with a fixed pool of n workers, so that at
// most n fetches are ever in flight; n < 1 counts as 1.
//
// The calling goroutine coordinates, as in ConcurrentChannel: it alone owns
// the fetched map and a queue of URLs still to fetch. Workers take URLs from
// tasks and send each page's links back on results. The coordinator's select
// offers the next URL only while the queue has one (a send on a nil channel
// never fires), and receives results meanwhile, so neither side can block the
// other for good. When the queue is empty and no task is out, the crawl is
// done: closing tasks ends the workers, and Wait makes sure they have ended
// before ConcurrentPool returns.
func ConcurrentPool(url string, fetcher Fetcher, n int) {
	if n < 1 {
		n = 1
	}
	tasks := make(chan string)
	results := make(chan []string)
	var workers sync.WaitGroup
	for range n {
		workers.Go(func() {
			for u := range tasks {
				urls, err := fetcher.Fetch(u)
				if err != nil {
					urls = nil
				}
				results <- urls
			}
		})
	}

	fetched := map[string]bool{url: true}
	queue := []string{url}
	out := 0 // tasks sent whose results have not come back
	for len(queue) > 0 || out > 0 {
		var send chan string
		var next string
		if len(queue) > 0 {
			send, next = tasks, queue[0]
		}
		select {
		case send <- next:
			queue = queue[1:]
			out++
		case urls := <-results:
			out--
			for _, u := range urls {
				if !fetched[u] {
					fetched[u] = true
					queue = append(queue, u)
				}
			}
		}
	}
	close(tasks)
	workers.Wait()
}
