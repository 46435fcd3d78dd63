package faultnet

import "time"

// SetCloseWait shortens how long Close waits for late copies, for a test
// that proves the wait is bounded. It returns a function that restores it.
func SetCloseWait(d time.Duration) (restore func()) {
	old := closeWait
	closeWait = d
	return func() { closeWait = old }
}
