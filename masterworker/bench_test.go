package masterworker

// The benchmarks of part D, not graded: how many tasks a second go through
// the pull master on loopback with 1, 8 and 64 workers (Process does
// nothing, so this is the cost of the two calls per task and of the
// master's lock), and how much memory the master keeps per task. Run them
// with:
//
//	go test -run '^$' -bench 'BenchmarkState' ./masterworker/

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// BenchmarkStatePull puts b.N tasks through a master on a loopback port,
// with 1, 8 and 64 workers, and reports tasks/s: from the workers' start
// to the last one's return, their dials included.
func BenchmarkStatePull(b *testing.B) {
	for _, workers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) { scnBenchPull(b, workers) })
	}
}

func scnBenchPull(b *testing.B, workers int) {
	var m *Master
	try(b, "NewMaster", func() { m = NewMaster(newTasks(b.N), time.Minute) })
	defer m.Close()
	srv, err := Listen("127.0.0.1:0", MasterServiceName, m)
	if err != nil {
		b.Fatalf("serving the master on a loopback port: %v", err)
	}
	defer srv.Close()

	errs := make(chan error, workers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range workers {
		wg.Add(1)
		w := &Worker{ID: fmt.Sprintf("w%d", i+1), MasterAddr: srv.Addr(), Backoff: time.Millisecond,
			Process: func(t Task) string { return t.Data }}
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					errs <- fmt.Errorf("Worker.Run panicked: %v", v)
				}
			}()
			if err := w.Run(context.Background()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	if !m.Done() {
		b.Fatal("every worker returned, but the master is not Done")
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tasks/s")
}

// BenchmarkStateMasterMemory reports the heap that NewMaster keeps for
// 100,000 tasks, per task (the tasks themselves, made beforehand, are not
// counted; their Data strings are shared, not copied).
func BenchmarkStateMasterMemory(b *testing.B) {
	const n = 100_000
	tasks := newTasks(n)
	var total uint64
	iterations := 0
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var m *Master
		try(b, "NewMaster", func() { m = NewMaster(tasks, time.Minute) })
		runtime.GC()
		runtime.ReadMemStats(&after)
		if after.HeapAlloc > before.HeapAlloc {
			total += after.HeapAlloc - before.HeapAlloc
		}
		iterations++
		runtime.KeepAlive(m)
		m.Close()
	}
	runtime.KeepAlive(tasks)
	b.ReportMetric(float64(total)/float64(iterations)/n, "B/task")
}
