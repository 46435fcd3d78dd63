//go:build solution

package masterworker

import (
	"fmt"
	"net/rpc"
	"sync"
)

// Dispatch runs every task on the workers at workerAddrs and returns their
// replies in task order: reply i is task i's.
//
// Each worker is dialled once, and perWorker goroutines share its
// connection (a *rpc.Client is safe for concurrent calls), each taking the
// next task from a shared queue: so a worker has at most perWorker calls in
// flight, and a fast worker takes more tasks than a slow one. A call that
// fails puts its task back in the queue and retires the worker: its other
// callers stop taking tasks, and the tasks they hold come back as their
// calls fail. The master keeps all the state; the workers keep none.
//
// The coordinator (this function's own goroutine) is the only one that
// writes replies and counts: the callers send it what happened.
func Dispatch(tasks []TaskArgs, workerAddrs []string, perWorker int) ([]TaskReply, error) {
	if perWorker < 1 {
		return nil, fmt.Errorf("masterworker: Dispatch needs at least 1 call per worker, not %d", perWorker)
	}
	replies := make([]TaskReply, len(tasks))
	if len(tasks) == 0 {
		return replies, nil
	}

	// queue holds the indexes of the tasks no caller holds. Each task is in
	// it at most once, so it never fills.
	queue := make(chan int, len(tasks))
	for i := range tasks {
		queue <- i
	}
	events := make(chan outcome)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for _, addr := range workerAddrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runWorker(addr, tasks, perWorker, queue, events, quit)
		}()
	}

	done, live := 0, len(workerAddrs)
	for done < len(tasks) && live > 0 {
		e := <-events
		switch {
		case e.retired:
			live--
		case e.err != nil:
			queue <- e.task // back for another worker
		default:
			replies[e.task] = e.reply
			done++
		}
	}
	close(quit)
	wg.Wait()
	if done < len(tasks) {
		return replies, fmt.Errorf("%w: %d of %d tasks not done", ErrNoWorkers, len(tasks)-done, len(tasks))
	}
	return replies, nil
}

// outcome is what a worker's goroutine tells the coordinator: a task's
// reply, a task's failure (err), or that the worker is retired.
type outcome struct {
	task    int
	reply   TaskReply
	err     error
	retired bool
}

// runWorker dials the worker at addr and runs perWorker callers on its
// connection until quit is closed or the worker fails. It tells the
// coordinator when the worker is retired, unless the coordinator is done.
func runWorker(addr string, tasks []TaskArgs, perWorker int, queue chan int, events chan<- outcome, quit <-chan struct{}) {
	defer func() {
		select {
		case events <- outcome{retired: true}:
		case <-quit:
		}
	}()
	client, err := rpc.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer client.Close()

	failed := make(chan struct{}) // closed by the first caller whose call fails
	var once sync.Once
	var wg sync.WaitGroup
	for range perWorker {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var i int
				select {
				case i = <-queue:
				case <-failed:
					return
				case <-quit:
					return
				}
				var reply TaskReply // a fresh reply per call: gob leaves zero fields as they were
				err := client.Call(WorkerServiceName+".DoTask", &tasks[i], &reply)
				if err != nil {
					once.Do(func() { close(failed) })
				}
				// The coordinator waits for every task it has not seen, so
				// it reads this: no select on quit is needed.
				events <- outcome{task: i, reply: reply, err: err}
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
}
