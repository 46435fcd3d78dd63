package masterworker

// The tests of part D: who holds the state. They run your Dispatch, Master
// and Worker together, as whole systems that lose workers, over real
// net/rpc:
//
//   - pull, the server holds the state (TestStatePull...): your Master on a
//     loopback port with a real time-out, and your Workers, some slow, some
//     crashing in the middle of a task and starting again as new workers;
//     then 64 workers and 300 tasks, each done exactly once;
//   - push, the client holds the state (TestStatePush...): your Dispatch
//     over workers that crash in the middle of the run;
//   - both hold state (TestStateHybrid...): a worker that keeps its result
//     across a crash and submits it again when it restarts, while it still
//     holds its task and after the task went to another worker. The test
//     plays the workers with raw net/rpc calls to your Master.
//
// Your master is served through a recording proxy: it forwards each call to
// your *Master and notes each task handed out and each result submitted,
// with the time just before and just after the call. The checks compare
// those records with what your master kept, and allow for any delay: a
// slow worker is not slow by a guessed sleep, it holds its task until the
// proxy has seen the task handed to another worker; and a time-out is
// checked only where the records prove it. Run them with:
//
//	go test -race -run 'TestState' ./masterworker/

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/rpc"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golabs/internal/labtest"
)

// scnTimeout is the pull master's time-out in TestStatePullCrashesAndStalls:
// real time, short, so that the tasks of crashed and slow workers go back
// soon. No check depends on how fast the machine is: a slow worker waits for
// its task to be handed to another, and the time-out property is checked
// from the proxy's records with the widest margins they allow.
const scnTimeout = 150 * time.Millisecond

// scnBackoff is the workers' Backoff: they ask again soon.
const scnBackoff = 5 * time.Millisecond

// scnPatience bounds a whole scenario. The reference needs well under a
// second; the margin is for a loaded machine.
const scnPatience = 2 * patience

// scnPullLeakAdvice is what a pull test that leaves goroutines is told.
const scnPullLeakAdvice = "Master.Close must end the scanner and wait for it; Worker.Run must close its " +
	"*rpc.Client before it returns, whatever it returns (docs/masterworker.md, parts B and C)."

// scnPushLeakAdvice is what a push test that leaves goroutines is told.
const scnPushLeakAdvice = "Dispatch must wait for every goroutine it started (a sync.WaitGroup) and close " +
	"every *rpc.Client it dialled, also when workers crash (docs/masterworker.md, part A)."

// scnStacks returns the goroutines running the lab's code, for a message.
func scnStacks() string {
	if s := labtest.Goroutines(".", 8); s != "" {
		return s
	}
	return "(none in the lab's own code)"
}

// scnResult is the result a pull worker makes of a task: it names both.
func scnResult(worker string, t Task) string {
	return fmt.Sprintf("%s's result of task %d (%s)", worker, t.ID, t.Data)
}

// --- The recording proxy ----------------------------------------------------------

// scnHandout is a task the master handed out, as the proxy saw it: the
// master's RequestTask ran between before and after.
type scnHandout struct {
	worker        string
	task          int
	before, after time.Time
}

// scnSubmit is a result submitted to the master, as the proxy saw it.
type scnSubmit struct {
	worker        string
	task          int
	data          string
	before, after time.Time
}

var (
	scnErrPanicked = errors.New("scn proxy: the master's method panicked (the test has said so)")
	scnErrStuck    = errors.New("scn proxy: the master's method did not return (the test has said so)")
	scnErrStopped  = errors.New("scn proxy: the test has ended")
)

// scnProxy is registered as MasterServiceName in place of the student's
// master. It forwards each call to the master, and records what it handed
// out and what was submitted. A panic in the master, or a call that does
// not return within callPatience, is recorded as a problem and fails the
// scenario at once: net/rpc would let a panic end the test binary, and a
// method that never returns would hold Server.Close for ever.
type scnProxy struct {
	m            *Master
	start        time.Time
	callPatience time.Duration
	stop         chan struct{} // closed when the test ends: calls give up
	failed       chan struct{} // closed at the first problem
	failOnce     sync.Once

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced at each record
	known    map[string]bool
	handouts []scnHandout
	submits  []scnSubmit
	requests int             // RequestTask calls answered
	noMore   map[string]bool // the workers told NoMoreTasks
	problems []string
}

func scnNewProxy(m *Master, callPatience time.Duration) *scnProxy {
	return &scnProxy{
		m:            m,
		start:        time.Now(),
		callPatience: callPatience,
		stop:         make(chan struct{}),
		failed:       make(chan struct{}),
		changed:      make(chan struct{}),
		known:        make(map[string]bool),
		noMore:       make(map[string]bool),
	}
}

// expect declares a worker ID: a call with another ID is a problem.
func (p *scnProxy) expect(ids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		p.known[id] = true
	}
}

// since writes t as the time since the proxy started, for a message.
func (p *scnProxy) since(t time.Time) string {
	return "+" + t.Sub(p.start).Round(time.Millisecond).String()
}

// problem records what went wrong and fails the scenario.
func (p *scnProxy) problem(s string) {
	p.mu.Lock()
	p.problems = append(p.problems, s)
	p.mu.Unlock()
	p.failOnce.Do(func() { close(p.failed) })
}

// problemsText returns the problems recorded so far.
func (p *scnProxy) problemsText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.problems, "\n\n")
}

// broadcast wakes whoever waits for a record. Call it with mu held.
func (p *scnProxy) broadcast() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// checkWorker records a problem if id is not a worker's ID. Call it with mu
// held.
func (p *scnProxy) checkWorker(method, id string) {
	if len(p.known) > 0 && !p.known[id] {
		p.problems = append(p.problems, fmt.Sprintf("a call of %s came with WorkerID %q, which is no worker's ID.\n"+
			"Likely cause: Worker.Run must send w.ID as the WorkerID of every call (docs/masterworker.md, part C).",
			method, id))
		p.failOnce.Do(func() { close(p.failed) })
	}
}

// forward runs call, the master's method, in a goroutine of its own and
// waits for it at most callPatience.
func (p *scnProxy) forward(method, cause string, call func() error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				if s, ok := labtest.Stub(v); ok {
					p.problem(s)
				} else {
					p.problem(fmt.Sprintf("Master.%s panicked: %v\n\n%s", method, v, debug.Stack()))
				}
				done <- scnErrPanicked
			}
		}()
		done <- call()
	}()
	timer := time.NewTimer(p.callPatience)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		p.problem(fmt.Sprintf("Master.%s did not return within %v.\nExpected: the master answers every call at once.\n"+
			"Likely cause: %s\n\nGoroutines running the lab's code:\n%s", method, p.callPatience, cause, scnStacks()))
		return scnErrStuck
	case <-p.stop:
		return scnErrStopped
	}
}

// RequestTask forwards to Master.RequestTask and records a task handed out.
func (p *scnProxy) RequestTask(args *RequestTaskArgs, reply *RequestTaskReply) error {
	a := *args
	var r RequestTaskReply
	before := time.Now()
	err := p.forward("RequestTask", "RequestTask waits for a task to become Idle (the lecture's master receives "+
		"from an empty channel: never wait, reply with neither and let the worker ask again), or it waits for mu, "+
		"held by a call or the scanner that is itself blocked (docs/masterworker.md, part B).",
		func() error { return p.m.RequestTask(&a, &r) })
	after := time.Now()
	if errors.Is(err, scnErrPanicked) || errors.Is(err, scnErrStuck) || errors.Is(err, scnErrStopped) {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checkWorker("RequestTask", a.WorkerID)
	p.requests++
	switch {
	case err != nil:
		p.problems = append(p.problems, fmt.Sprintf("RequestTask of %s returned the error %v.\nExpected: one of "+
			"three replies, and no error: a task, NoMoreTasks, or neither (docs/masterworker.md, part B).", a.WorkerID, err))
		p.failOnce.Do(func() { close(p.failed) })
		return err
	case r.Task != nil && r.NoMoreTasks:
		p.problems = append(p.problems, fmt.Sprintf("RequestTask replied to %s with %v AND NoMoreTasks: a reply "+
			"says one of three things, a task, NoMoreTasks or neither (docs/masterworker.md, part B).", a.WorkerID, r.Task))
		p.failOnce.Do(func() { close(p.failed) })
	case r.Task != nil:
		p.handouts = append(p.handouts, scnHandout{worker: a.WorkerID, task: r.Task.ID, before: before, after: after})
	case r.NoMoreTasks:
		p.noMore[a.WorkerID] = true
	}
	p.broadcast()
	*reply = RequestTaskReply{NoMoreTasks: r.NoMoreTasks}
	if r.Task != nil {
		task := *r.Task
		reply.Task = &task
	}
	return nil
}

// SubmitTaskResult forwards to Master.SubmitTaskResult and records the
// submission.
func (p *scnProxy) SubmitTaskResult(args *SubmitTaskArgs, reply *SubmitTaskReply) error {
	a := *args
	var r SubmitTaskReply
	before := time.Now()
	err := p.forward("SubmitTaskResult", "SubmitTaskResult waits for mu, held by a call or by the scanner while it "+
		"blocks, for instance on a send to a full channel (docs/masterworker.md, part B).",
		func() error { return p.m.SubmitTaskResult(&a, &r) })
	after := time.Now()
	if errors.Is(err, scnErrPanicked) || errors.Is(err, scnErrStuck) || errors.Is(err, scnErrStopped) {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checkWorker("SubmitTaskResult", a.WorkerID)
	if err != nil || !r.Acknowledged {
		p.problems = append(p.problems, fmt.Sprintf("SubmitTaskResult of %s's result for task %d returned "+
			"Acknowledged %v and error %v.\nExpected: Acknowledged true and no error for every submission of a "+
			"task the master knows, kept or ignored (docs/masterworker.md, part B).", a.WorkerID, a.TaskID, r.Acknowledged, err))
		p.failOnce.Do(func() { close(p.failed) })
	}
	p.submits = append(p.submits, scnSubmit{worker: a.WorkerID, task: a.TaskID, data: a.ResultData,
		before: before, after: after})
	p.broadcast()
	*reply = r
	return err
}

// waitRehanded blocks a slow worker in its Process until the proxy has seen
// its task go to another worker: a hand-out of task to another worker
// recorded after worker's own, or a submission of task by another worker
// (which only a worker handed the task can make). It reports false if the
// test ended first.
func (p *scnProxy) waitRehanded(worker string, task int) bool {
	for {
		p.mu.Lock()
		mine := -1
		for i, h := range p.handouts {
			if h.task == task && h.worker == worker {
				mine = i
			}
		}
		rehanded := false
		for i, h := range p.handouts {
			if i > mine && h.task == task && h.worker != worker {
				rehanded = true
			}
		}
		for _, s := range p.submits {
			if s.task == task && s.worker != worker {
				rehanded = true
			}
		}
		changed := p.changed
		p.mu.Unlock()
		if rehanded {
			return true
		}
		select {
		case <-changed:
		case <-p.stop:
			return false
		}
	}
}

// definitelyStale reports whether submission s surely came when its worker
// no longer held the task: for each hand-out of the task to that worker
// that may have come before s, the proxy saw the task handed to another
// worker after it and before s. (The master's own moments are somewhere in
// the windows the proxy saw, so this never blames a valid submission.) It
// returns why.
func (p *scnProxy) definitelyStale(s scnSubmit) (string, bool) {
	mine := 0
	why := ""
	for _, h := range p.handouts {
		if h.task != s.task || h.worker != s.worker || !h.before.Before(s.after) {
			continue
		}
		mine++
		other := -1
		for j, v := range p.handouts {
			if v.task == s.task && v.worker != s.worker && v.before.After(h.after) && v.after.Before(s.before) {
				other = j
				break
			}
		}
		if other < 0 {
			return "", false
		}
		v := p.handouts[other]
		why = fmt.Sprintf("%s was handed task %d at %s, and the task was handed to %s at %s, before %s submitted it at %s",
			s.worker, s.task, p.since(h.before), v.worker, p.since(v.before), s.worker, p.since(s.before))
	}
	if mine == 0 {
		return fmt.Sprintf("%s was never handed task %d before it submitted it at %s",
			s.worker, s.task, p.since(s.before)), true
	}
	return why, true
}

// checkSpacing fails t for each task handed out twice less than one
// time-out apart. The master's own moments of the two hand-outs lie within
// the proxy's windows, so the widest the gap can be is from the earlier
// window's start to the later window's end: only if even that is shorter
// than the time-out is it surely a fault.
func (p *scnProxy) checkSpacing(t testing.TB, timeout time.Duration) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	byTask := map[int][]scnHandout{}
	for _, h := range p.handouts {
		byTask[h.task] = append(byTask[h.task], h)
	}
	reported := 0
	for _, id := range slices.Sorted(maps.Keys(byTask)) {
		hs := byTask[id]
		for i := range hs {
			for j := i + 1; j < len(hs); j++ {
				first, last := hs[i], hs[j]
				if last.before.Before(first.before) {
					first, last = last, first
				}
				end := first.after
				if last.after.After(end) {
					end = last.after
				}
				widest := end.Sub(first.before)
				if widest >= timeout || reported >= 3 {
					continue
				}
				reported++
				t.Errorf("task %d was handed to %s at %s and to %s at %s: at most %v apart, less than the time-out (%v).\n"+
					"Expected: a task goes to another worker only once the one that holds it has held it for a whole "+
					"time-out.\nLikely cause: the scanner puts back a task before its time-out has passed (compare "+
					"time.Since(start) with the time-out, not a fraction of it), or the task is in the queue twice (the "+
					"scanner puts back a task without marking it Idle, or one that is in the queue already), or "+
					"RequestTask hands out a task that is not Idle (docs/masterworker.md, part B).",
					id, first.worker, p.since(first.before), last.worker, p.since(last.before),
					widest.Round(time.Millisecond), timeout)
			}
		}
	}
}

// checkKept fails t unless results holds exactly one result for each of
// tasks, and each is a result the proxy saw submitted for that task by a
// worker that may have held it then.
func (p *scnProxy) checkKept(t testing.TB, tasks []Task, results map[int]string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := map[int]bool{}
	for _, task := range tasks {
		ids[task.ID] = true
	}
	for id := range results {
		if !ids[id] {
			t.Errorf("Results() has a result for task %d, which is no task of the master's (its tasks are 1 to %d) "+
				"(docs/masterworker.md, part B)", id, len(tasks))
		}
	}
	bad := 0
	for _, task := range tasks {
		if bad >= 3 {
			t.Errorf("(and more: only the first 3 tasks are reported)")
			return
		}
		r, ok := results[task.ID]
		if !ok {
			bad++
			t.Errorf("Results() has no result for task %d, though Done() says every task is completed "+
				"(docs/masterworker.md, part B)", task.ID)
			continue
		}
		var matching []scnSubmit
		for _, s := range p.submits {
			if s.task == task.ID && s.data == r {
				matching = append(matching, s)
			}
		}
		if len(matching) == 0 {
			bad++
			t.Errorf("the result kept for task %d is %q, which no worker submitted for task %d.\nLikely cause: the "+
				"result is stored under the wrong task, or a later call overwrote it (docs/masterworker.md, part B).",
				task.ID, r, task.ID)
			continue
		}
		why, stale := "", true
		for _, s := range matching {
			var st bool
			if why, st = p.definitelyStale(s); !st {
				stale = false
				break
			}
		}
		if stale {
			bad++
			t.Errorf("the result kept for task %d is %q: a stale result: %s.\nExpected: the master keeps a result "+
				"only from the worker that holds the task when it comes; a late result from a worker whose task timed "+
				"out, or went to another worker, is acknowledged and ignored.\nLikely cause: SubmitTaskResult keeps a "+
				"result without checking that the task is InProgress AND held by args.WorkerID, or overwrites a "+
				"completed task's result (docs/masterworker.md, parts B and D).", task.ID, r, why)
		}
	}
}

// --- The pull scenarios ------------------------------------------------------------

// scnProbeMaster calls every method of the student's Master once, in the
// test's goroutine, on a master of its own: a stub fails the test here with
// its message, and a method that hangs says so, before the scenario serves
// the master to workers.
func scnProbeMaster(t testing.TB) {
	t.Helper()
	var m *Master
	within(t, patience, "NewMaster with 1 task", "NewMaster fills the queue and starts the scanner in a goroutine "+
		"of its own: it waits for nothing (docs/masterworker.md, part B).",
		func() { m = NewMaster(newTasks(1), time.Minute) })
	if m == nil {
		t.Fatal("NewMaster returned nil; want a *Master (docs/masterworker.md, part B)")
	}
	const cause = "a Master's method answers at once: it never waits for a task, and holds mu only around the " +
		"state it reads and writes (docs/masterworker.md, part B)."
	request := func(what string) {
		within(t, patience, "Master.RequestTask "+what, "RequestTask replies at once, with a task, NoMoreTasks or "+
			"neither: it never waits for a task to become Idle (the lecture's master receives from an empty channel, "+
			"and holds the worker's call until some task times out), and holds mu only around the state it reads "+
			"and writes (docs/masterworker.md, part B).",
			func() { m.RequestTask(&RequestTaskArgs{WorkerID: "probe"}, &RequestTaskReply{}) })
	}
	submit := func(what, worker string, task int) {
		within(t, patience, "Master.SubmitTaskResult "+what, cause, func() {
			m.SubmitTaskResult(&SubmitTaskArgs{WorkerID: worker, TaskID: task, ResultData: "probe"}, &SubmitTaskReply{})
		})
	}
	request("on a new master with 1 task")
	request("with the only task in progress")
	submit("by a worker that does not hold the task", "stranger", 1)
	submit("by the worker that holds the task", "probe", 1)
	submit("of a task already completed", "probe", 1)
	submit("of a task that does not exist", "probe", 2)
	within(t, patience, "Master.Done", cause, func() { m.Done() })
	within(t, patience, "Master.Results", cause, func() { m.Results() })
	request("with every task completed")
	within(t, patience, "Master.Close", "Close ends the scanner and waits for it: the scanner must see the stop "+
		"(a select on a channel Close closes, beside the ticker) (docs/masterworker.md, part B).", func() { m.Close() })
	request("after Close")
}

// scnProbeWorker calls Worker.Run once in the test's goroutine, with a
// context already cancelled and no master: a stub fails the test here with
// its message, not in a worker's goroutine.
func scnProbeWorker(t testing.TB) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := &Worker{ID: "probe", MasterAddr: addr, Process: func(t Task) string { return "probe" }, Backoff: scnBackoff}
	within(t, patience, "Worker.Run with its context cancelled and no master at MasterAddr",
		"Run returns when the dial fails (an error wrapping ErrMasterGone) or ctx is done (docs/masterworker.md, part C).",
		func() { w.Run(ctx) })
}

// scnPull is the student's master served on a loopback port through the
// recording proxy, and the workers the test runs against it.
type scnPull struct {
	m    *Master
	p    *scnProxy
	srv  *Server
	ctx  context.Context // cancelled when the test ends
	runs chan scnRun     // each Run's end

	mu      sync.Mutex
	running map[string]string // the workers whose Run has not returned: what they were doing last
	ended   []scnRun          // the runs that have returned, in order
}

// scnRun is how one worker's Run ended.
type scnRun struct {
	id       string
	err      error
	panicked string
}

// scnStartPull serves a new master for tasks, with the time-out given,
// through the proxy, for up to runs runs of Worker.Run. When the test ends
// the proxy gives up its calls in progress, the workers' contexts are
// cancelled, the server is closed and the master too.
func scnStartPull(t *testing.T, tasks []Task, timeout time.Duration, runs int) *scnPull {
	t.Helper()
	var m *Master
	within(t, patience, fmt.Sprintf("NewMaster with %d tasks", len(tasks)), "NewMaster must not wait: the lecture's "+
		"queue is a channel with room for 100 IDs, and the 101st send blocks for ever. Give the channel room for "+
		"every task, or keep the queue in a slice (docs/masterworker.md, part B).",
		func() { m = NewMaster(tasks, timeout) })
	t.Cleanup(func() {
		// A fallback: the tests close the master themselves. A Close that
		// hangs has been reported there; do not hang the test here.
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() { recover() }()
			m.Close()
		}()
		select {
		case <-done:
		case <-time.After(patience):
		}
	})
	p := scnNewProxy(m, patience)
	srv := serve(t, MasterServiceName, p)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		close(p.stop)
		cancel()
	})
	return &scnPull{m: m, p: p, srv: srv, ctx: ctx, runs: make(chan scnRun, runs), running: map[string]string{}}
}

// doing notes what worker id is doing, for a hang's diagnosis.
func (s *scnPull) doing(id, what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if what == "" {
		delete(s.running, id)
	} else {
		s.running[id] = what
	}
}

// run runs w.Run(ctx) to its end, and reports how it ended on s.runs. A
// panic is reported, not raised: it is not the test's goroutine.
func (s *scnPull) run(ctx context.Context, w *Worker) {
	s.doing(w.ID, "running")
	var r scnRun
	func() {
		defer func() {
			if v := recover(); v != nil {
				r.panicked = fmt.Sprintf("Worker.Run of %s panicked: %v\n\n%s", w.ID, v, debug.Stack())
				if msg, ok := labtest.Stub(v); ok {
					r.panicked = msg
				}
			}
		}()
		r.err = w.Run(ctx)
	}()
	r.id = w.ID
	s.doing(w.ID, "")
	s.mu.Lock()
	s.ended = append(s.ended, r)
	s.mu.Unlock()
	s.runs <- r
}

// wait collects n runs' ends, or fails t with what is stuck: the workers
// still running, and the tasks that nobody has finished.
func (s *scnPull) wait(t *testing.T, n int, what, cause string) map[string]scnRun {
	t.Helper()
	got := map[string]scnRun{}
	timer := time.NewTimer(scnPatience)
	defer timer.Stop()
	for len(got) < n {
		select {
		case r := <-s.runs:
			if r.panicked != "" {
				t.Fatal(r.panicked)
			}
			s.p.mu.Lock()
			told := s.p.noMore[r.id]
			s.p.mu.Unlock()
			if r.err == nil && !told {
				t.Fatalf("worker %s's Run returned nil, but the master never told it NoMoreTasks.\nExpected: Run "+
					"returns nil when the master replies NoMoreTasks, and only then; a reply with neither a task nor "+
					"NoMoreTasks means: wait Backoff and ask again (docs/masterworker.md, part C).", r.id)
			}
			got[r.id] = r
		case <-s.p.failed:
			t.Fatalf("%s", s.p.problemsText())
		case <-timer.C:
			t.Fatalf("%s: not over within %v.\nLikely cause: %s\n\n%s\nGoroutines running the lab's code:\n%s",
				what, scnPatience, cause, s.diagnosis(), scnStacks())
		}
	}
	return got
}

// diagnosis says which workers still run and which tasks nobody finished.
func (s *scnPull) diagnosis() string {
	var b strings.Builder
	s.mu.Lock()
	ids := slices.Sorted(maps.Keys(s.running))
	b.WriteString("Workers whose Run has not returned:")
	if len(ids) == 0 {
		b.WriteString(" none")
	}
	for _, id := range ids {
		fmt.Fprintf(&b, "\n  %s: %s", id, s.running[id])
	}
	ended := slices.Clone(s.ended)
	s.mu.Unlock()
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	b.WriteString("\nWorkers whose Run has returned:")
	if len(ended) == 0 {
		b.WriteString(" none")
	}
	for _, r := range ended {
		told := "never told NoMoreTasks"
		if p.noMore[r.id] {
			told = "told NoMoreTasks"
		}
		fmt.Fprintf(&b, "\n  %s: returned %v (%s)", r.id, r.err, told)
	}
	last := map[int]scnHandout{}
	for _, h := range p.handouts {
		last[h.task] = h
	}
	var open []string
	for _, id := range slices.Sorted(maps.Keys(last)) {
		h := last[id]
		submitted := false
		for _, sub := range p.submits {
			if sub.task == id && sub.worker == h.worker && sub.before.After(h.before) {
				submitted = true
			}
		}
		if !submitted {
			open = append(open, fmt.Sprintf("task %d (last handed to %s at %s)", id, h.worker, p.since(h.before)))
		}
	}
	fmt.Fprintf(&b, "\nTasks handed out whose last holder has not submitted them: %d", len(open))
	for i, o := range open {
		if i == 8 {
			fmt.Fprintf(&b, "\n  ... and %d more", len(open)-i)
			break
		}
		b.WriteString("\n  " + o)
	}
	fmt.Fprintf(&b, "\nSo far: %d RequestTask calls answered, %d tasks handed out (%d different ones), %d results "+
		"submitted", p.requests, len(p.handouts), len(last), len(p.submits))
	told := slices.Sorted(maps.Keys(p.noMore))
	fmt.Fprintf(&b, "\nWorkers the master told NoMoreTasks: %d %v\n", len(told), told)
	return b.String()
}

// closeAll closes the master and the server, as the end of a scenario.
func (s *scnPull) closeAll(t *testing.T) {
	t.Helper()
	within(t, patience, "Master.Close, every task completed", "Close ends the scanner (which may have ended "+
		"already, every task being completed) and waits for it: Close must not wait for a scanner that has "+
		"returned (docs/masterworker.md, part B).", func() { s.m.Close() })
	within(t, patience, "the server's Close, every worker gone", "the master's methods must all have returned "+
		"(docs/masterworker.md, part B).", func() { s.srv.Close() })
}

// scnPullDone checks the master's view at the end of a scenario: Done, and
// exactly one valid result per task. It returns the results.
func scnPullDone(t *testing.T, s *scnPull, tasks []Task) map[int]string {
	t.Helper()
	done, results := scnDone(t, s), scnResults(t, s)
	if !done {
		t.Fatalf("every worker's Run has returned (the master told them NoMoreTasks), but Done() is false.\nExpected: "+
			"the master says NoMoreTasks only once every task is completed, and then Done() is true; %d of %d tasks "+
			"have a result (docs/masterworker.md, part B).", len(results), len(tasks))
	}
	s.p.checkKept(t, tasks, results)
	return results
}

// scnCrashSlot is a worker that crashes in the middle of a task and starts
// again as a new worker, a few times: for each generation before the last,
// how many tasks it finishes before it crashes in the next one. The last
// generation works until NoMoreTasks.
type scnCrashSlot struct {
	name       string
	doneBefore []int
}

// TestStatePullCrashesAndStalls is the pull design's promise: the master
// holds the state, the workers none, so workers may stall and crash and
// nothing is lost but time. A master with a 150ms time-out serves 40 tasks
// to 6 ordinary workers, 2 slow ones and 2 that crash in the middle of a
// task and start again as new workers, twice each: a crash cancels the
// worker's context while its Process runs. A slow worker holds its first
// task until the proxy has seen the task handed to another worker, then
// submits its stale result. The slow and crashing workers start first, and
// the ordinary ones once the slow ones hold their tasks and the crashes
// have happened, so that every run has them.
//
// At the end: Done; exactly one result per task, each submitted for it by a
// worker that may have held it then (never one the proxy saw go stale); no
// task handed to two workers less than one time-out apart; every worker's
// Run returned nil after NoMoreTasks, but the crashed ones, which returned
// context.Canceled and submitted nothing for the task they crashed in; and
// no goroutine left once the master and the server are closed.
func TestStatePullCrashesAndStalls(t *testing.T) {
	noLeaks(t, "the pull master, its server and its workers", scnPullLeakAdvice)
	scnProbeMaster(t)
	scnProbeWorker(t)

	tasks := newTasks(40)
	normal := []string{"w1", "w2", "w3", "w4", "w5", "w6"}
	slow := []string{"slow1", "slow2"}
	slots := []scnCrashSlot{{"crash1", []int{0, 2}}, {"crash2", []int{1, 0}}}
	runs := len(normal) + len(slow)
	for _, sl := range slots {
		runs += len(sl.doneBefore) + 1
	}
	s := scnStartPull(t, tasks, scnTimeout, runs)
	for _, ids := range [][]string{normal, slow} {
		s.p.expect(ids...)
	}
	for _, sl := range slots {
		for g := range len(sl.doneBefore) + 1 {
			s.p.expect(fmt.Sprintf("%s.%d", sl.name, g+1))
		}
	}

	// crashedIn: the task each crashed worker was processing when its
	// context was cancelled. released: the slow workers whose task went
	// to another worker.
	var mu sync.Mutex
	crashedIn := map[string]int{}
	released := map[string]int{}
	warm := make(chan string, len(slow)+len(slots)) // a slow worker holds its task; a slot's crashes are over

	for _, id := range slow {
		var first atomic.Bool
		first.Store(true)
		w := &Worker{ID: id, MasterAddr: s.srv.Addr(), Backoff: scnBackoff, Process: func(task Task) string {
			if first.CompareAndSwap(true, false) {
				s.doing(id, fmt.Sprintf("slow: holds task %d in Process until the proxy sees it handed to "+
					"another worker", task.ID))
				warm <- id
				if s.p.waitRehanded(id, task.ID) {
					mu.Lock()
					released[id] = task.ID
					mu.Unlock()
				}
				s.doing(id, "running")
			}
			return scnResult(id, task)
		}}
		go s.run(s.ctx, w)
	}
	for _, sl := range slots {
		go func() {
			for g, before := range sl.doneBefore {
				id := fmt.Sprintf("%s.%d", sl.name, g+1)
				ctx, cancel := context.WithCancel(s.ctx)
				var n atomic.Int32
				w := &Worker{ID: id, MasterAddr: s.srv.Addr(), Backoff: scnBackoff, Process: func(task Task) string {
					if int(n.Add(1)) == before+1 {
						mu.Lock()
						crashedIn[id] = task.ID
						mu.Unlock()
						s.doing(id, fmt.Sprintf("crashed in Process of task %d (its context cancelled): its Run "+
							"should return", task.ID))
						cancel()
					}
					return scnResult(id, task)
				}}
				s.run(ctx, w)
				cancel()
			}
			warm <- sl.name
			id := fmt.Sprintf("%s.%d", sl.name, len(sl.doneBefore)+1)
			s.run(s.ctx, &Worker{ID: id, MasterAddr: s.srv.Addr(), Backoff: scnBackoff,
				Process: func(task Task) string { return scnResult(id, task) }})
		}()
	}

	// The ordinary workers start once the slow workers hold their tasks
	// and the crashes are over.
	timer := time.NewTimer(scnPatience)
	defer timer.Stop()
	for range len(slow) + len(slots) {
		select {
		case <-warm:
		case <-s.p.failed:
			t.Fatalf("%s", s.p.problemsText())
		case <-timer.C:
			t.Fatalf("the slow workers did not both get a task, or the crashing workers did not all crash and "+
				"return, within %v; the ordinary workers have not started yet, and 40 tasks were Idle.\nLikely "+
				"cause: Worker.Run does not return ctx.Err() when its context is cancelled while Process runs, or "+
				"RequestTask does not hand out an Idle task (docs/masterworker.md, parts B and C).\n\n%s\n"+
				"Goroutines running the lab's code:\n%s", scnPatience, s.diagnosis(), scnStacks())
		}
	}
	for _, id := range normal {
		go s.run(s.ctx, &Worker{ID: id, MasterAddr: s.srv.Addr(), Backoff: scnBackoff,
			Process: func(task Task) string { return scnResult(id, task) }})
	}

	got := s.wait(t, runs, "the pull scenario (40 tasks; slow, crashing and restarting workers)",
		"a task held by a slow or crashed worker never went back: the scanner must put back each task held "+
			"longer than the time-out (150ms here) and RequestTask hand it out again; or the master says NoMoreTasks "+
			"too early, while tasks are in progress, and the workers that could take them go home; or it never says "+
			"it, or a worker does not return when it does (docs/masterworker.md, parts B and C).")

	mu.Lock()
	defer mu.Unlock()
	for _, id := range slices.Sorted(maps.Keys(got)) {
		r := got[id]
		if task, crashed := crashedIn[id]; crashed {
			if !errors.Is(r.err, context.Canceled) {
				t.Errorf("worker %s's context was cancelled while Process ran task %d (a crash mid-task), and its Run "+
					"returned %v.\nExpected: an error for which errors.Is(err, context.Canceled): if ctx is done when "+
					"Process returns, return ctx.Err() (docs/masterworker.md, part C).", id, task, r.err)
			}
			continue
		}
		if r.err != nil {
			t.Errorf("worker %s's Run returned %v; want nil: the master was up all along and told it NoMoreTasks in "+
				"the end.\nLikely cause: a reply with no task, or an rpc.ServerError, taken for the end; or "+
				"RequestTask returned an error (docs/masterworker.md, parts B and C).", id, r.err)
		}
	}
	for _, id := range slow {
		if _, ok := released[id]; !ok {
			t.Errorf("slow worker %s's task never went to another worker, yet the scenario ended "+
				"(docs/masterworker.md, part B)", id)
		}
	}
	s.p.mu.Lock()
	for id, task := range crashedIn {
		for _, sub := range s.p.submits {
			if sub.worker == id && sub.task == task {
				t.Errorf("worker %s submitted task %d, though its context was cancelled while Process ran it.\n"+
					"Expected: a crash mid-task submits nothing: if ctx is done when Process returns, do not submit; "+
					"return ctx.Err() (docs/masterworker.md, part C).", id, task)
			}
		}
	}
	s.p.mu.Unlock()
	if t.Failed() {
		return
	}

	scnPullDone(t, s, tasks)
	s.p.checkSpacing(t, scnTimeout)
	s.closeAll(t)
}

// TestStatePullManyWorkers runs 64 workers against a master with 300 tasks
// and a time-out of a minute, so that no task ever times out: each task is
// handed out once, processed once, submitted once and kept, and every
// worker's Run returns nil. 300 tasks is more than the lecture's queue of
// 100 holds.
func TestStatePullManyWorkers(t *testing.T) {
	noLeaks(t, "the pull master, its server and 64 workers", scnPullLeakAdvice)
	scnProbeMaster(t)
	scnProbeWorker(t)

	const workers, n = 64, 300
	tasks := newTasks(n)
	s := scnStartPull(t, tasks, time.Minute, workers)
	processed := make([]atomic.Int32, n+1)
	for i := range workers {
		id := fmt.Sprintf("w%02d", i+1)
		s.p.expect(id)
		w := &Worker{ID: id, MasterAddr: s.srv.Addr(), Backoff: scnBackoff, Process: func(task Task) string {
			if task.ID >= 1 && task.ID <= n {
				processed[task.ID].Add(1)
			}
			return scnResult(id, task)
		}}
		go s.run(s.ctx, w)
	}
	got := s.wait(t, workers, fmt.Sprintf("%d workers on %d tasks", workers, n), "a worker does not return "+
		"when the master says NoMoreTasks, or the master never says it though every task is completed "+
		"(docs/masterworker.md, parts B and C).")
	for _, id := range slices.Sorted(maps.Keys(got)) {
		if err := got[id].err; err != nil {
			t.Errorf("worker %s's Run returned %v; want nil: the master was up all along and told it NoMoreTasks "+
				"in the end (docs/masterworker.md, part C).", id, err)
		}
	}
	s.p.mu.Lock()
	handed := map[int]int{}
	for _, h := range s.p.handouts {
		handed[h.task]++
	}
	s.p.mu.Unlock()
	bad := 0
	for id := 1; id <= n && bad < 3; id++ {
		if k := handed[id]; k != 1 {
			bad++
			t.Errorf("task %d was handed out %d times; want exactly once: with a time-out of a minute no task "+
				"times out.\nLikely cause: the task is in the queue more than once, or RequestTask hands out a task "+
				"without taking it out of the queue (docs/masterworker.md, part B).", id, k)
		} else if k := processed[id].Load(); k != 1 {
			bad++
			t.Errorf("task %d was handed out once and processed %d times; want exactly once.\nLikely cause: the "+
				"worker reuses its RequestTaskReply: gob does not send a nil Task, so a reply with no task keeps the "+
				"last one, which the worker runs again (docs/masterworker.md, part C).", id, k)
		}
	}
	if t.Failed() {
		return
	}
	scnPullDone(t, s, tasks)
	s.closeAll(t)
}

// --- Both hold state: a worker that keeps its result across a crash -----------------

// scnRehandTimeout is the master's time-out in
// TestStateHybridResubmitAfterRehand: real time, short.
const scnRehandTimeout = 100 * time.Millisecond

// scnRaw is a worker the test plays with raw net/rpc calls: a client of the
// master, which it dials again when it starts again after a crash, and the
// tasks it was handed, each with the time just before the call that handed
// it out (the master's time-out for it started after that).
type scnRaw struct {
	id  string
	c   *rpc.Client
	got map[int]time.Time
}

// scnDialRaw starts worker id: it dials the master. The client is closed
// when the test ends, if the test has not closed it.
func scnDialRaw(t *testing.T, s *scnPull, id string) *scnRaw {
	t.Helper()
	c, err := rpc.Dial("tcp", s.srv.Addr())
	if err != nil {
		t.Fatalf("dialling the master on %s: %v", s.srv.Addr(), err)
	}
	t.Cleanup(func() { c.Close() })
	return &scnRaw{id: id, c: c, got: map[int]time.Time{}}
}

// crash drops the worker's connection, as a crashed process's would drop.
func (w *scnRaw) crash() { w.c.Close() }

// call makes a raw call, and fails t if it fails or the proxy saw a
// problem.
func (w *scnRaw) call(t *testing.T, s *scnPull, method string, args, reply any) {
	t.Helper()
	call := w.c.Go(MasterServiceName+"."+method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-call.Done:
	case <-time.After(patience + time.Second):
		t.Fatalf("%s's call of %s did not return within %v.\n\n%s", w.id, method, patience+time.Second, s.p.problemsText())
	}
	if p := s.p.problemsText(); p != "" {
		t.Fatalf("%s", p)
	}
	if call.Error != nil {
		t.Fatalf("%s's call of %s(%+v) returned the error %v; want none (docs/masterworker.md, part B).",
			w.id, method, args, call.Error)
	}
}

// request asks for a task once, and notes it if one comes.
func (w *scnRaw) request(t *testing.T, s *scnPull) RequestTaskReply {
	t.Helper()
	var reply RequestTaskReply
	before := time.Now()
	w.call(t, s, "RequestTask", &RequestTaskArgs{WorkerID: w.id}, &reply)
	if reply.Task != nil {
		w.got[reply.Task.ID] = before
	}
	return reply
}

// submit submits a result.
func (w *scnRaw) submit(t *testing.T, s *scnPull, task int, result string) {
	t.Helper()
	var reply SubmitTaskReply
	w.call(t, s, "SubmitTaskResult", &SubmitTaskArgs{WorkerID: w.id, TaskID: task, ResultData: result}, &reply)
}

// pollFor asks for tasks every scnBackoff until the worker holds each of
// tasks, which have gone back to the queue or will.
func (w *scnRaw) pollFor(t *testing.T, s *scnPull, timeout time.Duration, tasks ...int) {
	t.Helper()
	deadline := time.Now().Add(scnPatience)
	for {
		missing := slices.DeleteFunc(slices.Clone(tasks), func(id int) bool { _, ok := w.got[id]; return ok })
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("RequestTask did not hand %s task(s) %v within %v, though the worker that held them crashed and "+
				"the time-out is %v.\nExpected: each task goes back to the queue one time-out after it was handed "+
				"out, and at the latest half a time-out later, and RequestTask hands it out again.\nLikely cause: the "+
				"scanner does not run every quarter time-out, or does not put back the expired tasks "+
				"(docs/masterworker.md, part B).", w.id, missing, scnPatience, timeout)
		}
		if r := w.request(t, s); r.Task == nil {
			time.Sleep(scnBackoff)
		}
	}
}

// submitUntilKept submits the worker's result for task, which it holds.
// The master keeps it, unless the worker's hold expired meanwhile: that may
// happen only if a whole time-out passed since the task was handed out (a
// very slow machine); then the worker takes the task again and submits
// again.
func (w *scnRaw) submitUntilKept(t *testing.T, s *scnPull, timeout time.Duration, task int, result string) {
	t.Helper()
	for {
		handed := w.got[task]
		w.submit(t, s, task, result)
		held := time.Since(handed)
		results := scnResults(t, s)
		if results[task] == result {
			return
		}
		if held < timeout {
			t.Fatalf("%s was handed task %d and submitted its result %v later (the time-out is %v): "+
				"%s still held the task, and its result was not kept. Results()[%d] is %q; want %q.\nExpected: "+
				"the result of the worker that holds the task is kept.\nLikely cause: SubmitTaskResult compares the "+
				"wrong worker, or a stale result kept before took the task's place (docs/masterworker.md, parts B and D).",
				w.id, task, held.Round(time.Millisecond), timeout, w.id, task, results[task], result)
		}
		delete(w.got, task) // too slow: the task may have gone back; take it again
		w.pollFor(t, s, timeout, task)
	}
}

// scnResults returns the master's results, read directly.
func scnResults(t *testing.T, s *scnPull) map[int]string {
	t.Helper()
	var results map[int]string
	within(t, patience, "Master.Results", "Results reads the state under mu (docs/masterworker.md, part B).",
		func() { results = s.m.Results() })
	return results
}

// scnDone returns the master's Done, read directly.
func scnDone(t *testing.T, s *scnPull) bool {
	t.Helper()
	var done bool
	within(t, patience, "Master.Done", "Done reads the state under mu (docs/masterworker.md, part B).",
		func() { done = s.m.Done() })
	return done
}

// TestStateHybridResubmitWhileHolder plays a worker that keeps state of its
// own across a crash, with raw net/rpc calls: w1 takes a task, computes its
// result, crashes (its connection drops), starts again (a new connection,
// the same ID) with the result it kept, and submits it. The time-out is an
// hour: w1 still holds the task, so the result is kept. w1 cannot know
// whether its submission arrived, so it submits again, a result computed
// again: a duplicate, acknowledged and ignored. The other task is then
// handed out, done, and the master says NoMoreTasks.
func TestStateHybridResubmitWhileHolder(t *testing.T) {
	noLeaks(t, "the pull master and its server", scnPullLeakAdvice)
	scnProbeMaster(t)
	s := scnStartPull(t, newTasks(2), time.Hour, 0)
	s.p.expect("w1", "w5", "w6")

	w1 := scnDialRaw(t, s, "w1")
	r := w1.request(t, s)
	if r.Task == nil {
		t.Fatalf("RequestTask on a new master with 2 Idle tasks replied %+v; want a task (docs/masterworker.md, part B)", r)
	}
	x, y := r.Task.ID, 3-r.Task.ID
	kept := fmt.Sprintf("w1's result of task %d, kept across its crash", x)
	w1.crash()

	w1 = scnDialRaw(t, s, "w1") // the restart
	w1.submit(t, s, x, kept)
	if results := scnResults(t, s); results[x] != kept {
		t.Fatalf("worker w1 was handed task %d, crashed, started again (the time-out is an hour) and submitted the "+
			"result it had kept: %q. Results()[%d] is %q.\nExpected: the result kept: w1 still holds the task, "+
			"whatever happened to its connection: the master knows a worker by its WorkerID, not by its connection "+
			"(docs/masterworker.md, parts B and D).", x, kept, x, results[x])
	}
	if scnDone(t, s) {
		t.Fatalf("with task %d completed and task %d never handed out, Done() is true; want false "+
			"(docs/masterworker.md, part B)", x, y)
	}

	w1.submit(t, s, x, fmt.Sprintf("w1's result of task %d, computed again after its restart", x))
	if results := scnResults(t, s); results[x] != kept {
		t.Fatalf("worker w1 submitted task %d a second time (it could not know whether its first submission had "+
			"arrived): Results()[%d] is now %q; want the first valid result, %q.\nExpected: a duplicate is "+
			"acknowledged and ignored: the master's view is the truth (docs/masterworker.md, parts B and D).",
			x, x, results[x], kept)
	}

	w5, w6 := scnDialRaw(t, s, "w5"), scnDialRaw(t, s, "w6")
	if r := w5.request(t, s); r.Task == nil || r.Task.ID != y {
		t.Fatalf("with task %d completed, RequestTask replied %v, NoMoreTasks %v; want task %d, the only Idle one.\n"+
			"Likely cause: a completed task went back to the queue (docs/masterworker.md, part B).", x, r.Task, r.NoMoreTasks, y)
	}
	if r := w6.request(t, s); r.Task != nil || r.NoMoreTasks {
		t.Fatalf("with task %d completed and task %d in progress, RequestTask replied %v, NoMoreTasks %v; want "+
			"neither (docs/masterworker.md, part B).", x, y, r.Task, r.NoMoreTasks)
	}
	w5.submit(t, s, y, "w5's result")
	if r := w1.request(t, s); !r.NoMoreTasks {
		t.Fatalf("with both tasks completed, RequestTask replied %v, NoMoreTasks false; want NoMoreTasks "+
			"(docs/masterworker.md, part B).", r.Task)
	}
	if results := scnResults(t, s); !scnDone(t, s) || results[x] != kept || results[y] != "w5's result" {
		t.Fatalf("at the end Results() is %q; want {%d: %q, %d: %q}, and Done() true (docs/masterworker.md, part B).",
			results, x, kept, y, "w5's result")
	}
	s.closeAll(t)
}

// TestStateHybridResubmitAfterRehand plays two workers that keep their
// results across a crash, and come back too late, with raw net/rpc calls.
// The time-out is 100ms. w2 and w4 each take one of two tasks and crash;
// w3 asks until it has been handed both, which went back to the queue.
// Then w2 starts again and submits the result it kept, after its task went
// to w3 and before w3 submits it; and w4 after w3 has completed its task.
// Whatever w2 and w4 remember, they no longer hold their tasks: their
// results are acknowledged and ignored, and w3's are kept. The master's
// view is the truth.
func TestStateHybridResubmitAfterRehand(t *testing.T) {
	noLeaks(t, "the pull master and its server", scnPullLeakAdvice)
	scnProbeMaster(t)
	s := scnStartPull(t, newTasks(2), scnRehandTimeout, 0)
	s.p.expect("w2", "w3", "w4")

	w2, w4 := scnDialRaw(t, s, "w2"), scnDialRaw(t, s, "w4")
	held := map[string]int{}
	for _, w := range []*scnRaw{w2, w4} {
		r := w.request(t, s)
		if r.Task == nil {
			t.Fatalf("RequestTask as %s, on a master with an Idle task, replied %+v; want a task "+
				"(docs/masterworker.md, part B)", w.id, r)
		}
		held[w.id] = r.Task.ID
	}
	a, b := held["w2"], held["w4"]
	w2.crash()
	w4.crash()
	late := func(w *scnRaw) string {
		return fmt.Sprintf("%s's result of task %d, kept across its crash", w.id, held[w.id])
	}
	mine := func(task int) string { return fmt.Sprintf("w3's result of task %d", task) }

	w3 := scnDialRaw(t, s, "w3")
	w3.pollFor(t, s, scnRehandTimeout, a, b)

	// w2 comes back after its task went to w3, before w3 submits it.
	w2 = scnDialRaw(t, s, "w2")
	w2.submit(t, s, a, late(w2))
	if results := scnResults(t, s); results[a] != "" {
		t.Fatalf("worker w2 took task %d, crashed, and came back after the task had gone to w3 (the time-out is %v), "+
			"with the result it had kept. The master kept it: Results()[%d] is %q.\nExpected: w2 no longer holds "+
			"the task, whatever it remembers: its result is stale, acknowledged and ignored. The master's view is "+
			"the truth (docs/masterworker.md, parts B and D).", a, scnRehandTimeout, a, results[a])
	}
	w3.submitUntilKept(t, s, scnRehandTimeout, a, mine(a))

	// w4 comes back after w3 completed its task.
	w3.submitUntilKept(t, s, scnRehandTimeout, b, mine(b))
	w4 = scnDialRaw(t, s, "w4")
	w4.submit(t, s, b, late(w4))
	results := scnResults(t, s)
	if results[b] != mine(b) {
		t.Fatalf("worker w4 took task %d, crashed, and came back after w3 had completed the task, with the result "+
			"it had kept. Results()[%d] is now %q; want w3's, %q.\nExpected: a result for a completed task is "+
			"acknowledged and ignored: the first valid result stays. The master's view is the truth "+
			"(docs/masterworker.md, parts B and D).", b, b, results[b], mine(b))
	}
	if results[a] != mine(a) || !scnDone(t, s) {
		t.Fatalf("at the end Results() is %q; want {%d: %q, %d: %q}, and Done() true (docs/masterworker.md, part B).",
			results, a, mine(a), b, mine(b))
	}
	if r := w4.request(t, s); !r.NoMoreTasks {
		t.Fatalf("with every task completed, RequestTask replied %v, NoMoreTasks false; want NoMoreTasks "+
			"(docs/masterworker.md, part B).", r.Task)
	}
	s.p.checkSpacing(t, scnRehandTimeout)
	s.closeAll(t)
}

// --- Push: the client holds the state -------------------------------------------------

// scnListener is a listener whose connections report their Close: a
// crashing push worker waits in its Process until its Server has closed
// every connection, so that the reply to the call it crashed in is lost.
type scnListener struct {
	net.Listener
	mu        sync.Mutex
	open      int
	closed    bool
	allClosed chan struct{} // closed once the listener and every connection it accepted are closed
	once      sync.Once
}

func (l *scnListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.open++
	l.mu.Unlock()
	return &scnConn{Conn: c, l: l}, nil
}

func (l *scnListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	l.closed = true
	l.check()
	l.mu.Unlock()
	return err
}

// check closes allClosed if everything is closed. Call it with mu held.
func (l *scnListener) check() {
	if l.closed && l.open == 0 {
		l.once.Do(func() { close(l.allClosed) })
	}
}

type scnConn struct {
	net.Conn
	l    *scnListener
	once sync.Once
}

func (c *scnConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.open--
		c.l.check()
		c.l.mu.Unlock()
	})
	return err
}

// scnPushWorker is a push worker (the provided WorkerService) that may
// crash: the call number crashAt (counting from 1, in the order they come)
// stops its Server, and that call and every later one wait until the
// connections are closed and lose their results. A worker that does not
// crash may wait at a gate before it works.
type scnPushWorker struct {
	id      int
	crashAt int             // 0: never
	gate    []chan struct{} // wait for each before working
	stop    <-chan struct{} // the test has ended
	lis     *scnListener
	crashed chan struct{} // closed once the crash has stopped the Server

	mu    sync.Mutex
	srv   *Server
	calls int
	ran   map[int]int // task ID: how many of its calls returned normally
	lost  []int       // the tasks of the calls lost in the crash
	once  sync.Once
}

// scnPushResult is the result a push worker makes of a task: it names both.
func scnPushResult(worker int, task TaskArgs) string {
	return fmt.Sprintf("worker %d's result of task %d (%s)", worker, task.TaskID, task.TaskData)
}

// scnPushRig is the test's side of a push scenario: stop, closed when the
// test ends, releases every worker that waits.
type scnPushRig struct {
	stop      chan struct{}
	closeStop func()
}

func scnNewPushRig(t *testing.T) *scnPushRig {
	stop := make(chan struct{})
	rig := &scnPushRig{stop: stop, closeStop: sync.OnceFunc(func() { close(stop) })}
	t.Cleanup(rig.closeStop)
	return rig
}

// serve starts a push worker on a loopback port, which crashes at its call
// crashAt (0: never) and otherwise waits for each of gate before it works.
// When the test ends, stop is closed and then the worker's Server.
func (rig *scnPushRig) serve(t *testing.T, id, crashAt int, gate ...chan struct{}) *scnPushWorker {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	w := &scnPushWorker{id: id, crashAt: crashAt, gate: gate, stop: rig.stop, crashed: make(chan struct{}),
		ran: map[int]int{}, lis: &scnListener{Listener: l, allClosed: make(chan struct{})}}
	srv, err := Serve(w.lis, WorkerServiceName, &WorkerService{ID: id, Process: w.process})
	if err != nil {
		t.Fatalf("serving a push worker: %v", err)
	}
	w.mu.Lock()
	w.srv = srv
	w.mu.Unlock()
	t.Cleanup(func() {
		rig.closeStop()
		srv.Close()
	})
	return w
}

func (w *scnPushWorker) process(task TaskArgs) (string, error) {
	w.mu.Lock()
	w.calls++
	crash := w.crashAt > 0 && w.calls >= w.crashAt
	srv := w.srv
	w.mu.Unlock()
	if crash {
		w.once.Do(func() {
			go func() {
				srv.Close()
				close(w.crashed)
			}()
		})
		select {
		case <-w.lis.allClosed:
		case <-w.stop:
		}
		w.mu.Lock()
		w.lost = append(w.lost, task.TaskID)
		w.mu.Unlock()
		return "lost in the crash of worker " + fmt.Sprint(w.id), nil
	}
	for _, g := range w.gate {
		select {
		case <-g:
		case <-w.stop:
			return "", errors.New("the test has ended")
		}
	}
	w.mu.Lock()
	w.ran[task.TaskID]++
	w.mu.Unlock()
	return scnPushResult(w.id, task), nil
}

// scnDispatch runs Dispatch within scnPatience, or fails t saying how far
// the workers got.
func scnDispatch(t *testing.T, tasks []TaskArgs, addrs []string, perWorker int,
	workers []*scnPushWorker) ([]TaskReply, error) {
	t.Helper()
	type result struct {
		replies []TaskReply
		err     error
		panic   any
	}
	res := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if v := recover(); v != nil {
				r.panic = v
			}
			res <- r
		}()
		r.replies, r.err = Dispatch(tasks, addrs, perWorker)
	}()
	select {
	case r := <-res:
		if r.panic != nil {
			if s, ok := labtest.Stub(r.panic); ok {
				t.Fatal(s)
			}
			t.Fatalf("Dispatch panicked: %v", r.panic)
		}
		return r.replies, r.err
	case <-time.After(scnPatience):
		var b strings.Builder
		for _, w := range workers {
			w.mu.Lock()
			state := "up"
			select {
			case <-w.crashed:
				state = "crashed"
			default:
			}
			fmt.Fprintf(&b, "\n  worker %d (%s): %d calls, %d lost in its crash", w.id, state, w.calls, len(w.lost))
			w.mu.Unlock()
		}
		t.Fatalf("Dispatch of %d tasks over %d workers did not return within %v.\nLikely cause: a task whose call "+
			"failed was not given to another worker (a worker that crashes with several calls in flight fails each "+
			"of them: each task goes back), or the coordinator waits for a reply that will never come; or "+
			"Dispatch does not keep calling a worker whose calls return while other workers' calls are in progress "+
			"(docs/masterworker.md, part A).\nThe workers:%s\n\nGoroutines running the lab's code:\n%s",
			len(tasks), len(addrs), scnPatience, b.String(), scnStacks())
	}
	return nil, nil
}

// scnCheckReplies fails t for each reply that is not a live worker's reply
// to its task. With partial set, a zero reply is allowed (a task not done).
func scnCheckReplies(t *testing.T, tasks []TaskArgs, replies []TaskReply, workers []*scnPushWorker, partial bool) {
	t.Helper()
	byID := map[int]*scnPushWorker{}
	for _, w := range workers {
		byID[w.id] = w
	}
	bad := 0
	for i, task := range tasks {
		if bad == 3 {
			t.Errorf("(and more: only the first 3 replies are reported)")
			return
		}
		r := replies[i]
		if partial && r == (TaskReply{}) {
			continue
		}
		if r == (TaskReply{}) {
			bad++
			t.Errorf("replies[%d] is empty: task %d has no reply, and Dispatch returned no error.\nExpected: a task "+
				"whose call failed goes back to the queue for another worker (the lecture's push master drops it); "+
				"when a worker crashes with several calls in flight, each of them fails, and each task goes back "+
				"(docs/masterworker.md, part A).", i, task.TaskID)
			continue
		}
		w := byID[r.WorkerID]
		if w == nil || r.ResultData != scnPushResult(r.WorkerID, task) {
			bad++
			t.Errorf("replies[%d] is %v; want the reply to task %d (%s) from the worker that ran it, such as %q.\n"+
				"Likely cause: replies out of task order, or a TaskReply reused across calls (gob leaves the fields "+
				"it did not receive as they were), or a failed call's reply kept (docs/masterworker.md, part A).",
				i, &r, task.TaskID, task.TaskData, scnPushResult(1, task))
			continue
		}
		w.mu.Lock()
		ran := w.ran[task.TaskID]
		w.mu.Unlock()
		if ran == 0 {
			bad++
			t.Errorf("replies[%d] says worker %d ran task %d, but worker %d never finished it: its call was lost "+
				"in the worker's crash (docs/masterworker.md, part A).", i, w.id, task.TaskID, w.id)
		}
	}
}

// TestStatePushWorkersCrash is the push design's side of the state: the
// master (the RPC client) holds it all, the workers none, so when a worker
// crashes the master alone knows which tasks it lost. Dispatch runs 60
// tasks, 3 calls at a time per worker, over 7 workers: one that is down
// from the start, two that crash in the middle of the run (their Server
// closes, and the calls in flight lose their replies), and four that wait
// until both crashes are over before they work. Dispatch must return
// exactly one reply per task, in task order, each from a worker that ran
// the task and was alive to answer, and no error.
func TestStatePushWorkersCrash(t *testing.T) {
	noLeaks(t, "Dispatch", scnPushLeakAdvice)
	rig := scnNewPushRig(t)
	within(t, patience, "Dispatch of no task", "Dispatch of no task has nothing to do (docs/masterworker.md, part A).",
		func() { Dispatch(nil, nil, 1) })

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	down := l.Addr().String()
	l.Close()

	crash1 := rig.serve(t, 1, 2)
	crash2 := rig.serve(t, 2, 3)
	workers := []*scnPushWorker{crash1, crash2}
	addrs := []string{crash1.lis.Addr().String(), crash2.lis.Addr().String(), down}
	for id := 3; id <= 6; id++ {
		w := rig.serve(t, id, 0, crash1.crashed, crash2.crashed)
		workers = append(workers, w)
		addrs = append(addrs, w.lis.Addr().String())
	}
	tasks := newTaskArgs(60)
	replies, err := scnDispatch(t, tasks, addrs, 3, workers)
	if err != nil {
		t.Fatalf("Dispatch returned the error %v; want none: 4 of its 7 workers stayed up (docs/masterworker.md, part A).", err)
	}
	if len(replies) != len(tasks) {
		t.Fatalf("Dispatch returned %d replies for %d tasks; want one per task, in task order (docs/masterworker.md, part A).",
			len(replies), len(tasks))
	}
	scnCheckReplies(t, tasks, replies, workers, false)
	for _, task := range tasks {
		n := 0
		for _, w := range workers[2:] {
			w.mu.Lock()
			n += w.ran[task.TaskID]
			w.mu.Unlock()
		}
		if n > 1 {
			t.Errorf("task %d ran %d times on workers that never failed; want at most once: a task goes to another "+
				"worker only when its call failed (docs/masterworker.md, part A).", task.TaskID, n)
			break
		}
	}
}

// TestStatePushAllWorkersCrash: every worker crashes in the middle of the
// run, having finished a task or two. The master holds the state, so it
// knows: Dispatch returns at once an error that wraps ErrNoWorkers, and the
// replies it has, each a worker's reply to its own task.
func TestStatePushAllWorkersCrash(t *testing.T) {
	noLeaks(t, "Dispatch", scnPushLeakAdvice)
	rig := scnNewPushRig(t)
	within(t, patience, "Dispatch of no task", "Dispatch of no task has nothing to do (docs/masterworker.md, part A).",
		func() { Dispatch(nil, nil, 1) })

	var workers []*scnPushWorker
	var addrs []string
	for id, crashAt := range []int{2, 2, 3} {
		w := rig.serve(t, id+1, crashAt)
		workers = append(workers, w)
		addrs = append(addrs, w.lis.Addr().String())
	}
	tasks := newTaskArgs(30)
	replies, err := scnDispatch(t, tasks, addrs, 2, workers)
	if !errors.Is(err, ErrNoWorkers) {
		t.Fatalf("every worker crashed with tasks left, and Dispatch returned the error %v; want an error that wraps "+
			"ErrNoWorkers (fmt.Errorf(\"%%w ...\", ErrNoWorkers)) (docs/masterworker.md, part A).", err)
	}
	if len(replies) == 0 {
		return // the replies it has: none is a way to say it
	}
	if len(replies) != len(tasks) {
		t.Fatalf("Dispatch returned %d replies for %d tasks; want one per task, in task order, the tasks not done "+
			"left zero (docs/masterworker.md, part A).", len(replies), len(tasks))
	}
	scnCheckReplies(t, tasks, replies, workers, true)
}
