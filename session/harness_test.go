package session

// This file is the shared test harness of Lab 6: the watchdog for student
// code, a synctest bubble that turns synctest's bare "deadlock" panic into a
// diagnosis, and a lock whose waiters synctest sees as blocked. Each part's
// tests add helpers of their own, in their own file. It is provided; do not
// edit it.

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"golabs/internal/labtest"
)

// patience bounds how long a test waits, in real time, for something a
// correct solution does in microseconds. The margin is for a loaded machine.
const patience = 3 * time.Second

// try is the shared helper of package labtest, for this package.
func try(t testing.TB, what string, f func()) bool { t.Helper(); return labtest.Try(t, what, f) }

// stacks returns where the goroutines running the lab's code are.
func stacks() string {
	if s := labtest.Goroutines(".", 8); s != "" {
		return s
	}
	return "(none in the lab's own code)"
}

// bubble runs f in a synctest bubble, where time is a fake clock that jumps
// ahead whenever every goroutine of the test is blocked: a 3-second retry
// costs no time. When f returns, every goroutine it started must have
// ended; one blocked for good (a deadlock) fails t with where it is blocked
// and advice, the likely cause, instead of synctest's bare panic.
func bubble(t *testing.T, advice string, f func(t *testing.T)) {
	t.Helper()
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if !strings.Contains(fmt.Sprint(v), "deadlock") {
			panic(v)
		}
		// synctest says whether the test had returned or was itself stuck.
		ended := !strings.Contains(fmt.Sprint(v), "all goroutines in bubble are blocked")
		when, at := "when the test ended, goroutines it had started were still blocked", "when the test ended"
		if !ended {
			when, at = "during the test, every goroutine, the test's own included, was blocked", "while the test itself waited"
		}
		if t.Failed() {
			t.Fatalf("(goroutines were also left blocked for good, %s: %v)\n\nGoroutines running the lab's code:\n%s", at, v, stacks())
		}
		t.Fatalf("%s, and nothing could ever wake them (synctest: %v).\nExpected: every goroutine ends once its "+
			"work is done, and none waits for another forever.\nLikely cause: %s\n\n"+
			"Goroutines running the lab's code:\n%s", when, v, advice, stacks())
	}()
	synctest.Test(t, f)
}

// chanLock is a sync.Locker made of a channel. A goroutine waiting for it
// is blocked on a channel, which synctest counts as blocked (a goroutine
// waiting for a sync.Mutex it does not: the fake clock would stop), so a
// test can hold the lock while a time-out fires, and see what the timer's
// goroutine does once it gets the lock.
type chanLock chan struct{}

func newChanLock() chanLock { return make(chanLock, 1) }

func (l chanLock) Lock()   { l <- struct{}{} }
func (l chanLock) Unlock() { <-l }
