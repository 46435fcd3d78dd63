package a

import "sync"

type fetchState struct {
	mu      sync.Mutex
	fetched map[string]bool
}

// The split testAndSet: check, unlock, lock, set.
func (fs *fetchState) split(url string) bool {
	fs.mu.Lock()
	r := fs.fetched[url]
	fs.mu.Unlock()

	fs.mu.Lock()
	fs.fetched[url] = true // want `fs.fetched is written in a critical section of fs.mu other than the one that checked it \(line 13\)`
	fs.mu.Unlock()
	return r
}

// The reference: one critical section.
func (fs *fetchState) testAndSet(url string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	r := fs.fetched[url]
	fs.fetched[url] = true
	return r
}

// Checked again under the second lock: correct.
func (fs *fetchState) recheck(url string, work func()) {
	fs.mu.Lock()
	seen := fs.fetched[url]
	fs.mu.Unlock()
	if seen {
		return
	}
	work()
	fs.mu.Lock()
	if !fs.fetched[url] {
		fs.fetched[url] = true
	}
	fs.mu.Unlock()
}

// A delete after a check in another section.
func (fs *fetchState) forget(url string) {
	fs.mu.Lock()
	ok := fs.fetched[url]
	fs.mu.Unlock()
	if ok {
		fs.mu.Lock()
		delete(fs.fetched, url) // want `fs.fetched is written in a critical section of fs.mu other than the one that checked it`
		fs.mu.Unlock()
	}
}

// Writes only, in two sections: nothing checked.
func (fs *fetchState) mark(a, b string) {
	fs.mu.Lock()
	fs.fetched[a] = true
	fs.mu.Unlock()
	fs.mu.Lock()
	fs.fetched[b] = true
	fs.mu.Unlock()
}

// A count read under one lock and raised under another with ++: the ++
// reads it again under the second lock, so no answer is acted on.
func (fs *fetchState) count(counts map[string]int, url string) int {
	fs.mu.Lock()
	n := counts[url]
	fs.mu.Unlock()
	fs.mu.Lock()
	counts[url]++
	fs.mu.Unlock()
	return n
}

// A value read under one lock and written back under another: a lost
// update.
func (fs *fetchState) bump(counts map[string]int, url string) {
	fs.mu.Lock()
	n := counts[url]
	fs.mu.Unlock()
	fs.mu.Lock()
	counts[url] = n + 1 // want `counts is written in a critical section of fs.mu other than the one that checked it`
	fs.mu.Unlock()
}
