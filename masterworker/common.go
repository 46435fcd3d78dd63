// Package masterworker is Lab 5: a master hands tasks to workers over
// net/rpc, in the two ways of the lecture's master/worker notes, and
// survives workers that are slow, crash, or answer twice.
//
// In the push design (part A) the master is the RPC client: it knows the
// workers' addresses and calls WorkerService.DoTask on them, many calls at
// once, and collects the replies. The workers keep no state; the master
// keeps all of it, and must notice a worker that fails and give its task
// to another.
//
// In the pull design (parts B and C) the master is the RPC server and keeps
// every task's state: Idle, InProgress, Completed. Workers are clients that
// loop: RequestTask, process, SubmitTaskResult. A worker that takes too long
// loses its task: the master's time-out puts it back in the queue, and a
// result that comes too late (stale) or a second time (duplicate) is
// acknowledged and thrown away. Workers can crash and come back at any
// moment and nothing is lost but time: the master is the single source of
// truth, the workers a stateless workforce.
//
// The student writes push.go (part A: Dispatch), master.go (part B: the pull
// master) and worker.go (part C: the pull worker). This file and rpcserver.go
// are provided: the types that cross the network, and a net/rpc server that
// can be stopped. Read docs/masterworker.md for the handout.
package masterworker

import (
	"errors"
	"fmt"
	"time"
)

// --- Push (part A) -----------------------------------------------------------

// WorkerServiceName is the name a push worker registers its WorkerService
// under: the master calls WorkerServiceName + ".DoTask".
const WorkerServiceName = "WorkerService"

// TaskArgs are the arguments of WorkerService.DoTask: one task.
type TaskArgs struct {
	TaskID   int
	TaskData string
}

func (t *TaskArgs) String() string {
	return fmt.Sprintf("Task(ID: %d, Data: %q)", t.TaskID, t.TaskData)
}

// TaskReply is the reply of WorkerService.DoTask: the task's result, and
// which worker made it.
type TaskReply struct {
	WorkerID   int
	ResultData string
}

func (r *TaskReply) String() string {
	return fmt.Sprintf("Reply(Worker: %d, Result: %q)", r.WorkerID, r.ResultData)
}

// ErrNoWorkers is the error Dispatch returns, wrapped, when every worker
// has failed while tasks remain: there is nobody left to run them.
var ErrNoWorkers = errors.New("masterworker: no worker left to run the tasks")

// --- Pull (parts B and C) ----------------------------------------------------

// MasterServiceName is the name the pull master is registered under: a
// worker calls MasterServiceName + ".RequestTask" and
// MasterServiceName + ".SubmitTaskResult".
const MasterServiceName = "MasterService"

// DefaultTaskTimeout is how long a worker may hold a task before the master
// gives it to another, when NewMaster is given no time-out.
const DefaultTaskTimeout = 3 * time.Second

// Task is a unit of work of the pull design.
type Task struct {
	ID   int
	Data string
}

func (t *Task) String() string { return fmt.Sprintf("Task(ID: %d, Data: %q)", t.ID, t.Data) }

// RequestTaskArgs are the arguments of Master.RequestTask.
type RequestTaskArgs struct {
	WorkerID string
}

// RequestTaskReply is the reply of Master.RequestTask. It says one of three
// things: here is a task (Task is not nil); every task is completed, go
// home (NoMoreTasks); or nothing is ready now, ask again later (neither).
type RequestTaskReply struct {
	Task        *Task
	NoMoreTasks bool
}

// SubmitTaskArgs are the arguments of Master.SubmitTaskResult: worker
// WorkerID's result for task TaskID.
type SubmitTaskArgs struct {
	WorkerID   string
	TaskID     int
	ResultData string
}

// SubmitTaskReply is the reply of Master.SubmitTaskResult. Acknowledged is
// true for every submission of a known task, kept or ignored: the worker
// has nothing to do about a stale or duplicate result.
type SubmitTaskReply struct {
	Acknowledged bool
}

// TaskStatus is where a task is in its life at the pull master.
type TaskStatus int

const (
	Idle       TaskStatus = iota // waiting in the queue for a worker
	InProgress                   // handed to a worker, whose time is running
	Completed                    // its first valid result is kept
)

func (s TaskStatus) String() string {
	switch s {
	case Idle:
		return "Idle"
	case InProgress:
		return "InProgress"
	case Completed:
		return "Completed"
	}
	return fmt.Sprintf("TaskStatus(%d)", int(s))
}

// DefaultBackoff is how long a Worker waits after a reply with no task,
// when its Backoff is not set.
const DefaultBackoff = 100 * time.Millisecond

// Worker is a pull worker (part C): a stateless loop of RequestTask,
// Process, SubmitTaskResult, against the master at MasterAddr. Its Run
// method is the student's, in worker.go.
type Worker struct {
	ID         string
	MasterAddr string
	// Process is the work: a task in, its result out. It must not be nil.
	Process func(Task) string
	// Backoff is how long to wait after a reply with no task, and after
	// an error RequestTask returned, before asking again (0:
	// DefaultBackoff).
	Backoff time.Duration
}

// ErrMasterGone is the error Worker.Run returns, wrapped, when the master
// cannot be reached: the dial failed, or the connection broke.
var ErrMasterGone = errors.New("masterworker: the master is gone")
