//go:build solution

package crawler

// Serial crawls depth-first from url, fetching every page reachable from it
// exactly once. fetched holds the URLs already attempted: Serial marks a URL
// before fetching it, so a cycle back to a page in progress stops at once.
// A page whose fetch fails stays marked (it is not retried) and its links,
// having none, are not followed.
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
		Serial(u, fetcher, fetched)
	}
}
