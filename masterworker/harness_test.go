package masterworker

// This file is the shared test harness of Lab 5: the watchdog that turns a
// hang into a failure that says what was stuck, the goroutine-leak check,
// and servers on loopback listeners for the student's master and for push
// workers. Each part's tests add helpers of their own, in their own file.
// It is provided; do not edit it.

import (
	"fmt"
	"testing"
	"time"

	"golabs/internal/labtest"
)

// patience bounds how long a test waits for something a correct solution
// does in microseconds: a reply, a Close, an error from a dead connection.
// The margin is for a loaded machine.
const patience = 3 * time.Second

// try and within are the shared helpers of package labtest, for this package.
func try(t testing.TB, what string, f func()) bool { t.Helper(); return labtest.Try(t, what, f) }

func within(t testing.TB, d time.Duration, what, cause string, f func()) bool {
	t.Helper()
	return labtest.Within(t, d, ".", what, cause, f)
}

// noLeaks fails t if goroutines started during t are still running when it
// ends (see labtest.NoLeaks). Call it first in a test.
func noLeaks(t testing.TB, what, advice string) {
	t.Helper()
	labtest.NoLeaks(t, what, advice)
}

// newTasks returns n tasks of the pull design, IDs 1 to n.
func newTasks(n int) []Task {
	tasks := make([]Task, n)
	for i := range tasks {
		tasks[i] = Task{ID: i + 1, Data: fmt.Sprintf("task data %d", i+1)}
	}
	return tasks
}

// newTaskArgs returns n tasks of the push design, IDs 1 to n.
func newTaskArgs(n int) []TaskArgs {
	tasks := make([]TaskArgs, n)
	for i := range tasks {
		tasks[i] = TaskArgs{TaskID: i + 1, TaskData: fmt.Sprintf("task data %d", i+1)}
	}
	return tasks
}

// serve serves rcvr under name on a loopback listener, and stops the
// server when the test ends.
func serve(t testing.TB, name string, rcvr any) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0", name, rcvr)
	if err != nil {
		t.Fatalf("serving %s on a loopback port: %v", name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
