package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/report"
)

func TestGradeVerdicts(t *testing.T) {
	t.Parallel()
	root, g := fixture(t)
	lab := fixtureLab(t, root, "fix")
	lr, err := g.Grade(context.Background(), lab, grading.Selection{})
	if err != nil {
		t.Fatalf("grading the fixture: %v", err)
	}
	results := resultsByName(lr)
	tests := []struct {
		name    string
		outcome report.Outcome
		reason  string // a substring of the reason
	}{
		{"TestPass", report.Pass, ""},
		{"TestFail", report.Fail, "Add(2, 3) = 6, want 5: check the carry"},
		{"TestSubtests", report.Fail, "the bad subtest failed"},
		{"TestRace", report.Race, "data race: "},
		{"TestPanic", report.Panic, "panic: assignment to entry in nil map"},
		{"TestPanicInTest", report.Panic, "panic: runtime error: invalid memory address or nil pointer dereference"},
		{"TestTimeout", report.Timeout, "timed out after 2s"},
		{"TestExit0", report.NoResult, "os.Exit(0)"},
		{"TestSyscallExit0", report.NoResult, "exited (status 0) without reporting a result"},
		{"TestExit3", report.NoResult, "exited (status 3) without reporting a result"},
		{"TestFakePass", report.Fail, "the real verdict"},
		{"TestSkip", report.Skipped, "skipped: needs a network"},
		{"TestStub", report.Fail, "fix: Stub is not implemented yet"},
		{"TestNoisy", report.Fail, "too much output"},
		{"TestTestify", report.Fail, "Serial fetched a page twice: keep a map of fetched pages"},
		{"TestFramedForgery", report.NoResult, "its harness reported no result"},
		{"TestForgedJSON", report.NoResult, "exited (status 0) without reporting a result"},
		{"TestDeadlock", report.Timeout, "timed out after 2s"},
		{"TestFlood", report.Fail, "100 MB of output"},
	}
	for _, tt := range tests {
		r := results[tt.name]
		if r == nil {
			t.Errorf("%s was not graded", tt.name)
			continue
		}
		if r.Result != tt.outcome || !strings.Contains(r.Reason, tt.reason) {
			t.Errorf("%s: got %s %q, want %s with a reason containing %q\n%v", tt.name, r.Result, r.Reason, tt.outcome, tt.reason, describe(r))
		}
		wantPoints := 0
		if tt.outcome == report.Pass {
			wantPoints = r.MaxPoints
		}
		if r.Points != wantPoints {
			t.Errorf("%s (%s) earned %d points, want %d", tt.name, r.Result, r.Points, wantPoints)
		}
	}
	if got, want := len(lr.Tests), len(tests); got != want {
		t.Errorf("graded %d tests, want %d", got, want)
	}
	if earned, max := lr.Score, lr.MaxScore; earned != 1 || max != 20 {
		t.Errorf("score %d/%d, want 1/20", earned, max)
	}

	if r := results["TestTimeout"]; r != nil {
		if r.Elapsed > 2*time.Second+grading.QuitGrace+3*time.Second {
			t.Errorf("TestTimeout was killed after %s; its limit is 2s", r.Elapsed)
		}
		if !strings.Contains(r.Output, "goroutine ") {
			t.Errorf("a timed-out test's output must keep the goroutine dump; got\n%s", r.Output)
		}
	}
	if r := results["TestNoisy"]; r != nil {
		if len(r.Output) > 2*grading.KeptOutput+1024 || !strings.Contains(r.Output, "bytes of output cut") {
			t.Errorf("TestNoisy printed 9 MB; the grader kept %d bytes, want at most %d and a note of the cut", len(r.Output), 2*grading.KeptOutput+1024)
		}
	}
	if r := results["TestFlood"]; r != nil && len(r.Output) > 2*grading.KeptOutput+1024 {
		t.Errorf("TestFlood printed 100 MB; the grader kept %d bytes, want at most %d", len(r.Output), 2*grading.KeptOutput+1024)
	}
	if r := results["TestDeadlock"]; r != nil && !strings.Contains(r.Reason, "still waiting") {
		t.Errorf("a deadlock's reason must say where the test was waiting; got %q", r.Reason)
	}
	if r := results["TestStub"]; r != nil && !r.Stubbed {
		t.Errorf("TestStub's output says \"not implemented\", but the grader did not notice")
	}
	if r := results["TestRace"]; r != nil && !strings.Contains(r.Output, "WARNING: DATA RACE") {
		t.Errorf("a race's output must keep the race report; got\n%s", r.Output)
	}
}

func TestGradeBuildFailure(t *testing.T) {
	t.Parallel()
	root, g := fixture(t)
	lr, err := g.Grade(context.Background(), fixtureLab(t, root, "broken"), grading.Selection{})
	if err != nil {
		t.Fatalf("a build failure is a verdict, not a setup error: %v", err)
	}
	for _, r := range lr.Tests {
		if r.Result != report.BuildFailed || !strings.Contains(r.Reason, "undefined: undefinedThing") {
			t.Errorf("%s: got %s %q, want build_failed with the compiler's message", r.Name, r.Result, r.Reason)
		}
	}
	if earned, max := lr.Score, lr.MaxScore; earned != 0 || max != 5 {
		t.Errorf("score %d/%d, want 0/5", earned, max)
	}
	var out bytes.Buffer
	report.WriteText(&out, &report.Report{Labs: []*report.Lab{lr}}, report.Style{}, false)
	if !strings.Contains(out.String(), "did not compile") || !strings.Contains(out.String(), "broken.go:3") {
		t.Errorf("the report must show the compiler's output:\n%s", out.String())
	}
}

func TestGradeCatalogueMismatch(t *testing.T) {
	t.Parallel()
	root, g := fixture(t)
	_, err := g.Grade(context.Background(), fixtureLab(t, root, "mismatch"), grading.Selection{})
	if err == nil {
		t.Fatal("grading a lab whose catalogue does not match its tests must fail")
	}
	for _, want := range []string{
		"labs/mismatch.toml grades TestMissing, but ./mismatch (no tags) has no such test",
		"test TestUngraded in ./mismatch has no points in labs/mismatch.toml",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error must say %q; got\n%v", want, err)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	root, g := fixture(t)
	var out bytes.Buffer
	all, err := catalog.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	code := selfCheckLabs(context.Background(), g, all, fixtureLabs(t, root, "calc"), 2, &out, report.Style{}, false)
	got := out.String()
	if code != exitFailed {
		t.Errorf("the self-check of a lab with an uncaught mutant exited %d, want %d", code, exitFailed)
	}
	for _, want := range []string{
		"./calc (-tags private): 3 tests, 3 graded",
		"./calc (-tags solution,private): 3 tests, 3 graded",
		"3/3 tests fail, each saying \"not implemented\"",
		"runs: 6/6, 6/6",
		"off-by-one  yes     -5",
		"zero        no      -3",
		"calc: mutant zero (Add always returns zero.) is not caught: TestAddZero passed",
		"labs/manifest.sha256 does not exist: run make manifest and commit it", // the fixture has none
		"Check: FAIL: 2 problems in calc",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the report must contain %q:\n%s", want, got)
		}
	}
	if lines := strings.Split(strings.TrimSpace(got), "\n"); !strings.HasPrefix(lines[len(lines)-1], "Check: FAIL") {
		t.Errorf("the last line must be the verdict; got %q", lines[len(lines)-1])
	}
}

func TestCLI(t *testing.T) {
	t.Parallel()
	root, _ := fixture(t)
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), append([]string{"-root", root}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, stdout, stderr := run("-lab", "fix", "-run", "^Test(Pass|Fail)$")
	if code != exitOK || !strings.HasSuffix(stdout, "\nScore: 1/3\n") {
		t.Errorf("grading: exit %d, want 0, and a last line Score: 1/3\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, row := range []string{`(?m)^\s+TestPass\s+1/1\s+PASS\b`, `(?m)^\s+TestFail\s+0/2\s+FAIL\b`} {
		if !regexp.MustCompile(row).MatchString(stdout) {
			t.Errorf("the table must show each test's points earned of its max and its result (%s):\n%s", row, stdout)
		}
	}

	code, stdout, _ = run("-lab", "fix", "-run", "^TestFail$", "-json", "-v")
	var rep report.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitOK {
		t.Fatalf("-json: exit %d, %v:\n%s", code, err, stdout)
	}
	if rep.Score != 0 || rep.MaxScore != 2 || len(rep.Labs) != 1 || len(rep.Labs[0].Tests) != 1 ||
		rep.Labs[0].Tests[0].Result != report.Fail || !strings.Contains(rep.Labs[0].Tests[0].Output, "check the carry") {
		t.Errorf("-json report: %+v", rep)
	}

	code, stdout, _ = run("-lab", "calc", "-tags", "solution", "-private")
	if code != exitOK || !strings.HasSuffix(stdout, "\nScore: 6/6\n") {
		t.Errorf("-private must grade the hidden test: exit %d\n%s", code, stdout)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-lab", "nope"}, `unknown lab "nope": the labs are fix, broken, mismatch, calc, initexit`},
		{[]string{"-lab", "fix", "-run", "NoSuchTest"}, `-run "NoSuchTest" matches no graded test of fix`},
		{[]string{"-run", "("}, "-run \"(\": error parsing regexp"},
		{[]string{"-p", "0"}, "-p 0: run at least one process at a time"},
		{[]string{"-lab", "mismatch"}, "test TestUngraded in ./mismatch has no points in labs/mismatch.toml"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := run(tt.args...)
		if code != exitSetup || !strings.Contains(stderr, tt.want) {
			t.Errorf("grader %s: exit %d, want %d with %q; stderr:\n%s", strings.Join(tt.args, " "), code, exitSetup, tt.want, stderr)
		}
	}

	var stdout2, stderr2 bytes.Buffer
	code = cli(context.Background(), []string{"list", "-root", root}, &stdout2, &stderr2)
	if code != exitOK || !strings.HasPrefix(stdout2.String(), "./fix\n./broken\n./mismatch\n./calc\n./initexit\n./cheat\n./cheatok\n") {
		t.Errorf("grader list: exit %d\n%s%s", code, stdout2.String(), stderr2.String())
	}
}

func TestCLIMissingCompiler(t *testing.T) {
	root, _ := fixture(t) // before CC is spoilt: the fixture's grader needs a compiler
	t.Setenv("CC", "no-such-compiler")
	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), []string{"-root", root, "-lab", "fix"}, &stdout, &stderr)
	if code != exitSetup || !strings.Contains(stderr.String(), "the race detector needs cgo and a C compiler") {
		t.Errorf("without a C compiler: exit %d\n%s", code, stderr.String())
	}
}

// TestGradeForgeries grades student files that try to forge a pass: the
// static check refuses them, and where a lab allows what they use, the
// harness's silence fails them anyway.
func TestGradeForgeries(t *testing.T) {
	t.Parallel()
	root, g := fixture(t)
	for _, tc := range []struct {
		lab     string
		outcome report.Outcome
		reason  string
	}{
		{"cheat", report.Refused, `cheat/cheat.go:5:2: import "syscall" is not allowed in a submission`},
		{"cheatok", report.NoResult, "its harness reported no result"},
		{"initexit", report.NoResult, "without reporting a result"},
	} {
		lr, err := g.Grade(context.Background(), fixtureLab(t, root, tc.lab), grading.Selection{})
		if err != nil {
			t.Fatalf("grading %s: %v", tc.lab, err)
		}
		for _, r := range lr.Tests {
			if r.Result != tc.outcome || !strings.Contains(r.Reason, tc.reason) || r.Points != 0 {
				t.Errorf("%s.%s: got %s %q (%d points), want %s with a reason containing %q\n%v",
					tc.lab, r.Name, r.Result, r.Reason, r.Points, tc.outcome, tc.reason, describe(r))
			}
		}
		if tc.outcome == report.Refused {
			var out bytes.Buffer
			report.WriteText(&out, &report.Report{Labs: []*report.Lab{lr}}, report.Style{}, false)
			if !strings.Contains(out.String(), `cheat/cheat.go:5:2: import "syscall" is not allowed`) {
				t.Errorf("the report must list what the static check refused, with file and line:\n%s", out.String())
			}
		}
	}
}
