//go:build !solution

package session

import (
	"sync"
	"time"
)

// TimeoutHandler runs a callback once, a duration after it is registered,
// unless it is cancelled first (handout part A). Every method is called
// with the session's lock, mu, held, and the callback runs with mu held too.
// Add the fields you need.
type TimeoutHandler struct {
	mu       sync.Locker
	d        time.Duration
	callback func()
}

// NewTimeoutHandler returns a handler that runs callback, with mu held, d
// after each Register. It is not armed.
func NewTimeoutHandler(mu sync.Locker, d time.Duration, callback func()) *TimeoutHandler {
	return &TimeoutHandler{mu: mu, d: d, callback: callback}
}

// Register arms the handler: the callback runs d from now, with mu held. A
// registration still armed is cancelled first, so the callback runs once,
// d after the last Register. It is called with mu held, and the callback
// may call it (that is how a retry re-arms itself).
//
// The lecture's note: time.AfterFunc and Timer.Stop are not enough.
// Stop cannot stop a callback whose timer has already fired: its goroutine
// may be waiting for mu while Cancel holds it. That goroutine must check
// again, once it holds mu, whether it was cancelled, and if so return
// without calling the callback.
func (h *TimeoutHandler) Register() {
	panic("session: TimeoutHandler.Register is not implemented yet: write it in session/timeout.go (docs/session.md, part A)")
}

// Cancel disarms the handler: once it returns, the callback of no earlier
// Register starts (one already running is the caller itself: Cancel from
// the callback is allowed). It is called with mu held, from any goroutine,
// any number of times, and never blocks: the note's unbuffered cancel
// channel, read once, blocks the second Cancel for ever, with mu held. A
// cancelled registration leaves no goroutine behind: the goroutine that
// waits for its timer ends when Cancel returns, not when the timer would
// have fired.
func (h *TimeoutHandler) Cancel() {
	panic("session: TimeoutHandler.Cancel is not implemented yet: write it in session/timeout.go (docs/session.md, part A)")
}

// Armed reports whether a registration is armed: registered, and neither
// cancelled nor run (inside the callback, Armed is false until the
// callback calls Register). It is called with mu held.
func (h *TimeoutHandler) Armed() bool {
	panic("session: TimeoutHandler.Armed is not implemented yet: write it in session/timeout.go (docs/session.md, part A)")
}
