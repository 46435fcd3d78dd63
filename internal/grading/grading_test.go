package grading_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golabs/internal/grading"
	"golabs/internal/grading/gradingtest"
	"golabs/internal/report"
)

// fixture is the fixture kit these tests grade, and its grader.
var fixture gradingtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	fixture.Close()
	os.Exit(code)
}

// resultsByName indexes a lab's results.
func resultsByName(l *report.Lab) map[string]*report.Test {
	m := make(map[string]*report.Test)
	for _, r := range l.Tests {
		m[r.Name] = r
	}
	return m
}

// describe says what became of a test, for failure messages.
func describe(r *report.Test) string {
	return fmt.Sprintf("%s %s (exit %d, %s): %s\n%s", r.Name, r.Result, r.Exit, r.Elapsed, r.Reason, r.Output)
}

func TestGradeVerdicts(t *testing.T) {
	t.Parallel()
	root, g := fixture.Get(t)
	lab := gradingtest.Lab(t, root, "fix")
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
	root, g := fixture.Get(t)
	lr, err := g.Grade(context.Background(), gradingtest.Lab(t, root, "broken"), grading.Selection{})
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
	root, g := fixture.Get(t)
	_, err := g.Grade(context.Background(), gradingtest.Lab(t, root, "mismatch"), grading.Selection{})
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

// TestGradeForgeries grades student files that try to forge a pass: the
// static check refuses them, and where a lab allows what they use, the
// harness's silence fails them anyway.
func TestGradeForgeries(t *testing.T) {
	t.Parallel()
	root, g := fixture.Get(t)
	for _, tc := range []struct {
		lab     string
		outcome report.Outcome
		reason  string
	}{
		{"cheat", report.Refused, `cheat/cheat.go:5:2: import "syscall" is not allowed in a submission`},
		{"cheatok", report.NoResult, "its harness reported no result"},
		{"initexit", report.NoResult, "without reporting a result"},
	} {
		lr, err := g.Grade(context.Background(), gradingtest.Lab(t, root, tc.lab), grading.Selection{})
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

// TestFeedback: labvet's findings in a lab's student files come with its
// grading, as feedback; none for the reference, or a lab refused.
func TestFeedback(t *testing.T) {
	t.Parallel()
	root := gradingtest.Copy(t)
	lab := gradingtest.Lab(t, root, "calc")
	stub := filepath.Join(root, "calc", "calc.go")
	data, err := os.ReadFile(stub)
	if err != nil {
		t.Fatal(err)
	}
	locked := string(data) + "\nvar mu sync.Mutex\n\nfunc get(m map[string]int, k string) int {\n\tmu.Lock()\n" +
		"\tif v, ok := m[k]; ok {\n\t\treturn v\n\t}\n\tmu.Unlock()\n\treturn 0\n}\n"
	locked = strings.Replace(locked, "package calc\n", "package calc\n\nimport \"sync\"\n", 1)
	if err := os.WriteFile(stub, []byte(locked), 0o644); err != nil {
		t.Fatal(err)
	}
	l := &report.Lab{ID: "calc", Spec: lab}
	grading.Feedback(root, l, grading.Selection{})
	if len(l.Feedback) != 1 || !strings.Contains(l.Feedback[0], "calc/calc.go:") || !strings.Contains(l.Feedback[0], "return with mu still locked") {
		t.Errorf("feedback %q, want labvet's unlockpath finding in calc/calc.go", l.Feedback)
	}
	// Many findings: the report keeps the first twenty, and says how many more.
	var many strings.Builder
	for i := range 25 {
		fmt.Fprintf(&many, "\nfunc slip%d() {\n\tmu.Lock()\n\tdefer mu.Lock()\n}\n", i)
	}
	if err := os.WriteFile(stub, []byte(locked+many.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	capped := &report.Lab{ID: "calc", Spec: lab}
	grading.Feedback(root, capped, grading.Selection{})
	if len(capped.Feedback) != 21 || !strings.HasPrefix(capped.Feedback[20], "... and 6 more findings: go run ./labvet ./calc shows them all") {
		t.Errorf("26 findings gave %d lines of feedback, the last %q; want 20 and a line that says 6 more", len(capped.Feedback), capped.Feedback[len(capped.Feedback)-1])
	}
	ref := &report.Lab{ID: "calc", Spec: lab}
	grading.Feedback(root, ref, grading.Selection{Tags: "solution"})
	refused := &report.Lab{ID: "calc", Spec: lab, Refused: []string{"calc/calc.go:1:1: refused"}}
	grading.Feedback(root, refused, grading.Selection{})
	if len(ref.Feedback)+len(refused.Feedback) > 0 {
		t.Errorf("feedback on the reference (%q) or on a refused lab (%q): want none", ref.Feedback, refused.Feedback)
	}
}
