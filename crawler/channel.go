//go:build !solution

package crawler

// worker fetches url and sends the links it found on ch (handout part C).
//
// It must send exactly one message per call, also when the fetch fails (then
// an empty list): the coordinator counts one message per worker it started
// and waits until it has them all.
func worker(url string, ch chan []string, fetcher Fetcher) {
	panic("crawler: worker is not implemented yet: write it in crawler/channel.go (docs/crawler.md, part C)")
}

// coordinator receives lists of URLs on ch and starts a worker for each URL
// it has not seen before (handout part C).
//
// It is the only goroutine that touches its fetched map, so it needs no lock.
// It knows it is done by counting: the number of workers (plus the first
// message, which seeds ch) whose message it has not yet received. When that
// count reaches zero, nobody is left to send, and it returns.
func coordinator(ch chan []string, fetcher Fetcher) {
	panic("crawler: coordinator is not implemented yet: write it in crawler/channel.go (docs/crawler.md, part C)")
}

// ConcurrentChannel crawls from url with workers and a coordinator that talk
// only over a channel (handout part C).
//
// Hint: make the channel, send []string{url} on it from a new goroutine (why
// not from this one?), and run the coordinator. Lecture: "Concurrent crawler
// with channels".
func ConcurrentChannel(url string, fetcher Fetcher) {
	panic("crawler: ConcurrentChannel is not implemented yet: write it in crawler/channel.go (docs/crawler.md, part C)")
}
