package main

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestGradeVerdicts(t *testing.T) {
	t.Parallel()
	root, g := fixture(t)
	lab := fixtureLab(t, root, "fix")
	lr, err := g.grade(context.Background(), lab, gradeOptions{})
	if err != nil {
		t.Fatalf("grading the fixture: %v", err)
	}
	results := resultsByName(lr)
	tests := []struct {
		name    string
		outcome outcome
		reason  string // a substring of the reason
	}{
		{"TestPass", pass, ""},
		{"TestFail", fail, "Add(2, 3) = 6, want 5: check the carry"},
		{"TestSubtests", fail, "the bad subtest failed"},
		{"TestRace", race, "data race: "},
		{"TestPanic", panicked, "panic: assignment to entry in nil map"},
		{"TestPanicInTest", panicked, "panic: runtime error: invalid memory address or nil pointer dereference"},
		{"TestTimeout", timeout, "timed out after 2s"},
		{"TestExit0", noResult, "os.Exit(0)"},
		{"TestSyscallExit0", noResult, "exited (status 0) without reporting a result"},
		{"TestExit3", noResult, "exited (status 3) without reporting a result"},
		{"TestFakePass", fail, "the real verdict"},
		{"TestSkip", skipped, "skipped: needs a network"},
		{"TestStub", fail, "fix: Stub is not implemented yet"},
		{"TestNoisy", fail, "too much output"},
		{"TestTestify", fail, "Serial fetched a page twice: keep a map of fetched pages"},
		{"TestFramedForgery", noResult, "its harness reported no result"},
		{"TestForgedJSON", noResult, "exited (status 0) without reporting a result"},
		{"TestDeadlock", timeout, "timed out after 2s"},
		{"TestFlood", fail, "100 MB of output"},
	}
	for _, tt := range tests {
		r := results[tt.name]
		if r == nil {
			t.Errorf("%s was not graded", tt.name)
			continue
		}
		if r.outcome != tt.outcome || !strings.Contains(r.reason, tt.reason) {
			t.Errorf("%s: got %s %q, want %s with a reason containing %q\n%v", tt.name, r.outcome, r.reason, tt.outcome, tt.reason, r)
		}
		wantPoints := 0
		if tt.outcome == pass {
			wantPoints = r.test.Points
		}
		if r.earned() != wantPoints {
			t.Errorf("%s (%s) earned %d points, want %d", tt.name, r.outcome, r.earned(), wantPoints)
		}
	}
	if got, want := len(lr.results), len(tests); got != want {
		t.Errorf("graded %d tests, want %d", got, want)
	}
	if earned, max := lr.score(); earned != 1 || max != 20 {
		t.Errorf("score %d/%d, want 1/20", earned, max)
	}

	if r := results["TestTimeout"]; r != nil {
		if r.elapsed > 2*time.Second+quitGrace+3*time.Second {
			t.Errorf("TestTimeout was killed after %s; its limit is 2s", r.elapsed)
		}
		if !strings.Contains(r.output, "goroutine ") {
			t.Errorf("a timed-out test's output must keep the goroutine dump; got\n%s", r.output)
		}
	}
	if r := results["TestNoisy"]; r != nil {
		if len(r.output) > 2*keptOutput+1024 || !strings.Contains(r.output, "bytes of output cut") {
			t.Errorf("TestNoisy printed 9 MB; the grader kept %d bytes, want at most %d and a note of the cut", len(r.output), 2*keptOutput+1024)
		}
	}
	if r := results["TestFlood"]; r != nil && len(r.output) > 2*keptOutput+1024 {
		t.Errorf("TestFlood printed 100 MB; the grader kept %d bytes, want at most %d", len(r.output), 2*keptOutput+1024)
	}
	if r := results["TestDeadlock"]; r != nil && !strings.Contains(r.reason, "still waiting") {
		t.Errorf("a deadlock's reason must say where the test was waiting; got %q", r.reason)
	}
	if r := results["TestStub"]; r != nil && !r.stubbed {
		t.Errorf("TestStub's output says \"not implemented\", but the grader did not notice")
	}
	if r := results["TestRace"]; r != nil && !strings.Contains(r.output, "WARNING: DATA RACE") {
		t.Errorf("a race's output must keep the race report; got\n%s", r.output)
	}
}

func TestGradeBuildFailure(t *testing.T) {
	t.Parallel()
	root, g := fixture(t)
	lr, err := g.grade(context.Background(), fixtureLab(t, root, "broken"), gradeOptions{})
	if err != nil {
		t.Fatalf("a build failure is a verdict, not a setup error: %v", err)
	}
	for _, r := range lr.results {
		if r.outcome != buildFailed || !strings.Contains(r.reason, "undefined: undefinedThing") {
			t.Errorf("%s: got %s %q, want build_failed with the compiler's message", r.test.Name, r.outcome, r.reason)
		}
	}
	if earned, max := lr.score(); earned != 0 || max != 5 {
		t.Errorf("score %d/%d, want 0/5", earned, max)
	}
	var out bytes.Buffer
	writeText(&out, []*labResult{lr}, style{}, false)
	if !strings.Contains(out.String(), "did not compile") || !strings.Contains(out.String(), "broken.go:3") {
		t.Errorf("the report must show the compiler's output:\n%s", out.String())
	}
}

func TestGradeCatalogueMismatch(t *testing.T) {
	t.Parallel()
	root, g := fixture(t)
	_, err := g.grade(context.Background(), fixtureLab(t, root, "mismatch"), gradeOptions{})
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
	code := runCheck(context.Background(), g, fixtureLabs(t, root, "calc"), 2, &out, style{}, false)
	report := out.String()
	if code != exitCheck {
		t.Errorf("the self-check of a lab with an uncaught mutant exited %d, want %d", code, exitCheck)
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
		if !strings.Contains(report, want) {
			t.Errorf("the report must contain %q:\n%s", want, report)
		}
	}
	if lines := strings.Split(strings.TrimSpace(report), "\n"); !strings.HasPrefix(lines[len(lines)-1], "Check: FAIL") {
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
	var rep jsonReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitOK {
		t.Fatalf("-json: exit %d, %v:\n%s", code, err, stdout)
	}
	if rep.Score != 0 || rep.MaxScore != 2 || len(rep.Labs) != 1 || len(rep.Labs[0].Tests) != 1 ||
		rep.Labs[0].Tests[0].Result != fail || !strings.Contains(rep.Labs[0].Tests[0].Output, "check the carry") {
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
		{[]string{"-check", "-tags", "solution"}, "-tags cannot be combined with -check"},
		{[]string{"-lab", "mismatch"}, "test TestUngraded in ./mismatch has no points in labs/mismatch.toml"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := run(tt.args...)
		if code != exitSetup || !strings.Contains(stderr, tt.want) {
			t.Errorf("grader %s: exit %d, want %d with %q; stderr:\n%s", strings.Join(tt.args, " "), code, exitSetup, tt.want, stderr)
		}
	}

	code, stdout, _ = run("-list-packages")
	if code != exitOK || !strings.HasPrefix(stdout, "./fix\n./broken\n./mismatch\n./calc\n./initexit\n./cheat\n./cheatok\n") {
		t.Errorf("-list-packages: exit %d\n%s", code, stdout)
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
		outcome outcome
		reason  string
	}{
		{"cheat", refused, `cheat/cheat.go:5:2: import "syscall" is not allowed in a submission`},
		{"cheatok", noResult, "its harness reported no result"},
		{"initexit", noResult, "without reporting a result"},
	} {
		lr, err := g.grade(context.Background(), fixtureLab(t, root, tc.lab), gradeOptions{})
		if err != nil {
			t.Fatalf("grading %s: %v", tc.lab, err)
		}
		for _, r := range lr.results {
			if r.outcome != tc.outcome || !strings.Contains(r.reason, tc.reason) || r.earned() != 0 {
				t.Errorf("%s.%s: got %s %q (%d points), want %s with a reason containing %q\n%v",
					tc.lab, r.test.Name, r.outcome, r.reason, r.earned(), tc.outcome, tc.reason, r)
			}
		}
		if tc.outcome == refused {
			var out bytes.Buffer
			writeText(&out, []*labResult{lr}, style{}, false)
			if !strings.Contains(out.String(), `cheat/cheat.go:5:2: import "syscall" is not allowed`) {
				t.Errorf("the report must list what the static check refused, with file and line:\n%s", out.String())
			}
		}
	}
}
