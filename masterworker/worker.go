//go:build !solution

package masterworker

import "context"

// Run is the pull worker's loop (handout part C): dial the master once
// (rpc.Dial), then RequestTask, Process, SubmitTaskResult, again and again,
// with w.ID as the WorkerID. It returns
//
//   - nil when the master replies NoMoreTasks;
//   - an error wrapping ErrMasterGone when the dial fails or a call fails
//     for any reason but an error the master returned (an rpc.ServerError):
//     the connection is broken, the master is gone;
//   - ctx.Err() when ctx is done: while a call waits for its reply (use
//     client.Go and a select, not client.Call) or while the worker waits.
//
// A reply with neither a task nor NoMoreTasks means nothing is ready: wait
// w.Backoff (0: DefaultBackoff) and ask again; an rpc.ServerError from
// RequestTask means the same. An rpc.ServerError from SubmitTaskResult
// means the master refused the result: drop it and go on to the next
// RequestTask. If ctx is done when Process returns, do not
// submit: return ctx.Err(). That is a crash mid-task, and the master's
// time-out gives the task to somebody else.
//
// Use a fresh RequestTaskReply for each call: gob does not send a nil Task,
// so a reused reply still holds the last task. The worker keeps no other
// state: a worker that crashes and starts again is just a new worker.
func (w *Worker) Run(ctx context.Context) error {
	panic("masterworker: Worker.Run is not implemented yet: write it in masterworker/worker.go (docs/masterworker.md, part C)")
}
