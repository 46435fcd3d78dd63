package grading_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golabs/internal/grading"
	"golabs/internal/grading/gradingtest"
	"golabs/internal/report"
	"golabs/internal/sandbox"
)

// TestSandboxContainsEscapes grades testdata/sandbox/escape.txtar, whose
// tests try to write, connect and signal outside their process, and checks
// that every attack failed and nothing outside changed.
func TestSandboxContainsEscapes(t *testing.T) {
	eachSandbox(t, containsEscapes)
}

// sandboxKinds are the kinds of sandbox the grader can use, each with the
// function that returns it where it works here.
var sandboxKinds = []struct {
	kind sandbox.Kind
	use  func() (*sandbox.Sandbox, error)
}{{sandbox.Bwrap, sandbox.UseBwrap}, {sandbox.Namespaces, sandbox.UseNamespaces}}

// eachSandbox runs test as a subtest for each kind of sandbox; a kind that
// does not work on this machine is a skipped subtest that says why.
func eachSandbox(t *testing.T, test func(*testing.T, *sandbox.Sandbox)) {
	for _, k := range sandboxKinds {
		t.Run(string(k.kind), func(t *testing.T) {
			sb, err := k.use()
			if err != nil {
				t.Skipf("cannot test the %s sandbox on this machine: %v", k.kind, err)
			}
			test(t, sb)
		})
	}
}

func containsEscapes(t *testing.T, sb *sandbox.Sandbox) {
	root, _ := fixture.Get(t)
	g, err := grading.New(context.Background(), grading.Options{Root: root, Par: 2, Sandbox: sb})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	// The real home folder, and a folder in it for another submission: under
	// /tmp they would hide behind the sandbox's own /tmp and prove nothing.
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skipf("no home folder to attack: %v", err)
	}
	other, err := os.MkdirTemp(home, ".labkit-other-submission-")
	if err != nil {
		t.Skipf("cannot make a folder in the home folder: %v", err)
	}
	defer os.RemoveAll(other)
	defer os.Remove(filepath.Join(home, "labkit-canary"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var connections atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			connections.Add(1)
			c.Close()
		}
	}()
	sleep := fmt.Sprintf("%d.%d", 300+os.Getpid()%100, time.Now().Nanosecond()%1000)
	targets := fmt.Sprintf("home %s\nroot %s\nother %s\nlistener %s\ngrader %d\nsleep %s\n",
		home, root, other, ln.Addr(), os.Getpid(), sleep)
	if err := os.MkdirAll(filepath.Join(root, "escape", "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "escape", "testdata", "targets"), []byte(targets), 0o644); err != nil {
		t.Fatal(err)
	}
	kitFile := filepath.Join(root, "escape", "grading.go")
	before, _ := os.ReadFile(kitFile)

	lr, err := g.Grade(context.Background(), gradingtest.Lab(t, root, "escape"), grading.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range lr.Tests {
		if r.Result != report.Fail {
			t.Errorf("%s: outcome %s, want fail (the attack must not work)\n%s", r.Name, r.Result, describe(r))
		}
		t.Logf("%s: %s", r.Name, r.Reason)
	}
	if earned := lr.Score; earned != 0 {
		t.Errorf("the escapes earned %d points, want 0", earned)
	}
	for _, dir := range []string{home, other, root, filepath.Join(root, "escape")} {
		if _, err := os.Stat(filepath.Join(dir, "labkit-canary")); err == nil {
			t.Errorf("a test wrote %s", filepath.Join(dir, "labkit-canary"))
		}
	}
	if after, _ := os.ReadFile(kitFile); string(after) != string(before) {
		t.Errorf("a test changed %s", kitFile)
	}
	if n := connections.Load(); n > 0 {
		t.Errorf("tests connected %d times to a listener on the host's loopback", n)
	}
	if pids := processesWithArg(sleep); len(pids) > 0 {
		t.Errorf("a process a test started is still running after grading: %v", pids)
	}
}

// processesWithArg returns the processes with arg on their command line.
func processesWithArg(arg string) []string {
	var found []string
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, c := range cmdlines {
		b, err := os.ReadFile(c)
		if err == nil && strings.Contains(string(b)+"\x00", "\x00"+arg+"\x00") {
			found = append(found, filepath.Base(filepath.Dir(c)))
		}
	}
	return found
}

// TestLimitsStopBombs grades testdata/sandbox/bombs.txtar with the sandbox
// and without it: the limits hold either way, and every bomb earns nothing.
func TestLimitsStopBombs(t *testing.T) {
	root, _ := fixture.Get(t)

	// What each bomb may end as; a limit, unless Go's runtime stops it first.
	want := map[string][]report.Outcome{
		"TestMemoryBomb":      {report.Limit},
		"TestDiskBomb":        {report.Limit},
		"TestDiskBombOneFile": {report.Limit},
		"TestGoroutineBomb":   {report.Limit, report.Panic},
		"TestThreadBomb":      {report.Limit, report.Panic},
		"TestProcessBomb":     {report.Limit},
	}
	bombs := func(t *testing.T, sb *sandbox.Sandbox) {
		g, err := grading.New(context.Background(), grading.Options{Root: root, Par: 2, Sandbox: sb})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		lr, err := g.Grade(context.Background(), gradingtest.Lab(t, root, "bombs"), grading.Selection{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range lr.Tests {
			ok := false
			for _, o := range want[r.Name] {
				ok = ok || r.Result == o
			}
			if !ok {
				t.Errorf("%s: outcome %s (%s), want one of %v\n%s", r.Name, r.Result, r.Reason, want[r.Name], describe(r))
			}
			t.Logf("%s: %s after %.1fs: %s", r.Name, r.Result, r.Elapsed.Seconds(), r.Reason)
		}
		if earned := lr.Score; earned != 0 {
			t.Errorf("the bombs earned %d points, want 0", earned)
		}
		if pids := processesWithArg("59.987"); len(pids) > 0 {
			t.Errorf("processes the bomb started still run after grading: %v", pids)
		}
	}
	t.Run("none", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skipf("the limits hold only on Linux, not on %s", runtime.GOOS)
		}
		bombs(t, sandbox.Unsandboxed("testing the limits without a sandbox"))
	})
	eachSandbox(t, bombs)
}

// TestBuildLimits builds testdata/sandbox/compilebomb.txtar, whose constants
// make the compiler allocate without end, under a lowered memory limit: the
// build is stopped, and the lab fails to build, with the reason.
func TestBuildLimits(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the build's memory is watched only on Linux, not on %s", runtime.GOOS)
	}
	root, _ := fixture.Get(t)
	g, err := grading.New(context.Background(), grading.Options{Root: root, Par: 2,
		Sandbox: sandbox.Unsandboxed("a build runs outside the sandbox"), BuildMemory: 512 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	start := time.Now()
	lr, err := g.Grade(context.Background(), gradingtest.Lab(t, root, "compilebomb"), grading.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	r := lr.Tests[0]
	if r.Result != report.BuildFailed || !strings.Contains(r.Reason, "the build was stopped: the compiler used more than 512 MiB") {
		t.Errorf("outcome %s (%s), want build_failed because the compiler used more than 512 MiB", r.Result, r.Reason)
	}
	t.Logf("the compiler bomb was stopped after %.1fs: %s", time.Since(start).Seconds(), r.Reason)
}
