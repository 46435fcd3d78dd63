//go:build solution

// Mutant: a pool whose workers are never stopped: the task channel is never closed and nobody waits for the workers.
// Must fail: TestPoolFakeFetcher, TestPoolShapes, TestPoolLargeGraphs, TestPoolTerminates

package crawler

import "sync"

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
	_ = &workers
}
