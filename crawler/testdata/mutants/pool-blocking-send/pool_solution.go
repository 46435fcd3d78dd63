//go:build solution

// Mutant: a coordinator that blocks sending a task while every worker blocks sending its result: a deadlock.
// Must fail: TestPoolShapes, TestPoolLargeGraphs, TestPoolBound

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
		if len(queue) > 0 {
			tasks <- queue[0]
			queue = queue[1:]
			out++
			continue
		}
		{
			urls := <-results
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
