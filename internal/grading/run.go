package grading

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync/atomic"
	"syscall"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/gradehook"
	"golabs/internal/layout"
	"golabs/internal/report"
	"golabs/internal/sandbox"
	"golabs/internal/trim"
)

const (
	// quitGrace is how long a test process has, after SIGQUIT at its time
	// limit, to print its goroutine dump before it is killed.
	quitGrace = 2 * time.Second
	// backstop is how far past the grader's limit the test binary's own
	// -test.timeout is set, to end it should the grader itself die.
	backstop = 10 * time.Second
	// maxLine is the longest test2json line the grader reads.
	maxLine = 1 << 20
)

// A runner runs single tests in processes of their own, each in a sandbox.
type runner struct {
	test2json string
	env       []string
	slots     chan struct{} // one per process that may run at once
	sandbox   *sandbox.Sandbox
	tmp       string // where the scratch folders go
	keepFiles bool   // keep the files a failed test's output names (for a person at a terminal)
	kept      atomic.Int64
}

// run runs test t of bin in a new process and classifies what happened. It
// waits for a slot first.
func (r *runner) run(ctx context.Context, bin *Binary, t catalog.Test) *report.Test {
	res := report.NewTest(t)
	if bin.Failed() {
		res.Decide(report.BuildFailed, "build failed: "+bin.BuildError().FirstError())
		return res
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		res.Decide(report.NotRun, "not run: the grader was interrupted")
		return res
	}
	defer func() { <-r.slots }()
	if ctx.Err() != nil {
		res.Decide(report.NotRun, "not run: the grader was interrupted")
		return res
	}
	if err := r.runProcess(ctx, bin, t, res); err != nil {
		res.Decide(report.NotRun, "not run: "+err.Error())
	}
	return res
}

func (r *runner) runProcess(ctx context.Context, bin *Binary, t catalog.Test, res *report.Test) error {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	defer pw.Close()

	// test2json reads the test binary's framed output and writes events.
	conv := exec.Command(r.test2json, "-t", "-p", bin.Package)
	conv.Stdin = pr
	var convErr bytes.Buffer
	conv.Stderr = &convErr
	events, err := conv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := conv.Start(); err != nil {
		return fmt.Errorf("starting test2json: %v", err)
	}
	pr.Close()

	run, err := r.sandbox.Command(sandbox.Spec{
		Path: bin.Path,
		Args: []string{
			"-test.run", "^" + regexp.QuoteMeta(t.Name) + "$",
			"-test.count=1",
			"-test.v=test2json",
			"-test.paniconexit0",
			"-test.timeout=" + (t.Timeout + backstop).String(),
		},
		Dir:     bin.Dir,
		Visible: []string{bin.Dir, bin.Path},
		Hidden:  hiddenSources(bin.Dir),
		Env:     r.env,
		Limits:  sandboxLimits(t.Limits),
		TempDir: r.tmp,
	})
	if err != nil {
		return err
	}
	defer run.Close()
	cmd := run.Cmd
	cmd.Stdout, cmd.Stderr = pw, pw
	hook, err := gradehook.Attach(cmd)
	if err != nil {
		return err
	}
	defer hook.Close()

	obs := newObserver(t.Name)
	obs.dir = bin.Dir
	decoded := make(chan error, 1)
	go func() { decoded <- decode(events, obs) }()

	start := time.Now()
	if err := cmd.Start(); err != nil {
		pw.Close()
		<-decoded
		conv.Wait()
		return fmt.Errorf("starting the test binary: %v", err)
	}
	pw.Close()
	hook.Started()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	pgid := cmd.Process.Pid
	killGroup := func() { syscall.Kill(-pgid, syscall.SIGKILL) }
	run.Watch(killGroup)
	limit := time.NewTimer(t.Timeout)
	defer limit.Stop()
	var (
		waitErr     error
		killed      bool
		interrupted bool
	)
	select {
	case waitErr = <-exited:
	case <-limit.C:
		// Ask for a goroutine dump, then kill whatever is left.
		killed = true
		run.Signal(syscall.SIGQUIT)
		select {
		case waitErr = <-exited:
		case <-time.After(quitGrace):
			killGroup()
			waitErr = <-exited
		}
	case <-ctx.Done():
		interrupted = true
		killGroup()
		waitErr = <-exited
	}
	res.SetElapsed(time.Since(start))
	// Children the test left behind would hold the pipe open.
	killGroup()
	exceeded := run.Stop()

	select {
	case err = <-decoded:
	case <-time.After(10 * time.Second):
		conv.Process.Kill()
		err = errors.New("test2json did not finish")
		<-decoded
	}
	conv.Wait()
	if interrupted {
		return errors.New("the grader was interrupted")
	}
	if err != nil {
		return fmt.Errorf("reading the test's events: %v %s", err, bytes.TrimSpace(convErr.Bytes()))
	}

	res.Exit = exitStatus(waitErr)
	obs.hook = hook.Report()
	outcome, reason := obs.verdict(res.Exit, killed, t.Timeout)
	if exceeded != nil {
		outcome, reason = report.Limit, exceeded.String()
	}
	if outcome != report.Pass {
		res.Output = obs.out.String()
	}
	if outcome != report.Pass && r.keepFiles {
		// A file the test's message points at (kv's history drawn as HTML)
		// would go with the scratch folder: keep a copy, and point at it,
		// within what is left of the run's allowance.
		if left := keptFilesLimit - r.kept.Load(); left > 0 {
			r.kept.Add(run.Rescue(os.TempDir(), min(left, 16<<20), &res.Output, &reason))
		}
	}
	res.Stubbed = obs.notImplemented
	if outcome == report.Timeout {
		res.Output = cleanDump(res.Output)
		if where := stuckAt(res.Output, bin.Dir); where != "" {
			reason = fmt.Sprintf("timed out after %s; still waiting: %s", report.ShortDuration(t.Timeout), where)
		}
	}
	res.Decide(outcome, reason)
	return nil
}

// hiddenSources lists the files of dir that hold hidden tests: the code under
// test could read them (they are in its package's folder) and print them.
func hiddenSources(dir string) []string {
	names, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	var files []string
	for _, name := range names {
		if hidden, err := layout.HiddenOnly(name); err != nil || hidden {
			files = append(files, name)
		}
	}
	return files
}

// keptFilesLimit bounds the bytes of files that one grading keeps for the
// person who reads its report (see Run.Rescue).
const keptFilesLimit = 64 << 20

// sandboxLimits are a test's limits as the sandbox takes them.
func sandboxLimits(l catalog.Limits) sandbox.Limits {
	return sandbox.Limits{Memory: l.Memory, FileSize: l.FileSize, Processes: l.Processes, OpenFiles: l.OpenFiles}
}

// decode feeds test2json's events to obs. A line that is not an event
// (test2json's own complaints) is kept as output.
func decode(r io.Reader, obs *observer) error {
	return trim.Lines(r, maxLine, func(line []byte) {
		var e event
		if err := json.Unmarshal(line, &e); err != nil || e.Action == "" {
			obs.event(event{Action: "output", Output: string(line) + "\n"})
			return
		}
		obs.event(e)
	})
}

// exitStatus returns a process's exit status, or -1 if a signal ended it.
func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return -1
}

// Run runs test t of bin in a new process and returns its verdict. It
// waits for a free slot first.
func (g *Grader) Run(ctx context.Context, bin *Binary, t catalog.Test) *report.Test {
	return g.runs.run(ctx, bin, t)
}
