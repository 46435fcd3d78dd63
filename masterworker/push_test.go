package masterworker

// The tests of part A: push. Dispatch is the master as the RPC client of
// its workers: every task done, its reply in its place; many calls at once,
// but at most perWorker at any one worker; one connection per worker; and
// the tasks of a worker that cannot be reached, whose calls fail, or that
// crashes with calls in flight, given to the others. When every worker is
// gone, Dispatch says so at once (ErrNoWorkers) instead of waiting for
// ever. The workers are the provided WorkerService, or pshWorker, a worker
// of the tests' own that counts the calls it is running and can hold them
// on a gate until the test lets them answer. Run them with:
//
//	go test -race -run '^TestDispatch' ./masterworker/

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/labtest"
)

// pshLeakAdvice is what a test of Dispatch that leaves goroutines behind
// tells the student.
const pshLeakAdvice = "Dispatch must wait (a sync.WaitGroup) for every goroutine it started, each worker's callers " +
	"included, before it returns, and Close each *rpc.Client it dialled: a client's receive goroutine runs until its " +
	"connection is closed (docs/masterworker.md, part A)."

// pshHangCause is the likely cause of a Dispatch that does not return,
// for the tests whose workers all answer.
const pshHangCause = "something in Dispatch waits for what never comes: the coordinator waits for the outcome of a " +
	"task that nobody reports (a failed call that is dropped, not put back in the queue), a caller blocks sending " +
	"to a coordinator that has stopped reading, or the callers wait on a queue that is empty for good " +
	"(docs/masterworker.md, part A)."

// pshSettle is how long a test goes on holding the workers' calls, once
// each worker has perWorker of them, to give a Dispatch that breaks its
// bound the time to send one call too many. A correct Dispatch sends none,
// however long the test waits: this only costs time, it cannot fail one.
const pshSettle = 50 * time.Millisecond

// --- Workers --------------------------------------------------------------------

// pshWorker is a push worker of the tests: it upper-cases TaskData as
// WorkerService does, and counts the calls it is running (and the most it
// ever ran at once), the calls it has had, and the calls it failed. Its
// only exported method is DoTask, so net/rpc registers it as a
// WorkerService.
type pshWorker struct {
	id        int
	hold      func()        // if not nil, each call waits in it before it answers
	failAfter int           // < 0: never fails; n >= 0: every call after the first n fails
	failed    chan struct{} // closed by the first call that fails

	mu       sync.Mutex
	inFlight int
	maxIn    int
	calls    int
	failOnce sync.Once
}

// pshNewWorker returns a worker with ID id that fails every call after
// the first failAfter ones (never, if failAfter < 0), and holds every call
// in hold first (if hold is not nil).
func pshNewWorker(id, failAfter int, hold func()) *pshWorker {
	return &pshWorker{id: id, hold: hold, failAfter: failAfter, failed: make(chan struct{})}
}

// DoTask is WorkerService.DoTask, counted, held and failed as the test says.
func (w *pshWorker) DoTask(args *TaskArgs, reply *TaskReply) error {
	w.mu.Lock()
	w.calls++
	n := w.calls
	w.inFlight++
	w.maxIn = max(w.maxIn, w.inFlight)
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.inFlight--
		w.mu.Unlock()
	}()
	if w.hold != nil {
		w.hold()
	}
	if w.failAfter >= 0 && n > w.failAfter {
		w.failOnce.Do(func() { close(w.failed) })
		return fmt.Errorf("worker %d: out of disk space (the test's failing worker)", w.id)
	}
	reply.WorkerID = w.id
	reply.ResultData = strings.ToUpper(args.TaskData)
	return nil
}

// counts returns the calls w is running, the most it ran at once, and
// the calls it has had.
func (w *pshWorker) counts() (inFlight, maxIn, calls int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.inFlight, w.maxIn, w.calls
}

// pshGate holds the calls of workers until the test opens it. It opens by
// itself when the test ends (t.Context is done before the cleanups run),
// so that a Server.Close, which waits for the calls running, never waits
// for a gate.
type pshGate struct {
	ch   chan struct{}
	once sync.Once
	ctx  context.Context
}

func pshNewGate(t *testing.T) *pshGate {
	return &pshGate{ch: make(chan struct{}), ctx: t.Context()}
}

func (g *pshGate) open() { g.once.Do(func() { close(g.ch) }) }

func (g *pshGate) wait() {
	select {
	case <-g.ch:
	case <-g.ctx.Done():
	}
}

// pshListener is a listener that keeps each connection it accepted, in
// the order it accepted them.
type pshListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*pshConn
}

func (l *pshListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	pc := &pshConn{Conn: c, hungUp: make(chan struct{}), closed: make(chan struct{})}
	l.mu.Lock()
	l.conns = append(l.conns, pc)
	l.mu.Unlock()
	return pc, nil
}

func (l *pshListener) accepted() []*pshConn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.conns)
}

// pshConn is a connection a worker accepted. hungUp is closed when a read
// fails: the master has closed its end (or the worker closed this one);
// closed is closed when the worker's server has closed it.
type pshConn struct {
	net.Conn
	hangOnce, closeOnce sync.Once
	hungUp, closed      chan struct{}
}

func (c *pshConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		c.hangOnce.Do(func() { close(c.hungUp) })
	}
	return n, err
}

func (c *pshConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() { close(c.closed) }) // once the socket is closed: no reply gets through after
	return err
}

// pshServe serves rcvr as the WorkerService on a loopback listener that
// keeps the connections it accepts, and stops the server when the test
// ends.
func pshServe(t *testing.T, rcvr any) (*Server, *pshListener) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	pl := &pshListener{Listener: l}
	s, err := Serve(pl, WorkerServiceName, rcvr)
	if err != nil {
		l.Close()
		t.Fatalf("serving a worker: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, pl
}

// pshServeWorkers serves each worker and returns their addresses.
func pshServeWorkers(t *testing.T, ws ...*pshWorker) []string {
	t.Helper()
	addrs := make([]string, len(ws))
	for i, w := range ws {
		s, _ := pshServe(t, w)
		addrs[i] = s.Addr()
	}
	return addrs
}

// pshDeadAddr returns a loopback address where nobody listens: a dial to
// it is refused at once.
func pshDeadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// pshDialsBefore returns how many connections l had accepted before the
// test's own, which it makes now: a connection whose dial returned before
// is ahead of it in the listener's queue, accepted or not yet. So it
// counts every dial that Dispatch made before it returned.
func pshDialsBefore(t *testing.T, l *pshListener) int {
	t.Helper()
	marker, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("the test could not connect to its own worker at %s: %v", l.Addr(), err)
	}
	defer marker.Close()
	me := marker.LocalAddr().String()
	deadline := time.Now().Add(patience)
	for {
		for i, c := range l.accepted() {
			if c.RemoteAddr().String() == me {
				return i
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker at %s did not accept the test's own connection within %v: is the machine "+
				"overloaded?", l.Addr(), patience)
		}
		time.Sleep(time.Millisecond)
	}
}

// pshIDs is a set of worker IDs.
func pshIDs(ids ...int) map[int]bool {
	m := make(map[int]bool)
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// --- Running Dispatch -------------------------------------------------------------

// pshWhat names a call of Dispatch in a message.
func pshWhat(tasks, workers, perWorker int) string {
	return fmt.Sprintf("Dispatch(%d tasks, %d workers, perWorker %d)", tasks, workers, perWorker)
}

// pshDispatch runs Dispatch under a watchdog: a Dispatch that does not
// return within patience fails t with cause and where it is stuck.
func pshDispatch(t *testing.T, cause string, tasks []TaskArgs, addrs []string, perWorker int) ([]TaskReply, error) {
	t.Helper()
	var (
		replies []TaskReply
		err     error
	)
	within(t, patience, pshWhat(len(tasks), len(addrs), perWorker), cause, func() {
		replies, err = Dispatch(tasks, addrs, perWorker)
	})
	return replies, err
}

// pshResult is how a Dispatch run in the background ended.
type pshResult struct {
	replies []TaskReply
	err     error
	panic   any
}

// pshStart runs Dispatch in a goroutine of its own, for a test that holds
// the workers' calls while it runs; the result comes on the channel.
func pshStart(tasks []TaskArgs, addrs []string, perWorker int) <-chan pshResult {
	res := make(chan pshResult, 1)
	go func() {
		var r pshResult
		defer func() {
			r.panic = recover()
			res <- r
		}()
		r.replies, r.err = Dispatch(tasks, addrs, perWorker)
	}()
	return res
}

// pshPanicked fails t if Dispatch panicked: a stub with its message.
func pshPanicked(t *testing.T, r pshResult) {
	t.Helper()
	if r.panic == nil {
		return
	}
	if s, ok := labtest.Stub(r.panic); ok {
		t.Fatal(s)
	}
	t.Fatalf("Dispatch panicked: %v (docs/masterworker.md, part A)", r.panic)
}

// pshStacks returns the goroutines running the lab's code, for a message.
func pshStacks() string {
	if s := labtest.Goroutines(".", 8); s != "" {
		return s
	}
	return "(none in the lab's own code)"
}

// pshWait waits at most patience for the Dispatch started as res, after
// the test let every call answer.
func pshWait(t *testing.T, res <-chan pshResult, what string) pshResult {
	t.Helper()
	select {
	case r := <-res:
		pshPanicked(t, r)
		return r
	case <-time.After(patience):
		t.Fatalf("%s did not return within %v of the test letting every held call answer.\nLikely cause: %s\n\n"+
			"Goroutines running the lab's code:\n%s", what, patience, pshHangCause, pshStacks())
		return pshResult{}
	}
}

// pshAwait polls cond until it holds, for at most patience, while the
// Dispatch started as res runs. It returns the result of Dispatch if
// Dispatch returned first (cond is then false), and whether cond held.
func pshAwait(res <-chan pshResult, cond func() bool) (*pshResult, bool) {
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			return nil, false
		}
		select {
		case r := <-res:
			return &r, cond()
		case <-time.After(time.Millisecond):
		}
	}
	return nil, true
}

// pshEarly fails t: Dispatch returned while the test was holding calls
// it had made, which it cannot have the replies of.
func pshEarly(t *testing.T, r pshResult, while string) {
	t.Helper()
	pshPanicked(t, r)
	t.Fatalf("Dispatch returned (error: %v) %s.\nExpected: Dispatch returns when every task has its reply, or "+
		"when every worker has failed; some calls had not been answered yet.\nLikely cause: Dispatch does not wait "+
		"for its calls, or it gives up on tasks (docs/masterworker.md, part A).", r.err, while)
}

// pshNoError fails t if the Dispatch whose workers could run every task
// returned an error.
func pshNoError(t *testing.T, err error, setting string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Dispatch returned the error %q, with %s.\nExpected: no error: every task could run on a worker "+
			"that works.\nLikely cause: a task whose call failed is not given to another worker, or Dispatch "+
			"stops when one worker fails (docs/masterworker.md, part A).", err, setting)
	}
}

// pshCheckReplies fails t unless replies holds, for each task in order, its
// upper-cased data, made by one of the workers in ids.
func pshCheckReplies(t *testing.T, tasks []TaskArgs, replies []TaskReply, ids map[int]bool) {
	t.Helper()
	if len(replies) != len(tasks) {
		t.Fatalf("Dispatch returned %d replies for %d tasks.\nExpected: one reply per task, replies[i] the reply "+
			"to tasks[i] (docs/masterworker.md, part A).", len(replies), len(tasks))
	}
	owner := make(map[string]int) // result -> index of the task whose result it is
	for i, task := range tasks {
		owner[strings.ToUpper(task.TaskData)] = i
	}
	var empty, moved, wrong, badID []string
	for i, task := range tasks {
		got := &replies[i]
		want := strings.ToUpper(task.TaskData)
		switch j, ok := owner[got.ResultData]; {
		case got.ResultData == want:
			if !ids[got.WorkerID] {
				badID = append(badID, fmt.Sprintf("replies[%d] is %v", i, got))
			}
		case got.ResultData == "":
			empty = append(empty, fmt.Sprintf("replies[%d] (task %d) is %v", i, task.TaskID, got))
		case ok:
			moved = append(moved, fmt.Sprintf("replies[%d] is %v, the reply to tasks[%d]", i, got, j))
		default:
			wrong = append(wrong, fmt.Sprintf("replies[%d] is %v, expected Result %q", i, got, want))
		}
	}
	some := func(s []string) string {
		if len(s) > 3 {
			return strings.Join(s[:3], "; ") + fmt.Sprintf("; and %d more", len(s)-3)
		}
		return strings.Join(s, "; ")
	}
	if len(empty) > 0 {
		t.Errorf("%d of %d replies are empty, those tasks lost: %s.\nExpected: every task done, by another "+
			"worker if the call to its own failed.\nLikely cause: a task whose call failed is dropped (the lecture's "+
			"master logs the error and moves on), or counted done without a reply: put it back in the queue for "+
			"another worker, and count a task done only when its reply has come (docs/masterworker.md, part A).",
			len(empty), len(tasks), some(empty))
	}
	if len(moved) > 0 {
		t.Errorf("%d of %d replies are in the wrong place: %s.\nExpected: replies[i] is the reply to tasks[i], "+
			"whatever order the calls finish in.\nLikely cause: the replies are appended in the order they come "+
			"back; store each at the index of its task (docs/masterworker.md, part A).",
			len(moved), len(tasks), some(moved))
	}
	if len(wrong) > 0 {
		t.Errorf("%d of %d replies hold a result that is no task's: %s.\nExpected: each reply as the worker "+
			"sent it.\nLikely cause: a TaskReply shared by calls running at once (run with -race) "+
			"(docs/masterworker.md, part A).", len(wrong), len(tasks), some(wrong))
	}
	if len(badID) > 0 {
		t.Errorf("%d of %d replies name a worker that did not make them: %s; the workers that could answer "+
			"were %v.\nExpected: each reply as the worker that ran the task sent it.\nLikely cause: a TaskReply "+
			"shared or reused by calls, so one reply keeps another call's fields (docs/masterworker.md, part A).",
			len(badID), len(tasks), some(badID), slices.Sorted(maps.Keys(ids)))
	}
}

// pshProbe calls Dispatch once with nothing to do, in the test's own
// goroutine under a watchdog, so that a stub fails the test with its
// message before the test starts anything that depends on it.
func pshProbe(t *testing.T) {
	t.Helper()
	within(t, patience, "Dispatch(no tasks, no workers, perWorker 1)", "with no task to run, Dispatch has "+
		"nothing to wait for: return at once (docs/masterworker.md, part A).", func() { Dispatch(nil, nil, 1) })
}

// --- The tests --------------------------------------------------------------------

// TestDispatchAllTasksDone: three workers, every task done, each reply in
// its task's place, made by one of the workers.
func TestDispatchAllTasksDone(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	var addrs []string
	for id := 1; id <= 3; id++ {
		addrs = append(addrs, serve(t, WorkerServiceName, &WorkerService{ID: id}).Addr())
	}
	tasks := newTaskArgs(24)
	replies, err := pshDispatch(t, pshHangCause, tasks, addrs, 2)
	pshNoError(t, err, "three workers that all work")
	pshCheckReplies(t, tasks, replies, pshIDs(1, 2, 3))
}

// TestDispatchEmptyAndBadLimit: no tasks is no replies, no error and no
// connection; perWorker below 1 is an error.
func TestDispatchEmptyAndBadLimit(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	s, l := pshServe(t, &WorkerService{ID: 1})
	addrs := []string{s.Addr()}
	for _, tasks := range [][]TaskArgs{nil, {}} {
		replies, err := pshDispatch(t, "with no task to run, Dispatch has nothing to wait for: return at once "+
			"(docs/masterworker.md, part A).", tasks, addrs, 2)
		if err != nil {
			t.Errorf("Dispatch of no tasks (%#v) returned the error %q.\nExpected: no replies and no error: "+
				"there is nothing to do (docs/masterworker.md, part A).", tasks, err)
		}
		if len(replies) != 0 {
			t.Errorf("Dispatch of no tasks returned %d replies: %v.\nExpected: no replies "+
				"(docs/masterworker.md, part A).", len(replies), replies)
		}
	}
	if n := pshDialsBefore(t, l); n != 0 {
		t.Errorf("Dispatch of no tasks connected to the worker (%d connections).\nExpected: with nothing to "+
			"do, Dispatch dials nobody (docs/masterworker.md, part A).", n)
	}
	for _, k := range []int{0, -1} {
		_, err := pshDispatch(t, fmt.Sprintf("with perWorker %d no call may ever be in flight: check perWorker "+
			"first and return an error (docs/masterworker.md, part A).", k), newTaskArgs(3), addrs, k)
		if err == nil {
			t.Errorf("Dispatch with perWorker %d returned no error.\nExpected: an error: at most %d calls in "+
				"flight at a worker is no call at all, and no task could ever run (docs/masterworker.md, part A).",
				k, k)
		}
	}
}

// TestDispatchReplyOrder: workers that take a random time over each task
// (seeded: a failure prints how to replay it) answer out of order; the
// replies are still in task order.
func TestDispatchReplyOrder(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	pshProbe(t)
	seed := labtest.Seed(t)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	tasks := newTaskArgs(40)
	delay := make(map[int]time.Duration, len(tasks))
	for _, task := range tasks {
		delay[task.TaskID] = time.Duration(rng.IntN(2000)) * time.Microsecond
	}
	var addrs []string
	for id := 1; id <= 3; id++ {
		w := &WorkerService{ID: id, Process: func(a TaskArgs) (string, error) {
			time.Sleep(delay[a.TaskID])
			return strings.ToUpper(a.TaskData), nil
		}}
		addrs = append(addrs, serve(t, WorkerServiceName, w).Addr())
	}
	labtest.Replay(t, seed)
	replies, err := pshDispatch(t, pshHangCause, tasks, addrs, 3)
	pshNoError(t, err, "three workers that all work")
	pshCheckReplies(t, tasks, replies, pshIDs(1, 2, 3))
}

// TestDispatchFreshReply: half the tasks have empty data, whose result is
// empty; gob does not send an empty field, so a TaskReply reused from an
// earlier call keeps that call's result.
func TestDispatchFreshReply(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	cases := []struct {
		name      string
		ids       []int
		perWorker int
		tasks     int
	}{
		{"one worker, one call at a time", []int{0}, 1, 12},
		{"three workers, four calls each", []int{0, 4, 7}, 4, 48},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeaks(t, "Dispatch", pshLeakAdvice)
			var addrs []string
			for _, id := range c.ids {
				addrs = append(addrs, serve(t, WorkerServiceName, &WorkerService{ID: id}).Addr())
			}
			tasks := newTaskArgs(c.tasks)
			for i := 1; i < len(tasks); i += 2 {
				tasks[i].TaskData = ""
			}
			replies, err := pshDispatch(t, pshHangCause, tasks, addrs, c.perWorker)
			pshNoError(t, err, "workers that all work")
			if len(replies) != len(tasks) {
				t.Fatalf("Dispatch returned %d replies for %d tasks.\nExpected: one reply per task, replies[i] "+
					"the reply to tasks[i] (docs/masterworker.md, part A).", len(replies), len(tasks))
			}
			ids := pshIDs(c.ids...)
			for i, task := range tasks {
				got, want := replies[i], strings.ToUpper(task.TaskData)
				switch {
				case task.TaskData == "" && got.ResultData != "":
					t.Fatalf("replies[%d], the reply to task %d, whose data is empty, is %v.\nExpected: Result \"\": "+
						"the worker upper-cased an empty string.\nLikely cause: a TaskReply reused by calls. gob sends "+
						"only the fields that are not zero, and leaves the others as they were in the value it decodes "+
						"into: a reused TaskReply keeps an earlier call's result. Declare a fresh TaskReply for each "+
						"call (docs/masterworker.md, part A).", i, task.TaskID, &got)
				case got.ResultData != want:
					t.Fatalf("replies[%d] is %v, expected Result %q: the reply to tasks[%d] (%v).\nLikely cause: "+
						"replies stored in the order they come back, or a task lost (docs/masterworker.md, part A).",
						i, &got, want, i, &task)
				case !ids[got.WorkerID]:
					t.Fatalf("replies[%d] is %v: no worker has ID %d (the workers are %v).\nLikely cause: a "+
						"TaskReply reused by calls keeps the WorkerID of an earlier one: gob does not send a "+
						"WorkerID of 0 (docs/masterworker.md, part A).", i, &got, got.WorkerID, c.ids)
				}
			}
		})
	}
}

// TestDispatchBoundedConcurrency: the workers hold every call on a gate.
// Each worker must come to run perWorker calls at once (Dispatch makes
// calls in parallel), and never more (the bound holds), while held and to
// the end.
func TestDispatchBoundedConcurrency(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	for _, c := range []struct{ workers, perWorker int }{{2, 1}, {3, 3}} {
		t.Run(fmt.Sprintf("%d workers, perWorker %d", c.workers, c.perWorker), func(t *testing.T) {
			noLeaks(t, "Dispatch", pshLeakAdvice)
			k := c.perWorker
			gate := pshNewGate(t)
			var ws []*pshWorker
			for id := 1; id <= c.workers; id++ {
				ws = append(ws, pshNewWorker(id, -1, gate.wait))
			}
			addrs := pshServeWorkers(t, ws...)
			tasks := newTaskArgs(3 * c.workers * k)
			what := pshWhat(len(tasks), len(addrs), k)
			snapshot := func() (in, most []int) {
				for _, w := range ws {
					i, m, _ := w.counts()
					in, most = append(in, i), append(most, m)
				}
				return in, most
			}
			checkBound := func(when string) {
				t.Helper()
				_, most := snapshot()
				for i, m := range most {
					if m > k {
						t.Fatalf("worker %d had %d calls in flight at once (%s), with perWorker %d.\nExpected: at "+
							"most perWorker calls at a worker at any moment.\nLikely cause: a goroutine per task "+
							"with no limit per worker, as the lecture's master does: run perWorker callers per "+
							"worker, each making one call at a time (docs/masterworker.md, part A).",
							ws[i].id, m, when, k)
					}
				}
			}

			res := pshStart(tasks, addrs, k)
			early, ok := pshAwait(res, func() bool {
				in, most := snapshot()
				return slices.Max(most) > k || !slices.ContainsFunc(in, func(n int) bool { return n != k })
			})
			if early != nil {
				pshEarly(t, *early, "while its workers held every call")
			}
			checkBound("while the test held every call")
			if !ok {
				in, _ := snapshot()
				t.Fatalf("with every call held by the workers, the calls in flight at each worker were %v after "+
					"%v; perWorker is %d and there are %d tasks.\nExpected: perWorker calls in flight at every "+
					"worker at once.\nLikely cause: the calls are made one at a time, or a worker has fewer than "+
					"perWorker callers, or a caller holds a lock over its Call (docs/masterworker.md, part A).",
					in, patience, k, len(tasks))
			}
			time.Sleep(pshSettle)
			checkBound("while the test held every call")
			gate.open()
			r := pshWait(t, res, what)
			checkBound("after the test let the calls answer")
			pshNoError(t, r.err, "workers that all work")
			var ids []int
			for _, w := range ws {
				ids = append(ids, w.id)
			}
			pshCheckReplies(t, tasks, r.replies, pshIDs(ids...))
		})
	}
}

// TestDispatchOneConnectionPerWorker: each worker accepts one connection
// from Dispatch, whatever the number of tasks (the lecture's master dials
// once per task), and that connection is closed when Dispatch returns.
func TestDispatchOneConnectionPerWorker(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	var (
		ws    []*pshWorker
		ls    []*pshListener
		addrs []string
	)
	for id := 1; id <= 3; id++ {
		w := pshNewWorker(id, -1, nil)
		s, l := pshServe(t, w)
		ws, ls, addrs = append(ws, w), append(ls, l), append(addrs, s.Addr())
	}
	tasks := newTaskArgs(30)
	replies, err := pshDispatch(t, pshHangCause, tasks, addrs, 2)
	pshNoError(t, err, "three workers that all work")
	pshCheckReplies(t, tasks, replies, pshIDs(1, 2, 3))
	var open []string // the workers whose connection Dispatch left open
	deadline := time.Now().Add(patience)
	for i, l := range ls {
		_, _, calls := ws[i].counts()
		n := pshDialsBefore(t, l)
		switch {
		case n > 1:
			t.Errorf("worker %d accepted %d connections from Dispatch, and ran %d calls.\nExpected: one "+
				"connection per worker, however many tasks it runs.\nLikely cause: a dial per task, as the "+
				"lecture's master does: dial each worker once and share its *rpc.Client among the worker's "+
				"callers, it is safe for concurrent calls (docs/masterworker.md, part A).", ws[i].id, n, calls)
		case n == 0 && calls > 0:
			t.Fatalf("worker %d ran %d calls and accepted no connection: the test's listener is broken", ws[i].id, calls)
		}
		for _, c := range l.accepted()[:n] {
			select {
			case <-c.hungUp:
			case <-time.After(time.Until(deadline)):
				open = append(open, fmt.Sprint(ws[i].id))
			}
		}
	}
	if len(open) > 0 {
		t.Errorf("the connections of Dispatch to workers %s were still open %v after Dispatch returned.\n"+
			"Expected: Dispatch closes each *rpc.Client it dialled before it returns.\nLikely cause: no "+
			"client.Close() (defer it right after the dial) (docs/masterworker.md, part A).",
			strings.Join(open, ", "), patience)
	}
}

// TestDispatchUnreachableWorker: two of four addresses have nobody
// listening; the two workers that are up run every task.
func TestDispatchUnreachableWorker(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	addrs := []string{
		pshDeadAddr(t),
		serve(t, WorkerServiceName, &WorkerService{ID: 1}).Addr(),
		pshDeadAddr(t),
		serve(t, WorkerServiceName, &WorkerService{ID: 2}).Addr(),
	}
	tasks := newTaskArgs(16)
	replies, err := pshDispatch(t, pshHangCause+" A worker that cannot be dialled runs none of its tasks: they "+
		"must go to the others.", tasks, addrs, 2)
	pshNoError(t, err, "two workers up and two that nobody can dial")
	pshCheckReplies(t, tasks, replies, pshIDs(1, 2))
}

// TestDispatchFailingWorker: one worker of three fails its calls, every
// one or all after the first two. Its tasks go to the others, none lost;
// and once a call to it has failed, it gets no new task. The other workers
// hold their calls until the failing worker has failed one, and a little
// longer: time for a Dispatch that keeps using a failed worker to show it.
func TestDispatchFailingWorker(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	const perWorker = 2
	for _, failAfter := range []int{0, 2} {
		name := "fails every call"
		if failAfter > 0 {
			name = fmt.Sprintf("fails after %d calls", failAfter)
		}
		t.Run(name, func(t *testing.T) {
			noLeaks(t, "Dispatch", pshLeakAdvice)
			gate := pshNewGate(t)
			bad := pshNewWorker(2, failAfter, nil)
			addrs := pshServeWorkers(t, pshNewWorker(1, -1, gate.wait), bad, pshNewWorker(3, -1, gate.wait))
			tasks := newTaskArgs(20)
			limit := failAfter + perWorker // at most one failed call per caller
			desc := "which fails every call"
			if failAfter > 0 {
				desc = fmt.Sprintf("which fails every call after its first %d", failAfter)
			}

			res := pshStart(tasks, addrs, perWorker)
			select {
			case <-bad.failed:
			case r := <-res:
				pshEarly(t, r, "while two of its three workers held every call")
			case <-time.After(patience):
				_, _, calls := bad.counts()
				t.Fatalf("worker 2 got %d calls in %v while the other two held theirs, and failed none.\n"+
					"Expected: Dispatch calls every worker at once.\nLikely cause: the calls are made one at a time "+
					"(docs/masterworker.md, part A).", calls, patience)
			}
			// A Dispatch that gives the failed worker more tasks does so now.
			deadline := time.Now().Add(pshSettle)
			for time.Now().Before(deadline) {
				if _, _, calls := bad.counts(); calls > limit {
					break
				}
				time.Sleep(time.Millisecond)
			}
			gate.open()
			r := pshWait(t, res, pshWhat(len(tasks), len(addrs), perWorker))
			pshNoError(t, r.err, "two workers that work and one that fails")
			ids := pshIDs(1, 3)
			if failAfter > 0 {
				ids[2] = true // its first calls succeeded
			}
			pshCheckReplies(t, tasks, r.replies, ids)
			if _, _, calls := bad.counts(); calls > limit {
				t.Errorf("worker 2, %s, was given %d calls, with "+
					"perWorker %d.\nExpected: no new task for a worker once a call to it has failed: at most its "+
					"%d good calls and one failed call per caller, %d in all.\nLikely cause: a caller goes on "+
					"taking tasks after its call failed, or the worker's other callers do not stop: give that "+
					"worker no more tasks (docs/masterworker.md, part A).",
					desc, calls, perWorker, failAfter, limit)
			}
		})
	}
}

// TestDispatchWorkerCrash: a worker crashes (its server stops) while it
// holds perWorker calls; the other two hold theirs until then. The crashed
// worker's tasks come back and the others run them.
func TestDispatchWorkerCrash(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	const perWorker = 2
	crashGate, othersGate := pshNewGate(t), pshNewGate(t)
	crasher := pshNewWorker(2, -1, crashGate.wait)
	crashSrv, crashL := pshServe(t, crasher)
	addrs := pshServeWorkers(t, pshNewWorker(1, -1, othersGate.wait), pshNewWorker(3, -1, othersGate.wait))
	addrs = []string{addrs[0], crashSrv.Addr(), addrs[1]}
	tasks := newTaskArgs(20)

	res := pshStart(tasks, addrs, perWorker)
	early, ok := pshAwait(res, func() bool { in, _, _ := crasher.counts(); return in == perWorker })
	if early != nil {
		pshEarly(t, *early, "while its workers held every call")
	}
	if !ok {
		in, _, _ := crasher.counts()
		t.Fatalf("worker 2 had %d calls in flight after %v, while every worker held its calls, with perWorker %d.\n"+
			"Expected: perWorker calls in flight at every worker at once.\nLikely cause: the calls are made one "+
			"at a time, or a worker has fewer than perWorker callers (docs/masterworker.md, part A).",
			in, patience, perWorker)
	}

	// The crash: the server closes its listener and every connection while
	// the calls are held; once it has, the held calls may end (Close waits
	// for them), their replies lost with the connection.
	stopped := make(chan struct{})
	go func() {
		crashSrv.Close()
		close(stopped)
	}()
	deadline := time.Now().Add(patience)
	for _, c := range crashL.accepted() {
		select {
		case <-c.closed:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("worker 2's server did not close its connections within %v of Server.Close: is the machine "+
				"overloaded?", patience)
		}
	}
	crashGate.open()
	select {
	case <-stopped:
	case <-time.After(patience):
		t.Fatalf("worker 2's server did not stop within %v of Server.Close: is the machine overloaded?", patience)
	}

	othersGate.open()
	r := pshWait(t, res, pshWhat(len(tasks), len(addrs), perWorker))
	pshNoError(t, r.err, "two workers that work and one that crashed")
	pshCheckReplies(t, tasks, r.replies, pshIDs(1, 3))
}

// TestDispatchNoWorkers: when every worker has failed (or there is none),
// Dispatch returns at once an error that wraps ErrNoWorkers.
func TestDispatchNoWorkers(t *testing.T) {
	noLeaks(t, "Dispatch", pshLeakAdvice)
	cases := []struct {
		name    string
		workers func(t *testing.T) []string
	}{
		{"no workers", func(t *testing.T) []string { return nil }},
		{"all unreachable", func(t *testing.T) []string {
			return []string{pshDeadAddr(t), pshDeadAddr(t), pshDeadAddr(t)}
		}},
		{"all fail every call", func(t *testing.T) []string {
			return pshServeWorkers(t, pshNewWorker(1, 0, nil), pshNewWorker(2, 0, nil), pshNewWorker(3, 0, nil))
		}},
		{"all fail after 2 calls", func(t *testing.T) []string {
			return pshServeWorkers(t, pshNewWorker(1, 2, nil), pshNewWorker(2, 2, nil), pshNewWorker(3, 2, nil))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noLeaks(t, "Dispatch", pshLeakAdvice)
			addrs := c.workers(t)
			tasks := newTaskArgs(20)
			_, err := pshDispatch(t, "Dispatch waits for workers that will never come: once every worker has "+
				"failed, nobody takes the tasks left. Count the workers still alive, and when none is left return "+
				"an error that wraps ErrNoWorkers (docs/masterworker.md, part A).", tasks, addrs, 2)
			switch {
			case err == nil:
				t.Errorf("Dispatch returned no error with %s (%d workers), and %d tasks.\nExpected: an error "+
					"that wraps ErrNoWorkers: tasks were left that no worker could run.\nLikely cause: Dispatch "+
					"returns when its workers are gone without checking that every task is done, or it drops the "+
					"tasks whose call failed, as the lecture's master does (docs/masterworker.md, part A).",
					c.name, len(addrs), len(tasks))
			case !errors.Is(err, ErrNoWorkers):
				t.Errorf("Dispatch returned the error %q with %s, which does not wrap ErrNoWorkers.\nExpected: "+
					"errors.Is(err, ErrNoWorkers), as fmt.Errorf(\"%%w: ...\", ErrNoWorkers) makes it "+
					"(docs/masterworker.md, part A).", err, c.name)
			}
		})
	}
}
