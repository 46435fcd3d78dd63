//go:build solution

package masterworker

import (
	"fmt"
	"sync"
	"time"
)

// Master is the pull master: an RPC server that keeps every task's state.
// net/rpc runs each call in a goroutine of its own, and the scanner runs in
// another: mu guards everything below it.
//
// The queue is a channel of the IDs of the Idle tasks. A task is in it
// exactly when it is Idle, so it never holds more than len(tasks) IDs and a
// send never blocks, even with mu held (the scanner's send says so with a
// select: a full queue would be a bug); it is never closed, so a late send
// cannot panic; and RequestTask receives without blocking (select with
// default), so a worker is never held in its call while nothing is ready.
// Whether every task is done is read from the states, not from the queue.
type Master struct {
	timeout time.Duration
	stop    chan struct{} // closed by Close: the scanner ends
	scanned chan struct{} // closed by the scanner when it ends

	mu        sync.Mutex
	tasks     map[int]*taskState
	queue     chan int
	completed int
	closed    bool
}

// taskState is the master's record of one task.
type taskState struct {
	task   Task
	status TaskStatus
	worker string    // who holds it, while InProgress
	start  time.Time // when it was handed out, while InProgress
	result string    // the first valid result, once Completed
}

// NewMaster returns a master for tasks, whose IDs are distinct, and starts
// its scanner. A worker that holds a task longer than timeout (0 or less:
// DefaultTaskTimeout) loses it.
func NewMaster(tasks []Task, timeout time.Duration) *Master {
	if timeout <= 0 {
		timeout = DefaultTaskTimeout
	}
	m := &Master{
		timeout: timeout,
		stop:    make(chan struct{}),
		scanned: make(chan struct{}),
		tasks:   make(map[int]*taskState, len(tasks)),
		queue:   make(chan int, len(tasks)),
	}
	for _, t := range tasks {
		if _, dup := m.tasks[t.ID]; dup {
			panic(fmt.Sprintf("masterworker: NewMaster: task ID %d is given twice", t.ID))
		}
		m.tasks[t.ID] = &taskState{task: t, status: Idle}
		m.queue <- t.ID
	}
	go m.scan()
	return m
}

// scan re-queues the tasks whose worker has held them for longer than the
// time-out. It looks every quarter time-out, so a task goes back between
// one time-out and one and a quarter after it was handed out; it ends when
// every task is completed or the master is closed.
func (m *Master) scan() {
	defer close(m.scanned)
	ticker := time.NewTicker(m.timeout / 4)
	defer ticker.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-ticker.C:
		}
		if m.requeueExpired() {
			return
		}
	}
}

// requeueExpired re-queues the expired tasks and reports whether the
// scanner's work is over.
func (m *Master) requeueExpired() (over bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.completed == len(m.tasks) || m.closed {
		return true
	}
	now := time.Now()
	for id, ts := range m.tasks {
		if ts.status == InProgress && now.Sub(ts.start) > m.timeout {
			ts.status = Idle
			ts.worker = ""
			select {
			case m.queue <- id:
			default: // cannot happen: see Master
				panic(fmt.Sprintf("masterworker: the queue is full, so a task is in it twice (task %d)", id))
			}
		}
	}
	return false
}

// RequestTask hands the worker an Idle task, if there is one; says
// NoMoreTasks once every task is completed (or the master is closed); and
// otherwise replies with neither, at once: the worker asks again later.
func (m *Master) RequestTask(args *RequestTaskArgs, reply *RequestTaskReply) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.completed == len(m.tasks) || m.closed {
		reply.NoMoreTasks = true
		return nil
	}
	select {
	case id := <-m.queue:
		ts := m.tasks[id]
		ts.status = InProgress
		ts.worker = args.WorkerID
		ts.start = time.Now()
		t := ts.task
		reply.Task = &t
	default:
		// Every task left is in progress: nothing to hand out now.
	}
	return nil
}

// SubmitTaskResult keeps the result if it comes from the worker that holds
// the task now. A stale result (the task timed out, and is Idle or held by
// another worker) and a duplicate (the task is completed) are acknowledged
// and ignored: the result kept is the first valid one.
func (m *Master) SubmitTaskResult(args *SubmitTaskArgs, reply *SubmitTaskReply) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts, ok := m.tasks[args.TaskID]
	if !ok {
		return fmt.Errorf("masterworker: worker %s submitted task %d, which does not exist", args.WorkerID, args.TaskID)
	}
	reply.Acknowledged = true
	if ts.status != InProgress || ts.worker != args.WorkerID {
		return nil // stale or duplicate
	}
	ts.status = Completed
	ts.result = args.ResultData
	m.completed++
	return nil
}

// Done reports whether every task is completed.
func (m *Master) Done() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.completed == len(m.tasks)
}

// Results returns the result kept for each completed task, by task ID.
func (m *Master) Results() map[int]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	results := make(map[int]string, m.completed)
	for id, ts := range m.tasks {
		if ts.status == Completed {
			results[id] = ts.result
		}
	}
	return results
}

// Close stops the master: the scanner ends (Close waits for it), and from
// now on RequestTask says NoMoreTasks, so workers go home. Results submitted
// after Close are still kept. Close may be called more than once.
func (m *Master) Close() {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.stop)
	}
	m.mu.Unlock()
	<-m.scanned
}
