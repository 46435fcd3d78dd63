//go:build solution

package session

import (
	"sync"
	"time"
)

// TimeoutHandler runs a callback once, a duration after it is registered,
// unless it is cancelled first (handout part A). The callback runs with the
// session's lock held, like every other event; Register and Cancel are
// called with it held too. That makes one order of all the session's
// events, and the one race left is the one the lecture's note tells of: the
// timer fires, and its goroutine waits for the lock while an event handler
// that holds it cancels the time-out. So the goroutine, once it has the
// lock, checks again whether it was cancelled.
//
// Each registration has a cancel channel with room for one signal, sent
// without blocking: a Cancel never waits, however many come, and a
// goroutine that has gone (fired, or cancelled before) is not waited for.
type TimeoutHandler struct {
	mu       sync.Locker
	d        time.Duration
	callback func()
	cancel   chan struct{} // the armed registration's; nil when none is armed
}

// NewTimeoutHandler returns a handler that runs callback, with mu held, d
// after each Register. It is not armed.
func NewTimeoutHandler(mu sync.Locker, d time.Duration, callback func()) *TimeoutHandler {
	return &TimeoutHandler{mu: mu, d: d, callback: callback}
}

// Register arms the handler: the callback runs d from now. A registration
// still armed is cancelled first, so the callback runs once, d after the
// last Register. Call it with mu held (the callback may call it: that is
// how a retry re-arms itself).
func (h *TimeoutHandler) Register() {
	h.Cancel()
	cancel := make(chan struct{}, 1)
	h.cancel = cancel
	timer := time.NewTimer(h.d)
	go func() {
		defer timer.Stop()
		select {
		case <-cancel:
			return
		case <-timer.C:
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		// The timer fired, but Cancel may have run while this goroutine
		// waited for the lock: check again, now that nothing can change.
		select {
		case <-cancel:
			return
		default:
		}
		h.cancel = nil
		h.callback()
	}()
}

// Cancel disarms the handler: once it returns, the callback of no earlier
// Register will start. It never blocks. Call it with mu held, from any
// goroutine, as often as you like, from the callback too.
func (h *TimeoutHandler) Cancel() {
	if h.cancel == nil {
		return
	}
	select {
	case h.cancel <- struct{}{}:
	default: // a cancel is already waiting to be read
	}
	h.cancel = nil
}

// Armed reports whether a registration is armed: registered, and neither
// fired nor cancelled. Call it with mu held.
func (h *TimeoutHandler) Armed() bool { return h.cancel != nil }
