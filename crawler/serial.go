//go:build !solution

package crawler

// Serial crawls depth-first from url and fetches every page reachable from
// it exactly once (handout part A).
//
// fetched is the crawl's memory: fetched[u] is true once u has been
// attempted. Mark a URL before you fetch it, so that a cycle that leads back
// to a page in progress stops at once. If Fetch returns an error, the page
// counts as attempted: do not fetch it again and follow none of its links,
// but go on with the rest of the crawl.
//
// Hint: a recursive function of a few lines. Lecture: "Serial crawler".
func Serial(url string, fetcher Fetcher, fetched map[string]bool) {
	panic("crawler: Serial is not implemented yet: write it in crawler/serial.go (docs/crawler.md, part A)")
}
