package labtest

import (
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"golabs/internal/gradehook"
)

// Stub reports whether v, a recovered panic, is a stub's: its message says
// the function is not implemented yet (gradehook.NotImplemented, which the
// grader looks for too). It returns the message.
func Stub(v any) (string, bool) {
	s := fmt.Sprint(v)
	return s, v != nil && strings.Contains(s, gradehook.NotImplemented)
}

// Try runs f and turns a panic into a failure of t that names what
// panicked. A stub's "not implemented" panic is reported as it is, without a
// stack. It reports whether f returned normally.
func Try(t testing.TB, what string, f func()) (ok bool) {
	t.Helper()
	defer func() {
		t.Helper()
		if v := recover(); v != nil {
			ok = false
			if s, ok := Stub(v); ok {
				t.Fatal(s)
			}
			t.Fatalf("%s panicked: %v\n\n%s", what, v, debug.Stack())
		}
	}()
	f()
	return true
}

// Within runs f in a new goroutine and waits at most d for it to return. If
// it does not, Within fails t, saying what hung, the likely cause, and
// where the goroutines running the code of the lab package in dir are
// blocked (see Goroutines). A panic in f fails t too. It reports whether f
// returned normally. Call it from the test's own goroutine.
func Within(t testing.TB, d time.Duration, dir, what, cause string, f func()) bool {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	select {
	case v := <-done:
		if v != nil {
			if s, ok := Stub(v); ok {
				t.Fatal(s)
			}
			t.Fatalf("%s panicked: %v", what, v)
		}
		return true
	case <-time.After(d):
		stacks := Goroutines(dir, 8)
		if stacks == "" {
			stacks = "(none in the lab's own code)"
		}
		t.Fatalf("%s did not return within %v.\nLikely cause: %s\n\nGoroutines running the lab's code:\n%s",
			what, d, cause, stacks)
		return false
	}
}
