package masterworker

// The tests of part C: the pull worker, Worker.Run. They run your worker
// against a scripted fake master (wrkFake below), not against your master of
// part B, so a failure here is the worker's: a net/rpc server on a loopback
// port whose RequestTask and SubmitTaskResult answer as each test scripts
// them (a task, nothing ready, NoMoreTasks, an error, or a call held until
// the test lets it go) and which records every call, with when it arrived
// and when it was answered. The tests count the connections the worker
// opens, see each reply leave, and stop the fake master in the middle of a
// run, as a crash would. Run them with:
//
//	go test -race -run '^TestWorker' ./masterworker/

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/labtest"
)

// wrkLeakAdvice is what a worker test that leaves goroutines behind is told.
const wrkLeakAdvice = "Run must close its client (defer client.Close() right after the dial) on every way out, " +
	"and leave no goroutine of its own running: a worker that has returned holds nothing (docs/masterworker.md, part C)."

// wrkBackoff is the Backoff of the tests' workers that meet empty replies:
// long enough that a worker that does not wait is plainly seen not to, short
// enough to cost little.
const wrkBackoff = 30 * time.Millisecond

// wrkSettle is how long a test lets the worker read a reply that has left
// the master, when it must act once the worker has: far more than reading
// from loopback takes. Only how surely a bug is caught depends on it, never
// whether a correct worker passes.
const wrkSettle = 100 * time.Millisecond

// --- The fake master ------------------------------------------------------------

// wrkStep is how the fake master answers one RequestTask.
type wrkStep struct {
	task   *Task         // a task, if not nil; else
	noMore bool          // NoMoreTasks, if true; else nothing is ready
	err    string        // if not "", the call returns this error: the worker gets an rpc.ServerError
	hold   chan struct{} // if not nil, the call waits until it is closed (or the test ends)
}

var (
	wrkEmpty  = wrkStep{}             // nothing is ready: no task, no NoMoreTasks
	wrkNoMore = wrkStep{noMore: true} // every task is completed
)

// wrkTask is a step that hands out t.
func wrkTask(t Task) wrkStep { return wrkStep{task: &t} }

// wrkHold is a step held until gate is closed, then answered as next.
func wrkHold(gate chan struct{}, next wrkStep) wrkStep {
	next.hold = gate
	return next
}

func (s wrkStep) String() string {
	switch {
	case s.err != "":
		return fmt.Sprintf("error %q", s.err)
	case s.task != nil:
		return s.task.String()
	case s.noMore:
		return "NoMoreTasks"
	}
	return "nothing ready"
}

// wrkCall is one call the fake master received.
type wrkCall struct {
	method   string    // "RequestTask" or "SubmitTaskResult"
	worker   string    // args.WorkerID
	taskID   int       // SubmitTaskResult's args.TaskID
	result   string    // SubmitTaskResult's args.ResultData
	answer   string    // what the fake answered
	at       time.Time // when the call arrived
	answered time.Time // when the fake returned its answer (zero while held)
}

func (c wrkCall) String() string {
	if c.method == "RequestTask" {
		return fmt.Sprintf("RequestTask(WorkerID %q) -> %s", c.worker, c.answer)
	}
	return fmt.Sprintf("SubmitTaskResult(WorkerID %q, TaskID %d, ResultData %q) -> %s", c.worker, c.taskID, c.result, c.answer)
}

// wrkFake is the scripted master. RequestTask answers with the steps in
// order, then with rest; SubmitTaskResult acknowledges, except that its
// first calls return the errors of submitErrs that are not "".
type wrkFake struct {
	kick chan struct{} // a call arrived (room for 1: a signal, not a count)
	stop chan struct{} // closed when the test ends: held calls return
	once sync.Once

	mu         sync.Mutex
	steps      []wrkStep
	rest       wrkStep
	submitErrs []string
	nreq, nsub int
	calls      []wrkCall
}

func wrkNewFake(steps ...wrkStep) *wrkFake {
	return &wrkFake{kick: make(chan struct{}, 1), stop: make(chan struct{}), steps: steps, rest: wrkNoMore}
}

func (f *wrkFake) arrive(c wrkCall) int {
	f.mu.Lock()
	i := len(f.calls)
	f.calls = append(f.calls, c)
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
	return i
}

func (f *wrkFake) answered(i int) {
	f.mu.Lock()
	f.calls[i].answered = time.Now()
	f.mu.Unlock()
}

// RequestTask answers with the next step of the script.
func (f *wrkFake) RequestTask(args *RequestTaskArgs, reply *RequestTaskReply) error {
	now := time.Now()
	f.mu.Lock()
	step := f.rest
	if f.nreq < len(f.steps) {
		step = f.steps[f.nreq]
	}
	f.nreq++
	f.mu.Unlock()
	i := f.arrive(wrkCall{method: "RequestTask", worker: args.WorkerID, answer: step.String(), at: now})
	if step.hold != nil {
		select {
		case <-step.hold:
		case <-f.stop:
		}
	}
	defer f.answered(i)
	if step.err != "" {
		return errors.New(step.err)
	}
	if step.task != nil {
		t := *step.task
		reply.Task = &t
	}
	reply.NoMoreTasks = step.noMore
	return nil
}

// SubmitTaskResult records the result and acknowledges it, or returns the
// scripted error.
func (f *wrkFake) SubmitTaskResult(args *SubmitTaskArgs, reply *SubmitTaskReply) error {
	now := time.Now()
	f.mu.Lock()
	errText := ""
	if f.nsub < len(f.submitErrs) {
		errText = f.submitErrs[f.nsub]
	}
	f.nsub++
	f.mu.Unlock()
	answer := "Acknowledged"
	if errText != "" {
		answer = fmt.Sprintf("error %q", errText)
	}
	i := f.arrive(wrkCall{method: "SubmitTaskResult", worker: args.WorkerID, taskID: args.TaskID,
		result: args.ResultData, answer: answer, at: now})
	defer f.answered(i)
	if errText != "" {
		return errors.New(errText)
	}
	reply.Acknowledged = true
	return nil
}

// release lets every held call return.
func (f *wrkFake) release() { f.once.Do(func() { close(f.stop) }) }

// log returns the calls received so far, in order.
func (f *wrkFake) log() []wrkCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wrkCall(nil), f.calls...)
}

// count returns how many calls of method have arrived.
func (f *wrkFake) count(method string) int {
	n := 0
	for _, c := range f.log() {
		if c.method == method {
			n++
		}
	}
	return n
}

// wrkTranscript shows calls one a line, for a message.
func wrkTranscript(calls []wrkCall) string {
	if len(calls) == 0 {
		return "\t(no call at all)"
	}
	const keep = 12
	var b strings.Builder
	for i, c := range calls {
		if i == keep {
			fmt.Fprintf(&b, "\t... and %d more calls\n", len(calls)-keep)
			break
		}
		fmt.Fprintf(&b, "\t%d. %s\n", i+1, c)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// --- The master's end of the connections ----------------------------------------

// wrkListener counts the connections accepted, and sees every write on
// them (the fake's replies) and every close.
type wrkListener struct {
	net.Listener
	kick chan struct{} // something happened (room for 1)

	mu     sync.Mutex
	conns  []*wrkConn
	writes int
}

type wrkConn struct {
	net.Conn
	l      *wrkListener
	once   sync.Once
	closed chan struct{}
}

func (l *wrkListener) signal() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

func (l *wrkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	wc := &wrkConn{Conn: c, l: l, closed: make(chan struct{})}
	l.mu.Lock()
	l.conns = append(l.conns, wc)
	l.mu.Unlock()
	l.signal()
	return wc, nil
}

func (c *wrkConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.l.mu.Lock()
	c.l.writes++
	c.l.mu.Unlock()
	c.l.signal()
	return n, err
}

func (c *wrkConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { close(c.closed) })
	return err
}

func (l *wrkListener) accepted() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

func (l *wrkListener) written() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes
}

// wrkMaster is the fake master, served. It is served with Serve, the
// provided server, on a listener that counts the connections (serve would
// hide them).
type wrkMaster struct {
	*wrkFake
	srv *Server
	lis *wrkListener
}

// wrkStart serves f under MasterServiceName on a loopback port until the
// test ends.
func wrkStart(t testing.TB, f *wrkFake) *wrkMaster {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	wl := &wrkListener{Listener: l, kick: make(chan struct{}, 1)}
	srv, err := Serve(wl, MasterServiceName, f)
	if err != nil {
		l.Close()
		t.Fatalf("serving the fake master: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	t.Cleanup(f.release) // first: Close waits for the calls still running
	return &wrkMaster{wrkFake: f, srv: srv, lis: wl}
}

// worker returns a Worker of the fake master.
func (m *wrkMaster) worker(id string, process func(Task) string, backoff time.Duration) *Worker {
	return &Worker{ID: id, MasterAddr: m.srv.Addr(), Process: process, Backoff: backoff}
}

// hungUp waits until every connection the worker opened is closed at the
// master's end, which net/rpc does once it has read the worker's last
// request and answered it: after it the log is complete.
func (m *wrkMaster) hungUp(t testing.TB) {
	t.Helper()
	m.lis.mu.Lock()
	conns := append([]*wrkConn(nil), m.lis.conns...)
	m.lis.mu.Unlock()
	deadline := time.After(patience)
	for _, c := range conns {
		select {
		case <-c.closed:
		case <-deadline:
			t.Fatalf("Run returned, but its connection to the master was still open %v later.\n"+
				"Expected: Run closes its client on every way out, so the master sees the worker hang up.\n"+
				"Likely cause: no defer client.Close() right after rpc.Dial, or a client dialled and never closed "+
				"(docs/masterworker.md, part C).\n\nGoroutines running the lab's code:\n%s", patience, wrkStacks())
		}
	}
}

// await waits until the fake master has received call number n (from 0),
// and returns it; what says what the test waits for.
func (m *wrkMaster) await(t testing.TB, r *wrkRunning, n int, what, cause string) wrkCall {
	t.Helper()
	return wrkAwait(t, r, m.kick, func() (wrkCall, bool) {
		calls := m.log()
		if len(calls) > n {
			return calls[n], true
		}
		return wrkCall{}, false
	}, what, cause)
}

// awaitWrites waits until the master has written n times on the worker's
// connections: with net/rpc, once per reply.
func (m *wrkMaster) awaitWrites(t testing.TB, r *wrkRunning, n int, what, cause string) {
	t.Helper()
	wrkAwait(t, r, m.lis.kick, func() (struct{}, bool) { return struct{}{}, m.lis.written() >= n }, what, cause)
}

// wrkAwait polls ready each time kick fires, until it says yes; it fails t
// if Run returns first, or if patience runs out.
func wrkAwait[T any](t testing.TB, r *wrkRunning, kick <-chan struct{}, ready func() (T, bool), what, cause string) T {
	t.Helper()
	timeout := time.After(patience)
	for {
		if v, ok := ready(); ok {
			return v
		}
		select {
		case <-kick:
		case <-r.done:
			r.failIfPanicked(t)
			if v, ok := ready(); ok {
				return v
			}
			t.Fatalf("Run returned %v before %s.\nLikely cause: %s", r.err, what, cause)
		case <-timeout:
			t.Fatalf("waited %v for %s.\nLikely cause: %s\n\nGoroutines running the lab's code:\n%s",
				patience, what, cause, wrkStacks())
		}
	}
}

// wrkStacks returns the goroutines running the lab's code, for a message.
func wrkStacks() string {
	if s := labtest.Goroutines(".", 8); s != "" {
		return s
	}
	return "(none in the lab's own code)"
}

// --- Running the worker ---------------------------------------------------------

// wrkRunning is a Run in a goroutine of its own.
type wrkRunning struct {
	done      chan struct{} // closed when Run has returned (or panicked)
	err       error
	recovered any // what Run panicked with, if it did
	stack     []byte
}

// wrkRun starts w.Run(ctx) in a goroutine of its own. A panic (a stub's
// "not implemented" too) is kept for the test's goroutine to report (see
// failIfPanicked): a goroutine still running when the test has ended must
// not call t.
func wrkRun(t testing.TB, w *Worker, ctx context.Context) *wrkRunning {
	r := &wrkRunning{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		defer func() {
			if v := recover(); v != nil {
				r.recovered, r.stack = v, debug.Stack()
			}
		}()
		r.err = w.Run(ctx)
	}()
	return r
}

// failIfPanicked fails t if Run, which has returned, panicked: a stub with
// its message.
func (r *wrkRunning) failIfPanicked(t testing.TB) {
	t.Helper()
	if r.recovered == nil {
		return
	}
	if s, ok := labtest.Stub(r.recovered); ok {
		t.Fatal(s)
	}
	t.Fatalf("Worker.Run panicked: %v\n\n%s", r.recovered, r.stack)
}

// wait waits at most patience for Run to return, and returns its error;
// what is what Run was doing, cause the likely cause if it does not return.
func (r *wrkRunning) wait(t testing.TB, what, cause string) error {
	t.Helper()
	select {
	case <-r.done:
		r.failIfPanicked(t)
		return r.err
	case <-time.After(patience):
		t.Fatalf("Run did not return within %v %s.\nLikely cause: %s\n\nGoroutines running the lab's code:\n%s",
			patience, what, cause, wrkStacks())
	}
	return nil
}

// wrkProcess is a Process that records the tasks it is given and returns
// their data upper-cased.
type wrkProcess struct {
	mu    sync.Mutex
	tasks []Task
}

func (p *wrkProcess) upper(t Task) string {
	p.mu.Lock()
	p.tasks = append(p.tasks, t)
	p.mu.Unlock()
	return strings.ToUpper(t.Data)
}

func (p *wrkProcess) seen() []Task {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Task(nil), p.tasks...)
}

// wrkResult is what wrkProcess.upper returns for t.
func wrkResult(t Task) string { return strings.ToUpper(t.Data) }

// wrkCheckTranscript fails t unless the fake master received exactly the
// calls want, shown as wrkCall.String shows them.
func wrkCheckTranscript(t testing.TB, calls []wrkCall, want []string, what, cause string) {
	t.Helper()
	ok := len(calls) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = calls[i].String() == want[i]
	}
	if ok {
		return
	}
	var b strings.Builder
	for i, w := range want {
		fmt.Fprintf(&b, "\t%d. %s\n", i+1, w)
	}
	t.Fatalf("%s: the master received these calls:\n%s\nExpected exactly:\n%s\nLikely cause: %s",
		what, wrkTranscript(calls), strings.TrimSuffix(b.String(), "\n"), cause)
}

// wrkWant is the transcript line of a call, for wrkCheckTranscript.
func wrkWantRequest(id string, answer wrkStep) string {
	return wrkCall{method: "RequestTask", worker: id, answer: answer.String()}.String()
}

func wrkWantSubmit(id string, task Task) string {
	return wrkCall{method: "SubmitTaskResult", worker: id, taskID: task.ID, result: wrkResult(task), answer: "Acknowledged"}.String()
}

// wrkCheckWaits fails t if the worker asked again sooner than backoff after
// a call answered with nothing ready (or with an error, if errorsToo): the
// next call arrived at least backoff after the answer left, for a worker
// that waits.
func wrkCheckWaits(t testing.TB, calls []wrkCall, backoff time.Duration, errorsToo bool) {
	t.Helper()
	for i := 0; i+1 < len(calls); i++ {
		c := calls[i]
		empty := c.answer == wrkEmpty.String()
		failed := errorsToo && c.method == "RequestTask" && strings.HasPrefix(c.answer, "error")
		if c.method != "RequestTask" || !empty && !failed {
			continue
		}
		if gap := calls[i+1].at.Sub(c.answered); gap < backoff {
			t.Fatalf("the worker asked again %v after call %d was answered with %s; its Backoff is %v.\n"+
				"Expected: after a reply with no task (or an error the master returned), wait Backoff, then ask again.\n"+
				"Likely cause: no wait at all, a hot spin that floods the master with calls; or the wait is not "+
				"w.Backoff (0: DefaultBackoff) (docs/masterworker.md, part C).\n\nThe calls:\n%s",
				gap.Round(time.Microsecond), i+1, c.answer, backoff, wrkTranscript(calls))
		}
	}
}

// wrkCtx returns a context cancelled when the test ends, and its cancel.
func wrkCtx(t testing.TB) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx, cancel
}

// --- C. The pull worker ---------------------------------------------------------

// TestWorkerLoop gives the worker three tasks and then NoMoreTasks: each
// task is processed once and its result submitted, with the worker's ID,
// the task's ID and Process's result; NoMoreTasks ends Run with nil and no
// call after it; and all of it goes over one connection.
func TestWorkerLoop(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	tasks := newTasks(3)
	m := wrkStart(t, wrkNewFake(wrkTask(tasks[0]), wrkTask(tasks[1]), wrkTask(tasks[2]), wrkNoMore))
	p := &wrkProcess{}
	const id = "worker-7"
	r := wrkRun(t, m.worker(id, p.upper, wrkBackoff), context.Background())
	err := r.wait(t, "with three tasks and then NoMoreTasks from the master",
		"a call that never returns, or a loop that does not end on NoMoreTasks (docs/masterworker.md, part C).")
	if err != nil {
		t.Fatalf("Run returned %v; the master had handed out three tasks and then replied NoMoreTasks.\n"+
			"Expected: nil. NoMoreTasks means every task is completed: go home (docs/masterworker.md, part C).\n\n"+
			"The calls:\n%s", err, wrkTranscript(m.log()))
	}
	m.hungUp(t)
	if seen := p.seen(); fmt.Sprint(seen) != fmt.Sprint(tasks) {
		t.Fatalf("Process was given %v; the master handed out %v, in that order.\n"+
			"Expected: each task handed out is processed once: request, process, submit (docs/masterworker.md, part C).",
			seen, tasks)
	}
	want := []string{}
	for _, task := range tasks {
		want = append(want, wrkWantRequest(id, wrkTask(task)), wrkWantSubmit(id, task))
	}
	want = append(want, wrkWantRequest(id, wrkNoMore))
	wrkCheckTranscript(t, m.log(), want, "Run with three tasks",
		"each call carries w.ID as WorkerID; each submission carries the ID of the task just processed and "+
			"what Process returned; after NoMoreTasks the worker calls no more (docs/masterworker.md, part C).")
	if n := m.lis.accepted(); n != 1 {
		t.Fatalf("the worker opened %d connections to the master for %d calls.\n"+
			"Expected: one. Dial once, before the loop, and make every call on that client.\n"+
			"Likely cause: rpc.Dial inside the loop, as the push master dials per task; a client per call costs a "+
			"TCP handshake each time, and every one left open is a leak (docs/masterworker.md, part C).", n, len(m.log()))
	}
}

// TestWorkerWaitsWhenNothingReady answers the first requests with nothing
// ready: the worker must ask again (not stop), each time no sooner than
// Backoff after the reply, and then take the task that comes.
func TestWorkerWaitsWhenNothingReady(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	task := newTasks(1)[0]
	const empties = 4
	steps := []wrkStep{}
	for range empties {
		steps = append(steps, wrkEmpty)
	}
	steps = append(steps, wrkTask(task), wrkNoMore)
	m := wrkStart(t, wrkNewFake(steps...))
	p := &wrkProcess{}
	const id = "worker-3"
	r := wrkRun(t, m.worker(id, p.upper, wrkBackoff), context.Background())
	err := r.wait(t, "after replies with nothing ready, a task, and NoMoreTasks",
		"the wait after an empty reply does not end (a timer never started, or a wait on a channel nobody sends on) "+
			"(docs/masterworker.md, part C).")
	m.hungUp(t)
	calls := m.log()
	if n := m.count("RequestTask"); n <= empties && err == nil {
		t.Fatalf("Run returned %v after %d RequestTask call(s), all answered with nothing ready (no task, no NoMoreTasks).\n"+
			"Expected: a reply with neither a task nor NoMoreTasks means nothing is ready now: wait Backoff and ask again. "+
			"Only NoMoreTasks ends the loop.\nLikely cause: a nil Task taken for \"no more tasks\": the master replies "+
			"nothing-ready while every task is in progress, because one may still time out and need a worker "+
			"(docs/masterworker.md, part C).\n\nThe calls:\n%s", err, n, wrkTranscript(calls))
	}
	if err != nil {
		t.Fatalf("Run returned %v; the master replied nothing-ready %d times, then handed out a task, then replied NoMoreTasks.\n"+
			"Expected: nil (docs/masterworker.md, part C).\n\nThe calls:\n%s", err, empties, wrkTranscript(calls))
	}
	wrkCheckWaits(t, calls, wrkBackoff, false)
	want := []string{}
	for range empties {
		want = append(want, wrkWantRequest(id, wrkEmpty))
	}
	want = append(want, wrkWantRequest(id, wrkTask(task)), wrkWantSubmit(id, task), wrkWantRequest(id, wrkNoMore))
	wrkCheckTranscript(t, calls, want, "Run after replies with nothing ready",
		"after a reply with no task, ask again; when a task comes, process it and submit it (docs/masterworker.md, part C).")
	if n := m.lis.accepted(); n != 1 {
		t.Fatalf("the worker opened %d connections to the master for %d calls.\n"+
			"Expected: one: dial once, before the loop (docs/masterworker.md, part C).", n, len(calls))
	}
}

// TestWorkerDefaultBackoff runs a worker whose Backoff is 0: after a reply
// with nothing ready it must wait DefaultBackoff, not nothing.
func TestWorkerDefaultBackoff(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	m := wrkStart(t, wrkNewFake(wrkEmpty, wrkNoMore))
	p := &wrkProcess{}
	r := wrkRun(t, m.worker("worker-0", p.upper, 0), context.Background())
	err := r.wait(t, "with Backoff 0, after a reply with nothing ready and then NoMoreTasks",
		"the wait after an empty reply does not end (docs/masterworker.md, part C).")
	m.hungUp(t)
	calls := m.log()
	if len(calls) != 2 || err != nil {
		t.Fatalf("with Backoff 0, after a reply with nothing ready and then NoMoreTasks, Run returned %v; the master "+
			"received:\n%s\nExpected: two RequestTask calls (nothing ready; wait DefaultBackoff; ask again; NoMoreTasks), "+
			"then nil. Only NoMoreTasks ends the loop (docs/masterworker.md, part C).", err, wrkTranscript(calls))
	}
	if gap := calls[1].at.Sub(calls[0].answered); gap < DefaultBackoff {
		t.Fatalf("with Backoff 0, the worker asked again %v after a reply with nothing ready.\n"+
			"Expected: at least DefaultBackoff (%v): a Backoff of 0 means DefaultBackoff.\n"+
			"Likely cause: w.Backoff used as it is; a wait of 0 is a hot spin (docs/masterworker.md, part C).",
			gap.Round(time.Microsecond), DefaultBackoff)
	}
}

// TestWorkerFreshReply hands out a task, then nothing ready: the worker
// must not run the old task again. gob sends no nil Task, so a reply
// struct reused across calls still holds the last task.
func TestWorkerFreshReply(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	task := newTasks(1)[0]
	m := wrkStart(t, wrkNewFake(wrkTask(task), wrkEmpty, wrkNoMore))
	p := &wrkProcess{}
	const id = "worker-5"
	r := wrkRun(t, m.worker(id, p.upper, wrkBackoff), context.Background())
	err := r.wait(t, "after a task, a reply with nothing ready, and NoMoreTasks",
		"a call that never returns, or a loop that does not end on NoMoreTasks (docs/masterworker.md, part C).")
	m.hungUp(t)
	if seen := p.seen(); len(seen) != 1 {
		t.Fatalf("Process ran %d times, on %v; the master handed out task %d once, and its next reply had no task.\n"+
			"Expected: one run of the task.\nLikely cause: the RequestTaskReply is reused across calls. gob does not "+
			"send a nil Task, so decoding the nothing-ready reply leaves the last task in place, and the worker runs "+
			"it again. Declare a fresh reply for each call (docs/masterworker.md, part C).\n\nThe calls:\n%s",
			len(seen), seen, task.ID, wrkTranscript(m.log()))
	}
	if err != nil {
		t.Fatalf("Run returned %v after a task, a reply with nothing ready, and NoMoreTasks.\nExpected: nil "+
			"(docs/masterworker.md, part C).\n\nThe calls:\n%s", err, wrkTranscript(m.log()))
	}
	wrkCheckTranscript(t, m.log(), []string{
		wrkWantRequest(id, wrkTask(task)), wrkWantSubmit(id, task), wrkWantRequest(id, wrkEmpty), wrkWantRequest(id, wrkNoMore),
	}, "Run after a task and a reply with nothing ready",
		"a nothing-ready reply is read as a task, or as the end; use a fresh reply for each call (docs/masterworker.md, part C).")
}

// TestWorkerServerError makes the master's RequestTask and then its
// SubmitTaskResult return an error (an rpc.ServerError at the worker: the
// connection is fine): the worker must back off and keep going, not
// return.
func TestWorkerServerError(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	tasks := newTasks(2)
	f := wrkNewFake(wrkStep{err: "master: busy, try again"}, wrkTask(tasks[0]), wrkTask(tasks[1]), wrkNoMore)
	f.submitErrs = []string{"master: cannot take this result now"}
	m := wrkStart(t, f)
	p := &wrkProcess{}
	const id = "worker-9"
	r := wrkRun(t, m.worker(id, p.upper, wrkBackoff), context.Background())
	err := r.wait(t, "after errors from the master's methods",
		"the wait after an error does not end (docs/masterworker.md, part C).")
	m.hungUp(t)
	calls := m.log()
	if err != nil {
		after := "its calls"
		if n := len(calls); n > 0 {
			after = "its " + calls[n-1].method + " was answered with " + calls[n-1].answer
		}
		t.Fatalf("Run returned the error %q after %s.\n"+
			"Expected: an error the master's method returned (an rpc.ServerError: the connection is fine, the "+
			"master is there) is not the end: wait Backoff and ask again. Only a broken connection means the master "+
			"is gone, and only NoMoreTasks means the work is done.\nLikely cause: every error from a call taken for a "+
			"broken connection. Tell them apart: errors.As(err, &se), with se an rpc.ServerError, is true only "+
			"for the master's own errors (docs/masterworker.md, part C).\n\nThe calls:\n%s", err.Error(), after, wrkTranscript(calls))
	}
	wrkCheckWaits(t, calls, wrkBackoff, true)
	subs := []wrkCall{}
	for _, c := range calls {
		if c.method == "SubmitTaskResult" {
			subs = append(subs, c)
		}
	}
	if n := len(subs); n == 0 || subs[n-1].String() != wrkWantSubmit(id, tasks[1]) {
		t.Fatalf("after the master's errors, the worker did not go on to submit task 2's result %q.\n"+
			"Expected: after an error, wait and ask again; then process the task that comes and submit it "+
			"(docs/masterworker.md, part C).\n\nThe calls:\n%s", wrkResult(tasks[1]), wrkTranscript(calls))
	}
	if last := calls[len(calls)-1]; last.String() != wrkWantRequest(id, wrkNoMore) {
		t.Fatalf("the worker's last call was %s; Run returned after the master's NoMoreTasks.\n"+
			"Expected: no call after NoMoreTasks (docs/masterworker.md, part C).\n\nThe calls:\n%s",
			last, wrkTranscript(calls))
	}
}

// wrkCheckGone fails t unless err, Run's error, wraps ErrMasterGone.
func wrkCheckGone(t testing.TB, err error, when string, calls []wrkCall) {
	t.Helper()
	if !errors.Is(err, ErrMasterGone) {
		t.Fatalf("Run returned %v %s.\n"+
			"Expected: an error wrapping ErrMasterGone (fmt.Errorf(\"%%w: ...\", ErrMasterGone, ...)), so that "+
			"errors.Is(err, ErrMasterGone) tells the caller the master cannot be reached (docs/masterworker.md, part C)."+
			"\n\nThe calls:\n%s", err, when, wrkTranscript(calls))
	}
}

// wrkGoneCause is the likely cause of a worker that does not notice that
// its master is gone.
const wrkGoneCause = "every error from a call is retried after the back-off, as if the master had returned it. Only an " +
	"rpc.ServerError comes from the master; any other error (io.ErrUnexpectedEOF, rpc.ErrShutdown, a reset) means the " +
	"connection is broken, and net/rpc fails every later call at once: return an error wrapping ErrMasterGone " +
	"(docs/masterworker.md, part C)."

// TestWorkerMasterGoneWhileWaiting stops the master while the worker waits
// after a reply with nothing ready: its next call fails, and Run must
// return an error wrapping ErrMasterGone, not try again for ever.
func TestWorkerMasterGoneWhileWaiting(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	f := wrkNewFake(wrkEmpty)
	f.rest = wrkEmpty
	m := wrkStart(t, f)
	ctx, _ := wrkCtx(t)
	r := wrkRun(t, m.worker("worker-2", (&wrkProcess{}).upper, wrkBackoff), ctx)
	m.awaitWrites(t, r, 1, "the master's reply to the first RequestTask to leave",
		"Run must dial MasterAddr and call MasterService.RequestTask; it must not stop at a reply with "+
			"nothing ready (docs/masterworker.md, part C).")
	within(t, patience, "stopping the fake master (Server.Close)", "a call of the worker held in the fake master.",
		func() { m.srv.Close() })
	err := r.wait(t, "after the master was stopped while the worker waited to ask again", wrkGoneCause)
	wrkCheckGone(t, err, "after the master was stopped while the worker waited to ask again", m.log())
}

// TestWorkerMasterGoneMidCall stops the master while it holds the worker's
// RequestTask: the call fails, and Run must return an error wrapping
// ErrMasterGone.
func TestWorkerMasterGoneMidCall(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	gate := make(chan struct{})
	f := wrkNewFake(wrkHold(gate, wrkEmpty))
	f.rest = wrkEmpty
	m := wrkStart(t, f)
	ctx, _ := wrkCtx(t)
	r := wrkRun(t, m.worker("worker-4", (&wrkProcess{}).upper, wrkBackoff), ctx)
	m.await(t, r, 0, "the first RequestTask to reach the master",
		"Run must dial MasterAddr and call MasterService.RequestTask (docs/masterworker.md, part C).")
	// Close closes the connections, then waits for the held call: in a
	// goroutine, until the test opens the gate.
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		m.srv.Close()
	}()
	err := r.wait(t, "after the master was stopped in the middle of its RequestTask call", wrkGoneCause)
	wrkCheckGone(t, err, "after the master was stopped in the middle of its RequestTask call", m.log())
	close(gate)
	select {
	case <-closed:
	case <-time.After(patience):
		t.Fatalf("the fake master's Server.Close did not return within %v of its held call ending.\n\n"+
			"Goroutines running the lab's code:\n%s", patience, wrkStacks())
	}
}

// TestWorkerNoMaster runs a worker whose MasterAddr nobody listens at: Run
// must return an error wrapping ErrMasterGone.
func TestWorkerNoMaster(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	addr := l.Addr().String()
	l.Close() // now nobody listens there: a dial is refused
	p := &wrkProcess{}
	w := &Worker{ID: "worker-1", MasterAddr: addr, Process: p.upper, Backoff: wrkBackoff}
	r := wrkRun(t, w, context.Background())
	err = r.wait(t, "with nobody listening at MasterAddr",
		"a failed rpc.Dial is retried, or ignored (docs/masterworker.md, part C).")
	if !errors.Is(err, ErrMasterGone) {
		t.Fatalf("Run returned %v with nobody listening at MasterAddr %s.\n"+
			"Expected: an error wrapping ErrMasterGone: the dial failed, there is no master to work for "+
			"(docs/masterworker.md, part C).", err, addr)
	}
	if seen := p.seen(); len(seen) != 0 {
		t.Fatalf("Process ran on %v with no master at all (docs/masterworker.md, part C).", seen)
	}
}

// TestWorkerCancelWhileWaiting cancels the worker's context while it waits
// (for an hour) after a reply with nothing ready: Run must return
// ctx.Err() at once.
func TestWorkerCancelWhileWaiting(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	f := wrkNewFake(wrkEmpty)
	f.rest = wrkEmpty
	m := wrkStart(t, f)
	ctx, cancel := wrkCtx(t)
	r := wrkRun(t, m.worker("worker-6", (&wrkProcess{}).upper, time.Hour), ctx)
	m.awaitWrites(t, r, 1, "the master's reply to the first RequestTask to leave",
		"Run must dial MasterAddr and call MasterService.RequestTask; it must not stop at a reply with "+
			"nothing ready (docs/masterworker.md, part C).")
	// The reply has left; give the worker time to read it and start its
	// wait, so that the cancellation finds it waiting, not in its call. (A
	// correct worker returns ctx.Err() either way: this only makes sure
	// the wait is what is tested.)
	time.Sleep(wrkSettle)
	cancel()
	err := r.wait(t, "after its context was cancelled while it waited (Backoff: an hour) to ask again",
		"the wait is a time.Sleep, which nothing interrupts. Wait in a select on a timer's channel and ctx.Done() "+
			"(docs/masterworker.md, part C).")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v after its context was cancelled while it waited to ask again.\n"+
			"Expected: ctx.Err(), context.Canceled (docs/masterworker.md, part C).", err)
	}
	m.hungUp(t)
	if n := m.count("RequestTask"); n != 1 {
		t.Fatalf("the worker called RequestTask %d times; its context was cancelled while it waited after the first.\n"+
			"Expected: one call, then Run returns ctx.Err() (docs/masterworker.md, part C).\n\nThe calls:\n%s",
			n, wrkTranscript(m.log()))
	}
}

// TestWorkerCancelDuringCall cancels the worker's context while the master
// holds its RequestTask call: Run must return ctx.Err() at once, without
// waiting for the reply.
func TestWorkerCancelDuringCall(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	gate := make(chan struct{})
	f := wrkNewFake(wrkHold(gate, wrkEmpty))
	f.rest = wrkEmpty
	m := wrkStart(t, f)
	ctx, cancel := wrkCtx(t)
	r := wrkRun(t, m.worker("worker-8", (&wrkProcess{}).upper, wrkBackoff), ctx)
	m.await(t, r, 0, "the first RequestTask to reach the master",
		"Run must dial MasterAddr and call MasterService.RequestTask (docs/masterworker.md, part C).")
	cancel()
	err := r.wait(t, "after its context was cancelled while the master held its RequestTask call",
		"client.Call, which waits for the reply whatever ctx says: a master that hangs hangs the worker. "+
			"Start the call with client.Go and wait in a select on call.Done and ctx.Done() (docs/masterworker.md, part C).")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v after its context was cancelled while the master held its RequestTask call.\n"+
			"Expected: ctx.Err(), context.Canceled (docs/masterworker.md, part C).", err)
	}
	close(gate)
	m.hungUp(t)
}

// TestWorkerCrashMidTask cancels the worker's context while Process runs:
// the worker has crashed mid-task, so its result must not be submitted
// (the master's time-out gives the task to another worker), and Run
// returns ctx.Err().
func TestWorkerCrashMidTask(t *testing.T) {
	noLeaks(t, "Worker.Run", wrkLeakAdvice)
	task := newTasks(1)[0]
	m := wrkStart(t, wrkNewFake(wrkTask(task), wrkNoMore))
	ctx, cancel := wrkCtx(t)
	var (
		mu      sync.Mutex
		started []Task
	)
	kick, finish := make(chan struct{}, 1), make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-finish:
		default:
			close(finish)
		}
	})
	process := func(tk Task) string {
		mu.Lock()
		started = append(started, tk)
		mu.Unlock()
		select {
		case kick <- struct{}{}:
		default:
		}
		<-finish
		return wrkResult(tk)
	}
	r := wrkRun(t, m.worker("worker-10", process, wrkBackoff), ctx)
	wrkAwait(t, r, kick, func() (struct{}, bool) {
		mu.Lock()
		defer mu.Unlock()
		return struct{}{}, len(started) > 0
	}, "Process to be called with the task the master handed out", "Run must call w.Process(*reply.Task) "+
		"when the reply has a task (docs/masterworker.md, part C).")
	cancel()
	close(finish)
	err := r.wait(t, "after its context was cancelled while Process ran", "a call or a wait that ignores ctx "+
		"(docs/masterworker.md, part C).")
	m.hungUp(t)
	if n := m.count("SubmitTaskResult"); n != 0 {
		t.Fatalf("the worker submitted a result after its context was cancelled while Process ran.\n"+
			"Expected: no submission. A context done when Process returns is a crash mid-task: return ctx.Err() "+
			"and submit nothing; the master's time-out gives the task to another worker.\n"+
			"Likely cause: no check of ctx.Err() between Process and SubmitTaskResult (docs/masterworker.md, part C)."+
			"\n\nThe calls:\n%s", wrkTranscript(m.log()))
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v after its context was cancelled while Process ran.\n"+
			"Expected: ctx.Err(), context.Canceled (docs/masterworker.md, part C).", err)
	}
}
