//go:build solution

package masterworker

import (
	"context"
	"errors"
	"fmt"
	"net/rpc"
	"time"
)

// Run asks for tasks, processes them and submits their results, until the
// master says NoMoreTasks (Run returns nil), the master is gone (an error
// wrapping ErrMasterGone) or ctx is done (ctx.Err()).
//
// A reply with no task, or an error RequestTask returned (an
// rpc.ServerError: the connection is fine), means wait Backoff and ask
// again; an error SubmitTaskResult returned drops the result. Any other error from a call means the connection is broken: the
// master is gone. A worker that finds ctx done when Process returns does
// not submit: that is how a crash mid-task looks, and the master's
// time-out gives the task to another worker.
func (w *Worker) Run(ctx context.Context) error {
	backoff := w.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	client, err := rpc.Dial("tcp", w.MasterAddr)
	if err != nil {
		return fmt.Errorf("%w: worker %s cannot dial %s: %v", ErrMasterGone, w.ID, w.MasterAddr, err)
	}
	defer client.Close()

	for {
		// A fresh reply for each call: gob does not send a nil Task, so a
		// reused reply would keep the last task and run it again.
		var reply RequestTaskReply
		err := w.call(ctx, client, "RequestTask", &RequestTaskArgs{WorkerID: w.ID}, &reply)
		switch {
		case err != nil && !isServerError(err):
			return err
		case err != nil || reply.Task == nil && !reply.NoMoreTasks:
			if err := sleep(ctx, backoff); err != nil {
				return err
			}
			continue
		case reply.NoMoreTasks:
			return nil
		}

		result := w.Process(*reply.Task)
		if err := ctx.Err(); err != nil {
			return err // crashed mid-task: the result is lost
		}
		args := &SubmitTaskArgs{WorkerID: w.ID, TaskID: reply.Task.ID, ResultData: result}
		var ack SubmitTaskReply
		if err := w.call(ctx, client, "SubmitTaskResult", args, &ack); err != nil && !isServerError(err) {
			return err
		}
	}
}

// call calls the master's method, and gives up when ctx is done: a master
// that hangs does not hang the worker.
func (w *Worker) call(ctx context.Context, client *rpc.Client, method string, args, reply any) error {
	c := client.Go(MasterServiceName+"."+method, args, reply, make(chan *rpc.Call, 1))
	select {
	case <-c.Done:
		if c.Error != nil && !isServerError(c.Error) {
			return fmt.Errorf("%w: worker %s: %s: %v", ErrMasterGone, w.ID, method, c.Error)
		}
		return c.Error
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isServerError reports whether err is an error the master's method
// returned, as opposed to a broken connection.
func isServerError(err error) bool {
	var se rpc.ServerError
	return errors.As(err, &se)
}

// sleep waits for d, or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
