//go:build !solution

package masterworker

import (
	"sync"
	"time"
)

// Master is the pull master (handout part B): an RPC server that keeps every
// task's state, Idle, InProgress or Completed, and who holds it since when.
// net/rpc runs each call in a goroutine of its own, and your scanner runs in
// another: guard the state with mu. Add the fields you need.
type Master struct {
	mu sync.Mutex
}

// NewMaster returns a master for tasks (their IDs are distinct), every task
// Idle, and starts the scanner: a goroutine that puts back in the queue each
// task held longer than timeout (0 or less: DefaultTaskTimeout). A task
// goes back after one time-out, and at the latest half a time-out later:
// look every quarter time-out (a time.Ticker).
//
// The scanner ends when every task is completed or Close is called. Use
// time.Now() for the clock: the tests run the master in virtual time
// (testing/synctest), so a 3-second time-out costs no time at all.
//
// If your queue is a channel, mind the lecture's two traps: a channel with
// room for 100 IDs blocks the 101st send for ever; and a channel closed
// while the scanner may still send on it panics. Neither is needed.
func NewMaster(tasks []Task, timeout time.Duration) *Master {
	panic("masterworker: NewMaster is not implemented yet: write it in masterworker/master.go (docs/masterworker.md, part B)")
}

// RequestTask replies with one of three answers, always at once:
//
//   - an Idle task: it becomes InProgress, held by args.WorkerID since
//     now;
//   - NoMoreTasks, once every task is completed (or after Close): not
//     before, though the queue is empty while tasks are in progress, for
//     one of those may time out and need a worker;
//   - neither (Task nil, NoMoreTasks false): nothing is Idle now, ask again.
//
// Never wait for a task to become Idle: the lecture's master receives from
// an empty channel and holds the worker's call until some task times out.
func (m *Master) RequestTask(args *RequestTaskArgs, reply *RequestTaskReply) error {
	panic("masterworker: Master.RequestTask is not implemented yet: write it in masterworker/master.go (docs/masterworker.md, part B)")
}

// SubmitTaskResult keeps args.ResultData as the task's result if the task
// is InProgress and held by args.WorkerID: it becomes Completed. Any other
// submission is acknowledged and ignored: a stale one (the task timed out:
// it is Idle, or held by another worker) and a duplicate (the task is
// Completed: the first valid result stays). A task ID the master does not
// know is an error. Set reply.Acknowledged for every known task.
func (m *Master) SubmitTaskResult(args *SubmitTaskArgs, reply *SubmitTaskReply) error {
	panic("masterworker: Master.SubmitTaskResult is not implemented yet: write it in masterworker/master.go (docs/masterworker.md, part B)")
}

// Done reports whether every task is completed.
func (m *Master) Done() bool {
	panic("masterworker: Master.Done is not implemented yet: write it in masterworker/master.go (docs/masterworker.md, part B)")
}

// Results returns the result kept for each completed task, by task ID: a
// new map, which the caller may keep.
func (m *Master) Results() map[int]string {
	panic("masterworker: Master.Results is not implemented yet: write it in masterworker/master.go (docs/masterworker.md, part B)")
}

// Close stops the master: the scanner ends, and Close returns once it has;
// from then on RequestTask says NoMoreTasks. A result submitted after Close
// is still kept. Close may be called more than once.
func (m *Master) Close() {
	panic("masterworker: Master.Close is not implemented yet: write it in masterworker/master.go (docs/masterworker.md, part B)")
}
