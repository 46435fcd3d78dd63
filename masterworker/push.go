//go:build !solution

package masterworker

// Dispatch runs every task on the workers at workerAddrs, over net/rpc, and
// returns their replies in task order: replies[i] is the reply to tasks[i]
// (handout part A). The call is WorkerServiceName + ".DoTask".
//
//   - Many calls at once, but at most perWorker calls in flight at any one
//     worker at any moment (perWorker < 1 is an error).
//   - No tasks: no replies, no error, and no worker dialled. Tasks but no
//     workers: the ErrNoWorkers error below.
//   - Dial each worker once (rpc.Dial) and share its *rpc.Client among your
//     goroutines: it is safe for concurrent calls. Close it before you
//     return.
//   - A worker that cannot be dialled, or whose call fails, does not lose
//     its task: the task goes to another worker. Give that worker no more
//     tasks.
//   - If every worker has failed and tasks remain, return at once (do not
//     wait for workers that will never come) the replies, len(tasks) of
//     them with those of the tasks not done left empty, and an error that
//     wraps ErrNoWorkers (fmt.Errorf("%w ...")).
//   - Use a fresh TaskReply for each call: gob leaves the fields it did
//     not receive as they were.
//   - Every goroutine you start has ended when Dispatch returns.
//
// The lecture's push master round-robins tasks onto workers (i % n), dials
// once per task, drops a task whose call fails and keeps no results. Keep
// its idea (the master holds the state, the workers none), not those bugs.
// Hint: a queue of task indexes (a buffered channel) that a worker's
// goroutines take from, and one goroutine, the coordinator, that collects
// what happened to each task, like the crawler's coordinator in Lab 1.
func Dispatch(tasks []TaskArgs, workerAddrs []string, perWorker int) ([]TaskReply, error) {
	panic("masterworker: Dispatch is not implemented yet: write it in masterworker/push.go (docs/masterworker.md, part A)")
}
