package masterworker

// The tests of part B: the pull master. They call the master's methods
// directly, as net/rpc would, with no network in between, in a
// testing/synctest bubble: time there is a fake clock that jumps ahead
// whenever every goroutine of the test is blocked, so a time-out of four
// seconds costs no time at all, and a test knows to the nanosecond when a
// task was handed out and when it went back to the queue. Every test ends
// by closing its masters and checking that their scanners have ended.
// Run them with:
//
//	go test -race -run '^TestMaster' ./masterworker/

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golabs/internal/labtest"
)

// mstTimeout is the time-out of the masters of most tests, on the bubble's
// fake clock: a task held longer goes back to the queue.
const mstTimeout = 4 * time.Second

// mstStuck bounds, in real time, how long a test's bubble may run. On the
// reference each one takes a fraction of a second; a bubble that runs
// longer is stuck where no fake time can help (goroutines waiting for each
// other's lock), or its fake clock runs for ever (a ticker that never
// stops), and the test binary is stopped with what the test had found.
const mstStuck = 10 * time.Second

// mstLockWait bounds, in real time, how long a test waits for the master's
// lock once a call of the master has been found waiting.
const mstLockWait = time.Second

// mstPulse is how often the watchdog, outside the bubble, offers the test a
// tick of real time.
const mstPulse = 10 * time.Millisecond

// mstLeakAdvice is what a test that leaves goroutines behind is told.
const mstLeakAdvice = "the scanner must end once every task is completed, or when Close is called " +
	"(docs/masterworker.md, part B)."

// mstBlockCause is the likely cause of a RequestTask that waits.
const mstBlockCause = "RequestTask waits for a task to become Idle: the lecture's `taskID, ok := " +
	"<-m.taskQueue` holds the worker's call until some task times out, or for ever. Receive without waiting " +
	"(a select with a default case), and when nothing is Idle reply at once with neither a task nor " +
	"NoMoreTasks: the worker asks again later (docs/masterworker.md, part B)."

// mstNewCause is the likely cause of a NewMaster that does not return.
const mstNewCause = "NewMaster waits, most likely to put a task ID in a full channel: the lecture's " +
	"queue, make(chan int, 100), has room for 100 IDs, and the 101st send waits for ever. Give the " +
	"channel room for every task (make(chan int, len(tasks))), or keep the queue in a slice " +
	"(docs/masterworker.md, part B)."

// mstWaitCause is the likely cause of another call of the master that waits.
const mstWaitCause = "the call waits: for the lock, held by a goroutine that waits for something else, or on " +
	"a channel that nothing will send on. Take mu only to read and change the state, and never wait for " +
	"anything while you hold it (docs/masterworker.md, part B)."

// --- The bubble ------------------------------------------------------------------

// mstEnv is one test's synctest bubble: the masters it made, which are
// closed when it ends, and what it has reported, for the message of a test
// that must stop the test binary.
type mstEnv struct {
	t       *testing.T    // the bubble's
	name    string        // the test's
	bubble  string        // the bubble's number, as goroutine dumps give it
	pulse   chan struct{} // made outside the bubble: a tick of real time
	masters []*mstMaster
	dead    bool // die has been called: the test binary stops

	mu       sync.Mutex // guards reported: the watchdog reads it
	reported []string
}

// mstMaster is a master a test made, with its time-out.
type mstMaster struct {
	m       *Master
	timeout time.Duration
	closed  bool // Close has been called
}

// mstPanic is a panic that a call of the master's code ended in.
type mstPanic struct {
	v     any
	stack []byte
}

// mstBubbleRE finds the bubble of a goroutine in the header of its dump.
var mstBubbleRE = regexp.MustCompile(`synctest bubble (\d+)`)

// mstBubble runs f in a synctest bubble. When f returns, or fails, every
// master it made is closed, a few time-outs pass, and no goroutine that
// the master started may be left: one still running fails the test and,
// because the bubble can then never end, stops the test binary with a
// message that says so. Goroutines of the test left blocked for good fail
// the test with where they are, instead of synctest's bare "deadlock"
// panic. A bubble still running after mstStuck of real time stops the test
// binary too.
func mstBubble(t *testing.T, f func(b *mstEnv)) {
	t.Helper()
	b := &mstEnv{name: t.Name(), pulse: make(chan struct{})}
	stop, watched := make(chan struct{}), make(chan struct{})
	go b.watch(stop, watched)
	defer func() {
		close(stop)
		<-watched
	}()
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if !strings.Contains(fmt.Sprint(v), "deadlock") {
			panic(v)
		}
		if t.Failed() {
			t.Fatalf("(when the test ended, goroutines were also left blocked for good: %v)\n\n"+
				"Goroutines running the lab's code:\n%s", v, mstStacks())
		}
		t.Fatalf("when the test ended, calls of the master it had made were still waiting, and nothing could "+
			"ever wake them (synctest: %v).\nExpected: every call of the master returns at once.\nLikely cause: %s"+
			"\n\nGoroutines running the lab's code:\n%s", v, mstWaitCause, mstStacks())
	}()
	synctest.Test(t, func(t *testing.T) {
		b.t = t
		b.bubble = mstBubbleID()
		defer b.cleanup()
		f(b)
	})
}

// watch is the watchdog, outside the bubble: it offers the test a pulse of
// real time every mstPulse, and stops the test binary if the bubble has
// not ended within mstStuck.
func (b *mstEnv) watch(stop <-chan struct{}, watched chan<- struct{}) {
	defer close(watched)
	tick := time.NewTicker(mstPulse)
	defer tick.Stop()
	stuck := time.NewTimer(mstStuck)
	defer stuck.Stop()
	for {
		select {
		case <-stop:
			return
		case <-stuck.C:
			panic(b.dying(fmt.Sprintf("%s has run for %v of real time, and its synctest bubble has not ended "+
				"(on the reference every test of part B takes a fraction of a second).\nLikely cause: goroutines "+
				"of the master wait for each other for ever, which no fake time can end: a lock held while waiting "+
				"on a channel (RequestTask receiving from the queue with mu held; Close waiting for the scanner "+
				"with mu held, while the scanner waits for mu); or a ticker or timer that is never stopped, so that "+
				"the fake clock runs for ever (docs/masterworker.md, part B).\n\nGoroutines running the lab's "+
				"code:\n%s", b.name, mstStuck, mstStacks())))
		case <-tick.C:
			select {
			case b.pulse <- struct{}{}:
			default:
			}
		}
	}
}

// cleanup closes the masters the test made, lets a few time-outs pass, and
// checks that no goroutine the masters started is left.
func (b *mstEnv) cleanup() {
	if b.dead {
		return // the bubble will not end: closing its masters could wait for ever
	}
	var longest time.Duration
	for _, e := range b.masters {
		longest = max(longest, e.timeout)
		if !e.closed {
			b.close(e.m, "Close, called when the test ended,")
		}
	}
	time.Sleep(3 * longest)
	synctest.Wait()
	b.mustEnd("when the test ended, its masters closed and 3 time-outs later")
}

// mustEnd stops the test, and the test binary, if a goroutine that the
// master started is still running: the bubble could never end. when says
// when, for the message.
func (b *mstEnv) mustEnd(when string) {
	b.t.Helper()
	lab, _ := b.goroutines()
	if lab == "" {
		return
	}
	b.die(fmt.Sprintf("%s, a goroutine the master started was still running.\nExpected: Close stops the "+
		"scanner, and Close returns once it has ended.\nLikely cause: the scanner's loop does not end when Close is "+
		"called: the lecture's `for range ticker.C` never ends. Let Close close a channel, and let the scanner "+
		"select on it and on the ticker, and return (docs/masterworker.md, part B).\n\n"+
		"Goroutines the master started:\n%s", when, lab))
}

// die fails the test with msg and stops the test binary, whose crash shows
// the message with all the test had reported: the test's bubble can never
// end.
func (b *mstEnv) die(msg string) {
	b.t.Helper()
	b.dead = true
	b.t.Error(msg)
	panic(b.dying(msg))
}

// dying is the message of a panic that stops the test binary.
func (b *mstEnv) dying(msg string) string {
	b.mu.Lock()
	before := strings.Join(b.reported, "\n\n")
	b.mu.Unlock()
	s := "masterworker: " + b.name + " cannot end, so it stops the test binary here (a synctest bubble ends " +
		"only once every goroutine in it has ended, and this one never will):\n\n" + msg
	if before != "" {
		s += "\n\nThe test had reported before:\n\n" + before
	}
	return s
}

// errorf fails the test and keeps the message, for dying.
func (b *mstEnv) errorf(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	b.mu.Lock()
	b.reported = append(b.reported, msg)
	b.mu.Unlock()
	b.t.Error(msg)
}

// fatalf is errorf that ends the test.
func (b *mstEnv) fatalf(format string, args ...any) {
	b.t.Helper()
	b.errorf(format, args...)
	b.t.FailNow()
}

// goroutines returns the dumps of the goroutines of this bubble running
// the lab's code: those the master started (lab), and the test's calls of
// the master that are still running (calls).
func (b *mstEnv) goroutines() (lab, calls string) {
	var ls, cs []string
	for _, g := range strings.Split(labtest.Goroutines(".", 100), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		m := mstBubbleRE.FindStringSubmatch(header)
		if !strings.HasPrefix(header, "goroutine ") || m == nil || m[1] != b.bubble {
			continue
		}
		if mstStartedByTest(g) {
			cs = append(cs, g)
		} else {
			ls = append(ls, g)
		}
	}
	return strings.Join(ls, "\n\n"), strings.Join(cs, "\n\n")
}

// mstStartedByTest reports whether goroutine dump g is of a goroutine that
// a test file started.
func mstStartedByTest(g string) bool {
	_, created, ok := strings.Cut(g, "\ncreated by ")
	if !ok {
		return false
	}
	lines := strings.SplitN(created, "\n", 3)
	return len(lines) > 1 && strings.Contains(lines[1], "_test.go")
}

// mstBubbleID returns the number of the caller's bubble.
func mstBubbleID() string {
	buf := make([]byte, 512)
	buf = buf[:runtime.Stack(buf, false)]
	header, _, _ := strings.Cut(string(buf), "\n")
	if m := mstBubbleRE.FindStringSubmatch(header); m != nil {
		return m[1]
	}
	return ""
}

// mstStacks returns the goroutines running the lab's code, for a message.
func mstStacks() string {
	if s := labtest.Goroutines(".", 8); s != "" {
		return s
	}
	return "(none in the lab's own code)"
}

// --- Calls of the master -------------------------------------------------------------

// async runs call in a goroutine of the bubble; the channel says how it
// ended: nil, or the panic.
func (b *mstEnv) async(call func()) <-chan *mstPanic {
	done := make(chan *mstPanic, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- &mstPanic{v, debug.Stack()}
				return
			}
			done <- nil
		}()
		call()
	}()
	return done
}

// failPanic fails the test because what panicked: a stub's panic is
// reported as it is.
func (b *mstEnv) failPanic(what string, p *mstPanic) {
	b.t.Helper()
	if s, ok := labtest.Stub(p.v); ok {
		b.fatalf("%s", s)
	}
	b.fatalf("%s panicked: %v\n\n%s", what, p.v, p.stack)
}

// now runs call, a call of m's code (m nil: of NewMaster), and waits until
// every goroutine of the bubble is blocked, the fake clock standing still:
// the call must have returned by then. what names the call, cause is the
// likely cause if it has not.
func (b *mstEnv) now(m *Master, what, cause string, call func()) {
	b.t.Helper()
	res := b.async(call)
	synctest.Wait()
	select {
	case p := <-res:
		if p != nil {
			b.failPanic(what, p)
		}
	default:
		b.waiting(m, what, cause, false)
	}
}

// waiting fails the test because what, a call of m's code, did not return
// at once; the test ends unless goOn. If the call holds m's lock, the test
// can never end: it stops the test binary.
func (b *mstEnv) waiting(m *Master, what, cause string, goOn bool) {
	b.t.Helper()
	msg := fmt.Sprintf("%s did not return at once: it was still waiting when every other goroutine of the test "+
		"was blocked too, the fake clock standing still.\nExpected: every method of the master answers at once, "+
		"from the state it keeps; none waits for something to happen.\nLikely cause: %s\n\nGoroutines running "+
		"the lab's code:\n%s", what, cause, mstStacks())
	if !b.lockFree(m) {
		b.die(msg + fmt.Sprintf("\n\nWhat is more, Done, called then, did not return within %v of real time: "+
			"the call that waits holds the master's lock, and every other call waits for it for ever. Never wait, "+
			"on a channel or on anything else, while you hold mu (docs/masterworker.md, part B).", mstLockWait))
	}
	if goOn {
		b.errorf("%s", msg)
		return
	}
	b.fatalf("%s", msg)
}

// lockFree reports whether m.Done returns within mstLockWait of real time,
// the fake clock standing still: whether m's lock is free.
func (b *mstEnv) lockFree(m *Master) bool {
	if m == nil {
		return true
	}
	res := b.async(func() { m.Done() })
	for waited := time.Duration(0); waited < mstLockWait; waited += mstPulse {
		select {
		case <-res:
			return true
		case <-b.pulse: // from outside the bubble: the fake clock does not move meanwhile
		}
	}
	return false
}

// newMaster calls NewMaster; the master is closed when the test ends.
func (b *mstEnv) newMaster(tasks []Task, timeout time.Duration) *Master {
	b.t.Helper()
	var m *Master
	b.now(nil, fmt.Sprintf("NewMaster with %d tasks", len(tasks)), mstNewCause, func() { m = NewMaster(tasks, timeout) })
	if m == nil {
		b.fatalf("NewMaster with %d tasks returned nil (docs/masterworker.md, part B)", len(tasks))
	}
	if timeout <= 0 {
		timeout = DefaultTaskTimeout
	}
	b.masters = append(b.masters, &mstMaster{m: m, timeout: timeout})
	return m
}

// entry returns the record of m.
func (b *mstEnv) entry(m *Master) *mstMaster {
	for _, e := range b.masters {
		if e.m == m {
			return e
		}
	}
	panic("masterworker: a master the test did not make with newMaster")
}

// close calls m.Close, which must return within two time-outs of the fake
// clock: the scanner may notice the Close at its next tick. what names the
// call. It reports whether Close returned.
func (b *mstEnv) close(m *Master, what string) bool {
	b.t.Helper()
	e := b.entry(m)
	e.closed = true
	res := b.async(m.Close)
	select {
	case p := <-res:
		if p == nil {
			return true
		}
		if s, ok := labtest.Stub(p.v); ok {
			b.errorf("%s", s)
		} else {
			b.errorf("%s panicked: %v\n\n%s\nLikely cause: Close closes a channel that is already closed; only "+
				"the first Close may close it (a flag, under mu, says whether it is done) (docs/masterworker.md, "+
				"part B).", what, p.v, p.stack)
		}
	case <-time.After(2 * e.timeout):
		b.errorf("%s did not return within 2 time-outs (%v on the test's fake clock).\nExpected: Close stops "+
			"the scanner and returns once it has ended, at once or at the scanner's next tick.\nLikely cause: the "+
			"scanner does not watch for Close (let Close close a channel, and the scanner select on it beside the "+
			"ticker), or Close waits for a signal that the scanner does not give when it ends "+
			"(docs/masterworker.md, part B).\n\nGoroutines running the lab's code:\n%s",
			what, 2*e.timeout, mstStacks())
	}
	return false
}

// request calls RequestTask for worker, which must return at once and with
// no error.
func (b *mstEnv) request(m *Master, worker string) RequestTaskReply {
	b.t.Helper()
	var (
		reply RequestTaskReply
		err   error
	)
	b.now(m, fmt.Sprintf("RequestTask from worker %s", worker), mstBlockCause, func() {
		err = m.RequestTask(&RequestTaskArgs{WorkerID: worker}, &reply)
	})
	if err != nil {
		b.fatalf("RequestTask from worker %s returned the error %v.\nExpected: nil: RequestTask always has an "+
			"answer, a task, NoMoreTasks, or neither (docs/masterworker.md, part B).", worker, err)
	}
	if reply.Task != nil && reply.NoMoreTasks {
		b.fatalf("RequestTask from worker %s replied with task %d and NoMoreTasks both.\nExpected: one answer: a "+
			"task, or NoMoreTasks, or neither (docs/masterworker.md, part B).", worker, reply.Task.ID)
	}
	if t := reply.Task; t != nil && t.Data != fmt.Sprintf("task data %d", t.ID) {
		b.fatalf("RequestTask from worker %s handed out task %d with the data %q; want %q, as NewMaster was given "+
			"it (docs/masterworker.md, part B).", worker, t.ID, t.Data, fmt.Sprintf("task data %d", t.ID))
	}
	return reply
}

// mstAnswer describes a reply of RequestTask.
func mstAnswer(r RequestTaskReply) string {
	switch {
	case r.Task != nil:
		return fmt.Sprintf("task %d", r.Task.ID)
	case r.NoMoreTasks:
		return "NoMoreTasks"
	}
	return "neither a task nor NoMoreTasks"
}

// submit calls SubmitTaskResult, which must return at once.
func (b *mstEnv) submit(m *Master, worker string, id int, result string) (SubmitTaskReply, error) {
	b.t.Helper()
	var (
		reply SubmitTaskReply
		err   error
	)
	b.now(m, fmt.Sprintf("SubmitTaskResult from worker %s for task %d", worker, id), mstWaitCause, func() {
		err = m.SubmitTaskResult(&SubmitTaskArgs{WorkerID: worker, TaskID: id, ResultData: result}, &reply)
	})
	return reply, err
}

// acked submits a result, which must be acknowledged with no error
// whatever becomes of it. kind says what the submission is.
func (b *mstEnv) acked(m *Master, worker string, id int, result, kind string) {
	b.t.Helper()
	reply, err := b.submit(m, worker, id, result)
	if err != nil || !reply.Acknowledged {
		b.fatalf("SubmitTaskResult from worker %s for task %d (%s) returned the error %v and Acknowledged %v.\n"+
			"Expected: no error, and Acknowledged true: every submission for a task the master knows is "+
			"acknowledged, kept or ignored; a worker can do nothing about a stale or duplicate result "+
			"(docs/masterworker.md, part B).", worker, id, kind, err, reply.Acknowledged)
	}
}

// done calls Done.
func (b *mstEnv) done(m *Master) bool {
	b.t.Helper()
	var d bool
	b.now(m, "Done", mstWaitCause, func() { d = m.Done() })
	return d
}

// results calls Results.
func (b *mstEnv) results(m *Master) map[int]string {
	b.t.Helper()
	var r map[int]string
	b.now(m, "Results", mstWaitCause, func() { r = m.Results() })
	return r
}

// wantResults fails the test if m's results are not want. when says when,
// cause is the likely cause.
func (b *mstEnv) wantResults(m *Master, want map[int]string, when, cause string) {
	b.t.Helper()
	if got := b.results(m); !maps.Equal(got, want) {
		b.fatalf("Results, %s, returned %s.\nExpected: %s: the first valid result of each completed task, and "+
			"nothing for the others.\nLikely cause: %s", when, mstMap(got), mstMap(want), cause)
	}
}

// mstMap prints a map of results in the order of the task IDs.
func mstMap(r map[int]string) string {
	if len(r) == 0 {
		return "no result"
	}
	var parts []string
	for _, id := range slices.Sorted(maps.Keys(r)) {
		parts = append(parts, fmt.Sprintf("%d: %q", id, r[id]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// mstSleepTo sleeps until start+d on the fake clock, and lets every goroutine
// that woke then (the scanner at a tick) finish what it does.
func mstSleepTo(start time.Time, d time.Duration) {
	time.Sleep(time.Until(start.Add(d)))
	synctest.Wait()
}

// --- B. The pull master ------------------------------------------------------------

// TestMasterHandsOutEachTaskOnce asks a new master with 5 tasks for tasks,
// 8 times, from 8 workers: the first 5 requests get the 5 tasks, each once,
// with their data; the other 3 get neither a task nor NoMoreTasks, at once:
// every task is in progress and none completed.
func TestMasterHandsOutEachTaskOnce(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	mstBubble(t, func(b *mstEnv) {
		const n, extra = 5, 3
		m := b.newMaster(newTasks(n), mstTimeout)
		if b.done(m) {
			b.fatalf("Done reported true for a new master with %d tasks, none of them completed.\nExpected: false "+
				"until every task is completed (docs/masterworker.md, part B).", n)
		}
		holder := make(map[int]string)
		for i := range n {
			w := fmt.Sprintf("w%d", i+1)
			r := b.request(m, w)
			if r.Task == nil {
				b.fatalf("request %d of a new master with %d tasks, from worker %s, got %s.\nExpected: a task: %d "+
					"of the %d tasks are still Idle, in the queue.\nLikely cause: the tasks are not all put in the "+
					"queue by NewMaster, or RequestTask looks at the wrong thing to decide (docs/masterworker.md, "+
					"part B).", i+1, n, w, mstAnswer(r), n-i, n)
			}
			id := r.Task.ID
			if id < 1 || id > n {
				b.fatalf("RequestTask from worker %s handed out task %d; the master's tasks are 1 to %d "+
					"(docs/masterworker.md, part B).", w, id, n)
			}
			if prev, ok := holder[id]; ok {
				b.fatalf("task %d was handed to worker %s, then to worker %s, with no time passing.\nExpected: an "+
					"Idle task goes to one worker: it leaves the queue and becomes InProgress, and no one else gets "+
					"it until it times out.\nLikely cause: the ID stays in the queue, or is put there again, or the "+
					"task's status is not checked or not set (docs/masterworker.md, part B).", id, prev, w)
			}
			holder[id] = w
		}
		for i := range extra {
			w := fmt.Sprintf("w%d", n+i+1)
			r := b.request(m, w)
			if r.Task != nil {
				b.fatalf("once all %d tasks were handed out, RequestTask from worker %s handed out task %d, held by "+
					"worker %s since the same instant.\nExpected: neither a task nor NoMoreTasks: nothing is Idle "+
					"(docs/masterworker.md, part B).", n, w, r.Task.ID, holder[r.Task.ID])
			}
			if r.NoMoreTasks {
				b.fatalf("once all %d tasks were handed out, none completed, RequestTask from worker %s replied "+
					"NoMoreTasks.\nExpected: neither a task nor NoMoreTasks: the queue is empty, but every task is "+
					"in progress, and one may time out and need a worker. NoMoreTasks means every task is "+
					"completed: a worker told so goes home for good.\nLikely cause: NoMoreTasks is decided from "+
					"the queue (empty, or the lecture's closed channel) instead of from the tasks' states "+
					"(docs/masterworker.md, part B).", n, w)
			}
		}
		if b.done(m) {
			b.fatalf("Done reported true with all %d tasks in progress, none completed (docs/masterworker.md, "+
				"part B).", n)
		}
	})
}

// TestMasterManyTasks makes a master with 500 tasks, more than the
// lecture's channel of 100 holds: NewMaster must return at once, and the
// 500 tasks are handed out, each once, and completed.
func TestMasterManyTasks(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	mstBubble(t, func(b *mstEnv) {
		const n = 500
		m := b.newMaster(newTasks(n), mstTimeout)
		seen := make(map[int]bool)
		for i := range n {
			w := fmt.Sprintf("w%d", i+1)
			r := b.request(m, w)
			if r.Task == nil {
				b.fatalf("request %d of a master with %d tasks got %s.\nExpected: a task: %d tasks are still Idle.\n"+
					"Likely cause: only the first tasks went into the queue (a channel too small, filled with a "+
					"select that drops what does not fit?) (docs/masterworker.md, part B).", i+1, n, mstAnswer(r), n-i)
			}
			if seen[r.Task.ID] || r.Task.ID < 1 || r.Task.ID > n {
				b.fatalf("request %d of a master with %d tasks got task %d, which is not one of the tasks not yet "+
					"handed out (docs/masterworker.md, part B).", i+1, n, r.Task.ID)
			}
			seen[r.Task.ID] = true
		}
		if r := b.request(m, "w0"); r.Task != nil || r.NoMoreTasks {
			b.fatalf("with all %d tasks handed out, none completed, RequestTask got %s; want neither a task nor "+
				"NoMoreTasks (docs/masterworker.md, part B).", n, mstAnswer(r))
		}
		for id := 1; id <= n; id++ {
			b.acked(m, fmt.Sprintf("w%d", id), id, fmt.Sprintf("result %d", id), "a valid result")
		}
		if !b.done(m) {
			b.fatalf("Done reported false once all %d tasks were completed (docs/masterworker.md, part B).", n)
		}
		if got := b.results(m); len(got) != n {
			b.fatalf("Results returned %d results once all %d tasks were completed; want %d "+
				"(docs/masterworker.md, part B).", len(got), n, n)
		}
	})
}

// TestMasterRequestNeverBlocks asks for a task while both tasks of the
// master are in progress: RequestTask must answer at once, with neither a
// task nor NoMoreTasks, every time. The lecture's RequestTask receives from
// the queue and holds the worker's call until a task times out.
func TestMasterRequestNeverBlocks(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	mstBubble(t, func(b *mstEnv) {
		m := b.newMaster(newTasks(2), mstTimeout)
		t1 := b.request(m, "w1")
		t2 := b.request(m, "w2")
		if t1.Task == nil || t2.Task == nil {
			b.fatalf("the first two requests of a new master with 2 tasks got %s and %s; want a task each "+
				"(docs/masterworker.md, part B).", mstAnswer(t1), mstAnswer(t2))
		}

		var (
			reply RequestTaskReply
			err   error
		)
		res := b.async(func() { err = m.RequestTask(&RequestTaskArgs{WorkerID: "w3"}, &reply) })
		synctest.Wait()
		select {
		case p := <-res:
			if p != nil {
				b.failPanic("RequestTask from worker w3", p)
			}
		default:
			b.waiting(m, "RequestTask from worker w3, both tasks in progress (held by w1 and w2),",
				mstBlockCause, true)
			// Free it: a time-out puts a task back in the queue, and the call takes it.
			time.Sleep(2 * mstTimeout)
			synctest.Wait()
			return
		}
		if err != nil || reply.Task != nil || reply.NoMoreTasks {
			cause := "a task in progress was handed out again, or RequestTask failed"
			if reply.NoMoreTasks {
				cause = "NoMoreTasks is decided from the queue (empty, or the lecture's closed channel), not from " +
					"the tasks' states: a task in progress may time out and need a worker, and a worker told " +
					"NoMoreTasks goes home for good"
			}
			b.fatalf("RequestTask from worker w3, both tasks in progress (held by w1 and w2), returned %s and the "+
				"error %v.\nExpected: neither a task nor NoMoreTasks, and no error: nothing is Idle now; ask again "+
				"later.\nLikely cause: %s (docs/masterworker.md, part B).", mstAnswer(reply), err, cause)
		}
		for i := range 3 {
			if r := b.request(m, fmt.Sprintf("w%d", 4+i)); r.Task != nil || r.NoMoreTasks {
				b.fatalf("RequestTask from worker w%d, both tasks in progress, got %s; want neither a task nor "+
					"NoMoreTasks (docs/masterworker.md, part B).", 4+i, mstAnswer(r))
			}
		}
		b.acked(m, "w1", t1.Task.ID, "result 1", "a valid result")
		if r := b.request(m, "w7"); r.Task != nil || r.NoMoreTasks {
			b.fatalf("RequestTask, one task completed and the other in progress, got %s; want neither a task nor "+
				"NoMoreTasks (docs/masterworker.md, part B).", mstAnswer(r))
		}
	})
}

// TestMasterTimeout hands out both tasks of a master; the first is
// completed at once, the second held. The held task must not go back to
// the queue before its time-out, and must by one and a half time-outs;
// then another worker gets it, and its time starts again: it is not taken
// from that worker before a full time-out, and then it is. The completed
// task never goes back. The time-out is the one given to NewMaster, or
// DefaultTaskTimeout for 0 or less.
func TestMasterTimeout(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	for _, c := range []struct {
		name         string
		given, after time.Duration
	}{
		{"given time-out", mstTimeout, mstTimeout},
		{"time-out 0", 0, DefaultTaskTimeout},
		{"negative time-out", -time.Second, DefaultTaskTimeout},
	} {
		ok := t.Run(c.name, func(t *testing.T) {
			mstBubble(t, func(b *mstEnv) { mstTimeouts(b, c.given, c.after) })
		})
		if !ok {
			return
		}
	}
}

// mstTimeouts is a case of TestMasterTimeout: a master made with time-out
// given, whose tasks time out after to.
func mstTimeouts(b *mstEnv, given, to time.Duration) {
	m := b.newMaster(newTasks(2), given)
	start := time.Now()
	r1, r2 := b.request(m, "w1"), b.request(m, "w2")
	if r1.Task == nil || r2.Task == nil {
		b.fatalf("the first two requests of a new master with 2 tasks got %s and %s; want a task each "+
			"(docs/masterworker.md, part B).", mstAnswer(r1), mstAnswer(r2))
	}
	done, held := r1.Task.ID, r2.Task.ID
	b.acked(m, "w1", done, "result of w1", "a valid result")
	timeout := fmt.Sprintf("the time-out (%v)", to)
	if given != to {
		timeout = fmt.Sprintf("the time-out (%v: DefaultTaskTimeout, for NewMaster was given %v)", to, given)
	}

	early := "the scanner compares the time a task has been held with something shorter than " + timeout +
		", or re-queues every task in progress at each tick, or the time-out given to NewMaster is not the " +
		"one used (docs/masterworker.md, part B)."
	completed := fmt.Sprintf("task %d, completed by worker w1 at the start, was handed out again, to worker %%s, "+
		"at %%v.\nExpected: a completed task never goes back to the queue.\nLikely cause: the scanner re-queues "+
		"every task handed out more than a time-out ago, whatever its status; only an InProgress one may go back "+
		"(docs/masterworker.md, part B).", done)

	// Just before the time-out: nothing to hand out.
	mstSleepTo(start, to-time.Millisecond)
	if r := b.request(m, "w3"); r.Task != nil {
		if r.Task.ID == done {
			b.fatalf(completed, "w3", time.Since(start))
		}
		b.fatalf("task %d, handed to worker w2 at the start, was handed to worker w3 %v later, before %s had "+
			"passed.\nExpected: a task goes back to the queue only once it has been held longer than the time-out."+
			"\nLikely cause: %s", held, time.Since(start), timeout, early)
	}

	// By one and a half time-outs, the held task is back, and goes to another worker.
	mstSleepTo(start, to+to/2)
	r := b.request(m, "w3")
	switch {
	case r.Task == nil:
		b.fatalf("task %d, handed to worker w2 at the start and never completed, was not handed out again %v "+
			"later (1.5 times %s): RequestTask from worker w3 got %s.\nExpected: the scanner puts a task held "+
			"longer than the time-out back in the queue, at the latest half a time-out later.\nLikely cause: the "+
			"scanner does not run, or does not re-queue (it must set the task Idle AND put its ID back in the "+
			"queue), or it looks too seldom: every quarter time-out, with a time.Ticker (docs/masterworker.md, "+
			"part B).", held, time.Since(start), timeout, mstAnswer(r))
	case r.Task.ID == done:
		b.fatalf(completed, "w3", time.Since(start))
	}
	again := time.Now()
	if r := b.request(m, "w4"); r.Task != nil {
		b.fatalf(completed, "w4", time.Since(start))
	}

	// The new holder's time starts when it got the task.
	mstSleepTo(again, to-time.Millisecond)
	if r := b.request(m, "w4"); r.Task != nil {
		if r.Task.ID == done {
			b.fatalf(completed, "w4", time.Since(start))
		}
		b.fatalf("task %d, handed to worker w3 at %v (after w2's time-out), was handed to worker w4 at %v, only "+
			"%v later, before %s had passed.\nExpected: when a task is handed out again, its time starts again: "+
			"no task goes to two workers less than a time-out apart.\nLikely cause: RequestTask does not set the "+
			"task's start time every time it hands it out (only the first time?), so the scanner measures the "+
			"second holder's time from the first hand-out (docs/masterworker.md, part B).",
			held, again.Sub(start), time.Since(start), time.Since(again), timeout)
	}
	mstSleepTo(again, to+to/2)
	if r := b.request(m, "w4"); r.Task == nil || r.Task.ID != held {
		b.fatalf("task %d, handed to worker w3 at %v (after w2's time-out) and never completed, was not handed out "+
			"again 1.5 time-outs later: RequestTask from worker w4 got %s.\nExpected: a task handed out again "+
			"times out again (docs/masterworker.md, part B).", held, again.Sub(start), mstAnswer(r))
	}
}

// TestMasterStaleSubmission submits results that come too late, in both
// ways: the task timed out and is Idle, waiting for a worker; or it timed
// out and another worker holds it now. Both are acknowledged and ignored,
// and the task is still done, by the worker that holds it.
func TestMasterStaleSubmission(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	stale := "SubmitTaskResult keeps a result without checking that the task is InProgress and held by the " +
		"worker that submits it. A worker that has held its task longer than the time-out has lost it, though it " +
		"does not know: its result is stale (docs/masterworker.md, part B)."
	if !t.Run("idle", func(t *testing.T) {
		mstBubble(t, func(b *mstEnv) {
			m := b.newMaster(newTasks(1), mstTimeout)
			start := time.Now()
			if r := b.request(m, "w1"); r.Task == nil || r.Task.ID != 1 {
				b.fatalf("the first request of a new master with 1 task got %s; want task 1 "+
					"(docs/masterworker.md, part B).", mstAnswer(r))
			}
			mstSleepTo(start, 2*mstTimeout)
			b.acked(m, "w1", 1, "late result of w1", "a stale result: the task timed out and is Idle")
			if b.done(m) {
				b.fatalf("Done reported true after worker w1 submitted task 1 two time-outs after it got it: the task "+
					"had timed out, and was Idle, in the queue.\nExpected: the stale result is ignored; the task "+
					"stays Idle and goes to the next worker that asks.\nLikely cause: %s", stale)
			}
			b.wantResults(m, map[int]string{}, "after a stale result for an Idle task", stale)
			if r := b.request(m, "w2"); r.Task == nil || r.Task.ID != 1 {
				cause := stale
				if !r.NoMoreTasks {
					cause = "the task timed out but was not put back in the queue: a timed-out task must be set " +
						"Idle AND its ID sent to the queue again (TestMasterTimeout says more) (docs/masterworker.md, " +
						"part B)."
				}
				b.fatalf("after worker w1's stale result for task 1, which had timed out and was Idle, RequestTask "+
					"from worker w2 got %s.\nExpected: task 1: the stale result was ignored, and the task is still "+
					"waiting for a worker.\nLikely cause: %s", mstAnswer(r), cause)
			}
			b.acked(m, "w2", 1, "result of w2", "a valid result")
			if !b.done(m) {
				b.fatalf("Done reported false after worker w2, which held task 1, submitted it: it was the only task " +
					"(docs/masterworker.md, part B).")
			}
			b.wantResults(m, map[int]string{1: "result of w2"}, "after w2's valid result", stale)
		})
	}) {
		return
	}
	t.Run("held by another", func(t *testing.T) {
		mstBubble(t, func(b *mstEnv) {
			m := b.newMaster(newTasks(1), mstTimeout)
			start := time.Now()
			b.request(m, "w1")
			mstSleepTo(start, 2*mstTimeout)
			if r := b.request(m, "w2"); r.Task == nil || r.Task.ID != 1 {
				b.fatalf("two time-outs after worker w1 got task 1, the only task, RequestTask from worker w2 got "+
					"%s; want task 1, timed out (docs/masterworker.md, part B).", mstAnswer(r))
			}
			b.acked(m, "w1", 1, "late result of w1", "a stale result: the task timed out and w2 holds it")
			if b.done(m) {
				b.fatalf("Done reported true after worker w1 submitted task 1 two time-outs after it got it: the task " +
					"had timed out and worker w2 held it.\nExpected: the stale result is ignored; the task stays " +
					"w2's.\nLikely cause: SubmitTaskResult keeps a result for an InProgress task without checking " +
					"that the worker submitting it is the one holding it (docs/masterworker.md, part B).")
			}
			if r := b.request(m, "w3"); r.Task != nil || r.NoMoreTasks {
				b.fatalf("after worker w1's stale result for task 1, which worker w2 held, RequestTask got %s; want "+
					"neither a task nor NoMoreTasks: task 1 is still in progress, w2's (docs/masterworker.md, "+
					"part B).", mstAnswer(r))
			}
			b.acked(m, "w2", 1, "result of w2", "a valid result")
			b.wantResults(m, map[int]string{1: "result of w2"}, "after w1's stale result and w2's valid one",
				"SubmitTaskResult kept a result from a worker that no longer held the task: keep only the holder's "+
					"(docs/masterworker.md, part B).")
			if !b.done(m) {
				b.fatalf("Done reported false after worker w2, which held task 1, submitted it: it was the only task " +
					"(docs/masterworker.md, part B).")
			}
		})
	})
}

// TestMasterDuplicateSubmission submits a task's result twice, from its
// holder, while the other task is in progress; and again from its holder
// and from a worker that lost it, once both are completed. Each duplicate
// is acknowledged and ignored: the first result stays, and it counts once.
func TestMasterDuplicateSubmission(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	mstBubble(t, func(b *mstEnv) {
		m := b.newMaster(newTasks(2), mstTimeout)
		r1, r2 := b.request(m, "w1"), b.request(m, "w2")
		if r1.Task == nil || r2.Task == nil {
			b.fatalf("the first two requests of a new master with 2 tasks got %s and %s; want a task each "+
				"(docs/masterworker.md, part B).", mstAnswer(r1), mstAnswer(r2))
		}
		a, c := r1.Task.ID, r2.Task.ID
		b.acked(m, "w1", a, "first result of w1", "a valid result")
		b.acked(m, "w1", a, "second result of w1", "a duplicate: w1 already submitted the task")
		if b.done(m) {
			b.fatalf("Done reported true after worker w1 submitted task %d twice, while task %d was in progress "+
				"(held by worker w2).\nExpected: false: a duplicate is ignored; it does not count as a second "+
				"completed task.\nLikely cause: SubmitTaskResult counts every submission from the holder, without "+
				"checking that the task is not Completed already (docs/masterworker.md, part B).", a, c)
		}
		if r := b.request(m, "w3"); r.Task != nil || r.NoMoreTasks {
			b.fatalf("after worker w1 submitted task %d twice, task %d in progress, RequestTask got %s; want neither "+
				"a task nor NoMoreTasks.\nLikely cause: the duplicate counted as a completed task "+
				"(docs/masterworker.md, part B).", a, c, mstAnswer(r))
		}
		overwrite := "SubmitTaskResult stores the result of a task that is Completed already: the first valid " +
			"result must stay (docs/masterworker.md, part B)."
		b.wantResults(m, map[int]string{a: "first result of w1"}, "after worker w1 submitted the same task twice",
			overwrite)

		b.acked(m, "w2", c, "first result of w2", "a valid result")
		if !b.done(m) {
			b.fatalf("Done reported false once both tasks were completed (docs/masterworker.md, part B).")
		}
		b.acked(m, "w2", c, "second result of w2", "a duplicate: the task is completed")
		b.acked(m, "w1", c, "result of w1", "a duplicate from a worker that never held the task")
		b.acked(m, "w1", a, "third result of w1", "a duplicate: the task is completed")
		b.wantResults(m, map[int]string{a: "first result of w1", c: "first result of w2"},
			"after duplicates of completed tasks", overwrite)
	})
}

// TestMasterNoMoreTasks completes a master's tasks one by one: RequestTask
// says NoMoreTasks not before every task is completed, though the queue is
// empty while the last one is in progress; then it says NoMoreTasks to every
// worker, every time, also long after. A master with no task is done at once.
func TestMasterNoMoreTasks(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	if !t.Run("three tasks", func(t *testing.T) {
		mstBubble(t, func(b *mstEnv) {
			m := b.newMaster(newTasks(3), mstTimeout)
			var ids []int
			for _, w := range []string{"w1", "w2", "w3"} {
				r := b.request(m, w)
				if r.Task == nil {
					b.fatalf("a request of a new master with 3 tasks, from worker %s, got %s; want a task "+
						"(docs/masterworker.md, part B).", w, mstAnswer(r))
				}
				ids = append(ids, r.Task.ID)
			}
			b.acked(m, "w1", ids[0], "result 1", "a valid result")
			b.acked(m, "w2", ids[1], "result 2", "a valid result")
			if r := b.request(m, "w4"); r.NoMoreTasks || r.Task != nil {
				b.fatalf("with 2 of 3 tasks completed and the third in progress (held by worker w3), RequestTask "+
					"from worker w4 got %s.\nExpected: neither a task nor NoMoreTasks: the queue is empty, but the "+
					"task in progress may time out and need a worker, and a worker told NoMoreTasks goes home for "+
					"good.\nLikely cause: NoMoreTasks is decided from the queue (empty, or the lecture's closed "+
					"channel), not from the tasks' states: say it only once every task is Completed "+
					"(docs/masterworker.md, part B).", mstAnswer(r))
			}
			if b.done(m) {
				b.fatalf("Done reported true with 2 of 3 tasks completed (docs/masterworker.md, part B).")
			}
			b.acked(m, "w3", ids[2], "result 3", "a valid result")
			if !b.done(m) {
				b.fatalf("Done reported false once all 3 tasks were completed (docs/masterworker.md, part B).")
			}
			start := time.Now()
			for round, d := range []time.Duration{0, 0, 3 * mstTimeout} {
				mstSleepTo(start, d)
				for _, w := range []string{"w1", "w2", "w3", "w4", "w5"} {
					if r := b.request(m, w); !r.NoMoreTasks {
						b.fatalf("%v after all 3 tasks were completed, RequestTask from worker %s (round %d of 3) "+
							"got %s.\nExpected: NoMoreTasks, to every worker that asks, every time.\nLikely cause: "+
							"NoMoreTasks is told once (the lecture's closed channel says it to every receiver, but a "+
							"queue emptied says nothing), or the answer depends on the scanner, which has ended "+
							"(docs/masterworker.md, part B).", time.Since(start), w, round+1, mstAnswer(r))
					}
				}
			}
			b.wantResults(m, map[int]string{ids[0]: "result 1", ids[1]: "result 2", ids[2]: "result 3"},
				"once all 3 tasks were completed", "the result kept is not the one submitted "+
					"(docs/masterworker.md, part B).")
		})
	}) {
		return
	}
	t.Run("no tasks", func(t *testing.T) {
		mstBubble(t, func(b *mstEnv) {
			m := b.newMaster(nil, mstTimeout)
			if !b.done(m) {
				b.fatalf("Done reported false for a master with no tasks.\nExpected: true at once: every one of " +
					"its 0 tasks is completed (docs/masterworker.md, part B).")
			}
			if r := b.request(m, "w1"); !r.NoMoreTasks {
				b.fatalf("RequestTask of a master with no tasks got %s.\nExpected: NoMoreTasks at once "+
					"(docs/masterworker.md, part B).", mstAnswer(r))
			}
			if got := b.results(m); len(got) != 0 {
				b.fatalf("Results of a master with no tasks returned %s; want no result (docs/masterworker.md, "+
					"part B).", mstMap(got))
			}
		})
	})
}

// TestMasterResults checks Results: the results of the completed tasks
// only, the first valid one of each; and a new map each time, which the
// caller may change without changing the master's.
func TestMasterResults(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	mstBubble(t, func(b *mstEnv) {
		m := b.newMaster(newTasks(3), mstTimeout)
		b.wantResults(m, map[int]string{}, "of a new master", "Results returns the tasks that are not completed too "+
			"(docs/masterworker.md, part B).")
		var ids []int
		for _, w := range []string{"w1", "w2", "w3"} {
			r := b.request(m, w)
			if r.Task == nil {
				b.fatalf("a request of a new master with 3 tasks got %s; want a task (docs/masterworker.md, "+
					"part B).", mstAnswer(r))
			}
			ids = append(ids, r.Task.ID)
		}
		b.acked(m, "w1", ids[0], "result of w1", "a valid result")
		b.acked(m, "w3", ids[2], "result of w3", "a valid result")
		want := map[int]string{ids[0]: "result of w1", ids[2]: "result of w3"}
		b.wantResults(m, want, "with 2 of 3 tasks completed", "Results must return the result of each "+
			"Completed task, and no entry for a task still in progress (docs/masterworker.md, part B).")

		got := b.results(m)
		got[ids[0]] = "changed by the caller"
		delete(got, ids[2])
		got[ids[1]] = "added by the caller"
		b.wantResults(m, want, "after the caller changed the map an earlier call had returned", "Results returns "+
			"the master's own map: a caller that changes it changes the master's results, and reads it without the "+
			"lock while the master writes it. Return a new map, a copy made under mu (docs/masterworker.md, part B).")
	})
}

// TestMasterUnknownTask submits results for task IDs the master does not
// know: SubmitTaskResult returns an error, and nothing changes.
func TestMasterUnknownTask(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	mstBubble(t, func(b *mstEnv) {
		m := b.newMaster(newTasks(2), mstTimeout)
		r := b.request(m, "w1")
		if r.Task == nil {
			b.fatalf("the first request of a new master with 2 tasks got %s; want a task (docs/masterworker.md, "+
				"part B).", mstAnswer(r))
		}
		for _, id := range []int{3, 0, -1} {
			_, err := b.submit(m, "w1", id, "result of a task that does not exist")
			if err == nil {
				b.fatalf("SubmitTaskResult from worker w1 for task %d, of a master whose tasks are 1 and 2, returned "+
					"no error.\nExpected: an error: the master knows no such task, so the worker (or the caller) "+
					"has a bug, and should be told (docs/masterworker.md, part B).", id)
			}
		}
		if b.done(m) {
			b.fatalf("Done reported true after results for unknown tasks, the master's 2 tasks not completed " +
				"(docs/masterworker.md, part B).")
		}
		b.wantResults(m, map[int]string{}, "after results for unknown tasks only", "a result for a task the "+
			"master does not know is kept (docs/masterworker.md, part B).")
	})
}

// TestMasterClose closes a master with a task completed, two in progress
// and one Idle: Close returns once the scanner has ended; RequestTask says
// NoMoreTasks from then on; Close may be called again; time passes, the
// tasks in progress expire, and nothing happens (the lecture's scanner
// sends on a channel that may have been closed, and panics); a result
// submitted after Close is still kept.
func TestMasterClose(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	mstBubble(t, func(b *mstEnv) {
		m := b.newMaster(newTasks(4), mstTimeout)
		start := time.Now()
		var ids []int
		for _, w := range []string{"w1", "w2", "w3"} {
			r := b.request(m, w)
			if r.Task == nil {
				b.fatalf("a request of a new master with 4 tasks got %s; want a task (docs/masterworker.md, "+
					"part B).", mstAnswer(r))
			}
			ids = append(ids, r.Task.ID)
		}
		b.acked(m, "w2", ids[1], "result of w2", "a valid result")
		// w1 and w3 hold a task each; the fourth task is Idle.
		mstSleepTo(start, mstTimeout/2)
		if !b.close(m, "Close, with 1 task completed, 2 in progress and 1 Idle,") {
			b.t.FailNow()
		}
		synctest.Wait()
		if lab, _ := b.goroutines(); lab != "" {
			b.errorf("Close returned while a goroutine the master started was still running.\nExpected: Close "+
				"stops the scanner and returns once it has ended, so that nothing of the master runs on.\nLikely "+
				"cause: Close only tells the scanner to stop (a flag, a channel closed) and returns without waiting "+
				"for it: let the scanner close a channel of its own when it returns, and Close wait for it "+
				"(docs/masterworker.md, part B).\n\nGoroutines the master started:\n%s", lab)
		}
		for _, w := range []string{"w4", "w5", "w1"} {
			if r := b.request(m, w); !r.NoMoreTasks {
				b.fatalf("after Close, RequestTask from worker %s got %s.\nExpected: NoMoreTasks: the master is "+
					"closed, and its workers go home, though tasks are left (docs/masterworker.md, part B).",
					w, mstAnswer(r))
			}
		}
		if !b.close(m, "a second Close") {
			b.t.FailNow()
		}
		// The tasks in progress expire: a scanner still running would re-queue them.
		mstSleepTo(start, 3*mstTimeout)
		b.mustEnd("3 time-outs after Close had returned")
		if r := b.request(m, "w6"); !r.NoMoreTasks {
			b.fatalf("3 time-outs after Close, RequestTask got %s; want NoMoreTasks (docs/masterworker.md, part B).",
				mstAnswer(r))
		}
		b.acked(m, "w1", ids[0], "result of w1, after Close", "a result after Close, from the task's holder")
		b.wantResults(m, map[int]string{ids[0]: "result of w1, after Close", ids[1]: "result of w2"},
			"after Close and a result from the worker holding a task", "a result submitted after Close must still "+
				"be kept, if it comes from the task's holder: Close stops the scanner and sends the workers home, "+
				"nothing else (docs/masterworker.md, part B).")
		if b.done(m) {
			b.fatalf("Done reported true after Close, with 2 of 4 tasks completed.\nExpected: false: Done says " +
				"whether every task is completed, closed or not (docs/masterworker.md, part B).")
		}
	})
}

// TestMasterScannerEnds completes every task of a master and lets two
// time-outs pass, without Close: the scanner must have ended by itself. In
// the second case a task timed out and was done by a second worker first;
// in the third the master has no tasks at all.
func TestMasterScannerEnds(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	check := func(b *mstEnv, m *Master, what string) {
		b.t.Helper()
		if !b.done(m) {
			b.fatalf("Done reported false once %s (docs/masterworker.md, part B).", what)
		}
		time.Sleep(2 * mstTimeout)
		synctest.Wait()
		if lab, _ := b.goroutines(); lab != "" {
			b.errorf("2 time-outs after %s, with no Close, a goroutine the master started was still running.\n"+
				"Expected: the scanner ends by itself once every task is completed: there is nothing left to "+
				"time out.\nLikely cause: the scanner's loop checks only for Close; at each tick, check whether "+
				"every task is completed, and return if so (docs/masterworker.md, part B).\n\n"+
				"Goroutines the master started:\n%s", what, lab)
		}
	}
	cases := []struct {
		name string
		f    func(b *mstEnv)
	}{
		{"all completed", func(b *mstEnv) {
			m := b.newMaster(newTasks(3), mstTimeout)
			for _, w := range []string{"w1", "w2", "w3"} {
				if r := b.request(m, w); r.Task != nil {
					b.acked(m, w, r.Task.ID, "result of "+w, "a valid result")
				}
			}
			check(b, m, "its 3 tasks were completed")
		}},
		{"after a time-out", func(b *mstEnv) {
			m := b.newMaster(newTasks(2), mstTimeout)
			start := time.Now()
			r1, r2 := b.request(m, "w1"), b.request(m, "w2")
			if r1.Task == nil || r2.Task == nil {
				b.fatalf("the first two requests of a new master with 2 tasks got %s and %s; want a task each "+
					"(docs/masterworker.md, part B).", mstAnswer(r1), mstAnswer(r2))
			}
			b.acked(m, "w2", r2.Task.ID, "result of w2", "a valid result")
			mstSleepTo(start, 2*mstTimeout)
			if r := b.request(m, "w3"); r.Task != nil {
				b.acked(m, "w3", r.Task.ID, "result of w3", "a valid result")
			}
			check(b, m, "its 2 tasks were completed, one of them by a second worker after a time-out")
		}},
		{"no tasks", func(b *mstEnv) {
			m := b.newMaster(nil, mstTimeout)
			check(b, m, "a master with no tasks was made")
		}},
	}
	for _, c := range cases {
		if !t.Run(c.name, func(t *testing.T) { mstBubble(t, c.f) }) {
			return
		}
	}
}

// --- Many workers at once ----------------------------------------------------------

// mstHandout is one hand-out of a task, in TestMasterConcurrent.
type mstHandout struct {
	task   int
	worker string
	at     time.Time
	result string // what the worker submits for it, if it does
}

// mstRun is the record of TestMasterConcurrent: every hand-out, when each
// result was submitted, and when NoMoreTasks came, in one order of events.
type mstRun struct {
	mu        sync.Mutex
	seq       int
	handouts  []mstHandout
	submitted map[string]int // result -> event number before its first submission
	noMore    map[string]int // worker -> event number after its NoMoreTasks
}

func (r *mstRun) handout(h mstHandout) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handouts = append(r.handouts, h)
}

func (r *mstRun) event(f func(seq int)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	f(r.seq)
}

// TestMasterConcurrent runs 8 workers against a master of 40 tasks, under
// -race: they ask, work, submit, all at once, as net/rpc would call the
// master; some hold their task past the time-out, some drop it as if they
// had crashed, some submit twice; a ninth goroutine calls Done and Results
// meanwhile. The record of every hand-out must show: each task completed,
// its result the first one of its last holder; no task handed to two
// workers less than a time-out apart; no NoMoreTasks before every task's
// result was submitted.
func TestMasterConcurrent(t *testing.T) {
	noLeaks(t, "the master", mstLeakAdvice)
	seed := labtest.Seed(t)
	mstBubble(t, func(b *mstEnv) {
		const (
			n       = 40
			workers = 8
			to      = mstTimeout
			step    = to / 16 // every time is a multiple: goroutines wake together
			bound   = 60 * to
		)
		m := b.newMaster(newTasks(n), to)
		// Each method once here, where a stub fails the test with its message.
		// The probe takes a task and never submits it, like a worker that crashed.
		b.done(m)
		b.results(m)
		b.submit(m, "probe", n+1, "a probe")
		probe := b.request(m, "probe")
		labtest.Replay(b.t, seed)

		start := time.Now()
		run := &mstRun{submitted: make(map[string]int), noMore: make(map[string]int)}
		if probe.Task != nil {
			run.handout(mstHandout{task: probe.Task.ID, worker: "probe", at: start})
		}
		stopPoll := make(chan struct{})
		var (
			wg, poll sync.WaitGroup
			late     sync.Once // one message for the workers that never finish
		)
		poll.Go(func() {
			defer mstRecover(b, "Done or Results, called while the workers run,")
			for {
				select {
				case <-stopPoll:
					return
				default:
				}
				m.Done()
				m.Results()
				time.Sleep(step)
			}
		})
		for i := range workers {
			id := fmt.Sprintf("w%d", i+1)
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			wg.Go(func() {
				defer mstRecover(b, "a call of the master by worker "+id)
				for k := 1; time.Since(start) < bound; k++ {
					var reply RequestTaskReply
					if err := m.RequestTask(&RequestTaskArgs{WorkerID: id}, &reply); err != nil {
						b.errorf("RequestTask from worker %s returned the error %v; want nil (docs/masterworker.md, "+
							"part B).", id, err)
						return
					}
					if reply.NoMoreTasks {
						run.event(func(seq int) { run.noMore[id] = seq })
						return
					}
					if reply.Task == nil {
						time.Sleep(2 * step)
						continue
					}
					h := mstHandout{task: reply.Task.ID, worker: id, at: time.Now(),
						result: fmt.Sprintf("result %d of worker %s, for task %d", k, id, reply.Task.ID)}
					run.handout(h)
					kind := rng.IntN(20)
					switch {
					case k == 1 && i == 0, k > 1 && kind < 4: // slow: past the time-out
						time.Sleep(to + step*time.Duration(1+rng.IntN(16)))
					case k == 1 && i == 1, k > 1 && kind < 6: // crashes, and comes back
						time.Sleep(4 * step)
						continue
					default:
						time.Sleep(step * time.Duration(2+rng.IntN(7)))
					}
					run.event(func(seq int) {
						if _, ok := run.submitted[h.result]; !ok {
							run.submitted[h.result] = seq
						}
					})
					for again := range 1 + rng.IntN(2) {
						var sr SubmitTaskReply
						result := h.result
						if again > 0 {
							result += ", again"
						}
						err := m.SubmitTaskResult(&SubmitTaskArgs{WorkerID: id, TaskID: h.task, ResultData: result}, &sr)
						if err != nil || !sr.Acknowledged {
							b.errorf("SubmitTaskResult from worker %s for task %d returned the error %v and "+
								"Acknowledged %v; want no error and true (docs/masterworker.md, part B).",
								id, h.task, err, sr.Acknowledged)
							return
						}
					}
				}
				late.Do(func() {
					b.errorf("worker %s was still asking for tasks %v after the start (on the fake clock), with no "+
						"NoMoreTasks.\nExpected: %d workers do %d tasks in about 6 time-outs, and are then told "+
						"NoMoreTasks.\nLikely cause: tasks are lost (set Idle after a time-out, but not put back in "+
						"the queue?), or handed out again after they were completed, or the count of completed tasks "+
						"went past the number of tasks (a duplicate counted?) and never equals it "+
						"(docs/masterworker.md, part B).",
						id, bound, workers, n)
				})
			})
		}
		wg.Wait()
		close(stopPoll)
		poll.Wait()
		if b.t.Failed() {
			b.t.FailNow()
		}
		mstCheckRun(b, m, run, n, start, to)
	})
}

// mstRecover reports a panic of a goroutine of TestMasterConcurrent.
func mstRecover(b *mstEnv, what string) {
	if v := recover(); v != nil {
		if s, ok := labtest.Stub(v); ok {
			b.errorf("%s", s)
			return
		}
		b.errorf("%s panicked: %v\n\n%s", what, v, debug.Stack())
	}
}

// mstCheckRun checks the record of TestMasterConcurrent.
func mstCheckRun(b *mstEnv, m *Master, run *mstRun, n int, start time.Time, to time.Duration) {
	b.t.Helper()
	byTask := make(map[int][]mstHandout)
	for _, h := range run.handouts {
		byTask[h.task] = append(byTask[h.task], h)
	}
	for id, hs := range byTask {
		sort.SliceStable(hs, func(i, j int) bool { return hs[i].at.Before(hs[j].at) })
		for i := 1; i < len(hs); i++ {
			if gap := hs[i].at.Sub(hs[i-1].at); gap < to {
				b.fatalf("task %d was handed to worker %s at %v and to worker %s at %v, only %v later, less than "+
					"the time-out (%v).\nExpected: no task goes to two workers less than a time-out apart: a task "+
					"goes back only once its holder has held it longer than the time-out.\nLikely cause: the task's "+
					"start time is not set at every hand-out, or a task is re-queued without being InProgress, or "+
					"put in the queue twice (docs/masterworker.md, part B).",
					id, hs[i-1].worker, hs[i-1].at.Sub(start), hs[i].worker, hs[i].at.Sub(start), gap, to)
			}
		}
		byTask[id] = hs
	}
	if !b.done(m) {
		b.fatalf("Done reported false after every worker was told NoMoreTasks (docs/masterworker.md, part B).")
	}
	results := b.results(m)
	for id := 1; id <= n; id++ {
		hs := byTask[id]
		if len(hs) == 0 {
			b.fatalf("task %d was never handed out, yet the workers were told NoMoreTasks (docs/masterworker.md, "+
				"part B).", id)
		}
		last := hs[len(hs)-1]
		got, ok := results[id]
		if !ok || got != last.result {
			b.fatalf("Results for task %d is %q (found: %v).\nExpected: %q, the first result of the task's last "+
				"holder, worker %s, which got it at %v (hand-outs of the task: %d).\nLikely cause: "+
				"SubmitTaskResult kept a stale result (from a worker whose task had timed out), or a duplicate "+
				"replaced the first result: keep a result only if the task is InProgress and held by the worker "+
				"that submits it (docs/masterworker.md, part B).",
				id, got, ok, last.result, last.worker, last.at.Sub(start), len(hs))
		}
		sub := run.submitted[last.result]
		for w, seq := range run.noMore {
			if seq < sub {
				b.fatalf("worker %s was told NoMoreTasks before task %d was completed: its holder, worker %s, had "+
					"not yet submitted its result.\nExpected: NoMoreTasks only once every task is Completed.\n"+
					"Likely cause: the count of completed tasks is wrong (a duplicate or a stale result counted?), "+
					"or NoMoreTasks is decided from the queue (docs/masterworker.md, part B).", w, id, last.worker)
			}
		}
	}
	if len(results) != n {
		b.fatalf("Results returned %d results for a master of %d tasks, all completed (docs/masterworker.md, "+
			"part B).", len(results), n)
	}
	again := 0
	for _, hs := range byTask {
		again += len(hs) - 1
	}
	b.t.Logf("%d hand-outs of %d tasks (%d after a time-out); every worker told NoMoreTasks by %v",
		len(run.handouts), n, again, time.Since(start))
}
