package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sync/atomic"
	"syscall"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/gradehook"
	"golabs/internal/sandbox"
)

// A result is the verdict on one graded test.
type result struct {
	test    catalog.Test
	outcome outcome
	reason  string // one line: why it did not pass
	elapsed time.Duration
	exit    int    // the process's exit status; -1 if killed or never run
	output  string // what was kept of the output: head and tail
	stubbed bool   // the output said "not implemented"
}

// earned returns the points the test earned.
func (r *result) earned() int {
	if r.outcome == pass {
		return r.test.Points
	}
	return 0
}

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
func (r *runner) run(ctx context.Context, bin *binary, t catalog.Test) *result {
	res := &result{test: t, exit: -1}
	if bin.failed() {
		res.outcome, res.reason = buildFailed, "build failed: "+bin.compileError()
		return res
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		res.outcome, res.reason = notRun, "not run: the grader was interrupted"
		return res
	}
	defer func() { <-r.slots }()
	if ctx.Err() != nil {
		res.outcome, res.reason = notRun, "not run: the grader was interrupted"
		return res
	}
	if err := r.runProcess(ctx, bin, t, res); err != nil {
		res.outcome, res.reason = notRun, "not run: "+err.Error()
	}
	return res
}

func (r *runner) runProcess(ctx context.Context, bin *binary, t catalog.Test, res *result) error {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	defer pw.Close()

	// test2json reads the test binary's framed output and writes events.
	conv := exec.Command(r.test2json, "-t", "-p", bin.pkg)
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
		Path: bin.path,
		Args: []string{
			"-test.run", "^" + regexp.QuoteMeta(t.Name) + "$",
			"-test.count=1",
			"-test.v=test2json",
			"-test.paniconexit0",
			"-test.timeout=" + (t.Timeout + backstop).String(),
		},
		Dir:     bin.dir,
		Visible: []string{bin.dir, bin.path},
		Hidden:  hiddenSources(bin.dir),
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
	hook, err := r.attachHook(cmd)
	if err != nil {
		return err
	}
	defer hook.close()

	obs := newObserver(t.Name)
	obs.dir = bin.dir
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
	hook.started()
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
	res.elapsed = time.Since(start)
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

	res.exit = exitStatus(waitErr)
	obs.hook = hook.report()
	res.outcome, res.reason = obs.verdict(res.exit, killed, t.Timeout)
	if exceeded != nil {
		res.outcome, res.reason = overLimit, exceeded.String()
	}
	res.output = obs.out.String()
	if res.outcome != pass && r.keepFiles {
		// A file the test's message points at (kv's history drawn as HTML)
		// would go with the scratch folder: keep a copy, and point at it,
		// within what is left of the run's allowance.
		if left := keptFilesLimit - r.kept.Load(); left > 0 {
			r.kept.Add(run.Rescue(os.TempDir(), min(left, 16<<20), &res.output, &res.reason))
		}
	}
	res.stubbed = obs.notImplemented
	if res.outcome == timeout {
		res.output = cleanDump(res.output)
		if where := stuckAt(res.output, bin.dir); where != "" {
			res.reason = fmt.Sprintf("timed out after %s; still waiting: %s", shortDuration(t.Timeout), where)
		}
	}
	return nil
}

// hiddenSources lists the files of dir that hold hidden tests: the code under
// test could read them (they are in its package's folder) and print them.
func hiddenSources(dir string) []string {
	names, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
	var hidden []string
	for _, name := range names {
		if private, err := privateOnly(name); err != nil || private {
			hidden = append(hidden, name)
		}
	}
	return hidden
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
	return eachLine(r, maxLine, func(line []byte) {
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

// A hookPipe is the grader's end of the gradehook channel of one test
// process: a pipe that hands the process a fresh nonce, and a pipe on which
// the process's test harness reports, under that nonce, the exit code of
// its tests (see package gradehook). Student code runs after the harness has
// taken the nonce, so it cannot forge the report.
type hookPipe struct {
	nonce   []byte
	nonceW  *os.File // the grader writes the nonce here
	nonceR  *os.File // fd 4 of the child
	resultR *os.File // the grader reads the report here
	resultW *os.File // fd 3 of the child
	written chan string
}

// attachHook sets cmd up with the gradehook descriptors and environment.
func (r *runner) attachHook(cmd *exec.Cmd) (*hookPipe, error) {
	h := &hookPipe{nonce: make([]byte, 32), written: make(chan string, 1)}
	if _, err := rand.Read(h.nonce); err != nil {
		return nil, fmt.Errorf("making a nonce: %v", err)
	}
	var err error
	if h.resultR, h.resultW, err = os.Pipe(); err != nil {
		return nil, err
	}
	if h.nonceR, h.nonceW, err = os.Pipe(); err != nil {
		h.close()
		return nil, err
	}
	// A 32-byte write to a fresh pipe does not block.
	if _, err := h.nonceW.Write(h.nonce); err != nil {
		h.close()
		return nil, err
	}
	h.nonceW.Close()
	cmd.ExtraFiles = []*os.File{h.resultW, h.nonceR} // fds 3 and 4
	cmd.Env = append(slices.Clip(cmd.Env), gradehook.Env+"=3,4")
	return h, nil
}

// started closes the child's ends in the grader and starts reading the
// report, which ends when every process holding the write end has exited.
func (h *hookPipe) started() {
	h.resultW.Close()
	h.nonceR.Close()
	go func() {
		b, _ := io.ReadAll(io.LimitReader(h.resultR, 1<<20))
		h.written <- string(b)
	}()
}

// report returns what the harness reported, or nil if it reported nothing
// authentic. Call it after the process group is gone.
func (h *hookPipe) report() *gradehook.Report {
	select {
	case written := <-h.written:
		if r, ok := gradehook.Open(h.nonce, written); ok {
			return r
		}
	case <-time.After(5 * time.Second):
	}
	return nil
}

func (h *hookPipe) close() {
	for _, f := range []*os.File{h.nonceW, h.nonceR, h.resultR, h.resultW} {
		if f != nil {
			f.Close()
		}
	}
}
