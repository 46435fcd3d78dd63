// Package report is the grader's report model and its views.
//
// A [Report] is what one grading found: a [Lab] per graded lab with a
// [Test] per graded test, its [Outcome], its points and what explains it;
// the sandbox the tests ran in; the check of the protected files. The
// grading library (package grading) fills it; nothing else decides a
// score. Its JSON form, written by [WriteJSON], is defined by the types'
// field tags: that is the schema, documented in docs/grader.md.
//
// Every other format is a view of the same model: the text tables for
// people ([WriteText]), GitHub-flavoured Markdown for a CI summary
// ([WriteMarkdown]), JUnit XML ([WriteJUnit]), Gradescope's results.json
// ([WriteGradescope]); and, for a class, the [Gradebook] of a batch with
// its CSV and its HTML page. Report files are written whole or not at all.
package report

import (
	"fmt"
	"strings"
	"time"

	"golabs/internal/catalog"
)

// An Outcome is what became of one graded test. Only Pass earns points.
type Outcome string

const (
	Pass        Outcome = "pass"         // explicit pass of the test, vouched for by its harness, and exit status 0
	Fail        Outcome = "fail"         // the test reported a failure
	Race        Outcome = "race"         // the race detector reported a data race
	Panic       Outcome = "panic"        // the process panicked or hit a fatal runtime error
	Timeout     Outcome = "timeout"      // killed at its time limit
	Limit       Outcome = "limit"        // killed for using more than a limit allows (memory, file size, threads)
	BuildFailed Outcome = "build_failed" // the package did not compile
	Refused     Outcome = "refused"      // the static check refused the student's files, or the harness saw tampering
	NoResult    Outcome = "no_result"    // the process ended without a pass or fail of the test
	Skipped     Outcome = "skipped"      // the test skipped itself
	NotRun      Outcome = "not_run"      // the grader stopped before running it
)

// Label is how the tables show an outcome: "BUILD FAILED".
func (o Outcome) Label() string {
	return strings.ToUpper(strings.ReplaceAll(string(o), "_", " "))
}

// A Report is the result of one grading.
type Report struct {
	Score       int        `json:"score"`                  // points earned, over every lab graded
	MaxScore    int        `json:"max_score"`              // points of every test graded
	Sandbox     string     `json:"sandbox"`                // how tests were isolated: bwrap, namespaces or none
	SandboxNote string     `json:"sandbox_note,omitempty"` // with none: why there was no sandbox
	Integrity   *Integrity `json:"integrity,omitempty"`    // the check of the protected files
	Labs        []*Lab     `json:"labs"`

	Elapsed time.Duration `json:"-"` // the grading's wall time
}

// A Lab is the grading of one lab.
type Lab struct {
	ID          string       `json:"id"`    // the catalogue file's base name
	Title       string       `json:"title"` // "Web crawler, three ways"
	File        string       `json:"file"`  // "labs/crawler.toml"
	Score       int          `json:"score"`
	MaxScore    int          `json:"max_score"`
	BuildErrors []BuildError `json:"build_errors,omitempty"` // only packages that did not compile
	Refused     []string     `json:"refused,omitempty"`      // what the static check refused: "crawler/mutex.go:12:2: ..."
	Tests       []*Test      `json:"tests"`                  // the graded tests, in catalogue order
	Feedback    []string     `json:"feedback,omitempty"`     // labvet's findings in the student files: no points

	Spec *catalog.Lab `json:"-"` // the lab as the catalogue has it; nil in a report read back from JSON
}

// A BuildError is a package that did not compile.
type BuildError struct {
	Package string `json:"package"` // "./crawler"
	Output  string `json:"output"`  // what the compiler said

	Build string `json:"-"` // which build, for people: "./crawler (no tags)"
}

// A Test is the verdict on one graded test.
type Test struct {
	Name      string  `json:"name"`    // "TestSerialShapes"
	Package   string  `json:"package"` // "./crawler"
	Part      string  `json:"part,omitempty"`
	Points    int     `json:"points"` // points earned
	MaxPoints int     `json:"max_points"`
	Result    Outcome `json:"result"`
	Reason    string  `json:"reason,omitempty"` // one line: why it did not pass
	Seconds   float64 `json:"seconds"`          // how long its process ran
	Output    string  `json:"output,omitempty"` // what was kept of its output; never for a pass

	Spec    catalog.Test  `json:"-"` // the test as the catalogue has it
	Elapsed time.Duration `json:"-"`
	Exit    int           `json:"-"` // the process's exit status; -1 if killed or never run
	Stubbed bool          `json:"-"` // the output said a stub is not implemented (gradehook.NotImplemented)
}

// NewTest returns the verdict on t with its catalogue fields filled in:
// not run yet.
func NewTest(t catalog.Test) *Test {
	return &Test{Name: t.Name, Package: t.Package, Part: t.Part, MaxPoints: t.Points, Result: NotRun, Spec: t, Exit: -1}
}

// Decide sets the outcome and reason, and the points that follow. A pass
// keeps no output, and a test that did not build has none of its own (the
// lab's BuildErrors hold the compiler's).
func (t *Test) Decide(o Outcome, reason string) {
	t.Result, t.Reason = o, reason
	t.Points = 0
	switch o {
	case Pass:
		t.Points = t.MaxPoints
		t.Output = ""
	case BuildFailed:
		t.Output = ""
	}
}

// SetElapsed records how long the test ran.
func (t *Test) SetElapsed(d time.Duration) {
	t.Elapsed = d
	t.Seconds = float64(d.Milliseconds()) / 1000
}

// Total adds up the lab's points from its tests.
func (l *Lab) Total() {
	l.Score, l.MaxScore = 0, 0
	for _, t := range l.Tests {
		l.Score += t.Points
		l.MaxScore += t.MaxPoints
	}
}

// Total adds up the report's points from its labs.
func (r *Report) Total() {
	r.Score, r.MaxScore = 0, 0
	for _, l := range r.Labs {
		l.Total()
		r.Score += l.Score
		r.MaxScore += l.MaxScore
	}
}

// Missed returns the points the graded tests did not earn.
func (r *Report) Missed() int { return r.MaxScore - r.Score }

// Name names a test of the lab in the reports (see catalog.Lab.DisplayName).
func (l *Lab) Name(t *Test) string {
	if l.Spec != nil {
		return l.Spec.DisplayName(t.Spec)
	}
	return t.Name
}

// PartTitle returns the title of the test's part, "A. Serial crawler", or
// its ID if the catalogue is not at hand.
func (l *Lab) PartTitle(t *Test) string {
	if l.Spec != nil {
		if p := l.Spec.Part(t.Part); p != nil {
			return p.Title
		}
	}
	return t.Part
}

// FirstError returns the first line of the compiler's output that says
// what is wrong, such as "crawler/serial.go:12:2: undefined: x".
func (b BuildError) FirstError() string {
	for _, l := range strings.Split(b.Output, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "FAIL") {
			continue
		}
		return l
	}
	return "the package did not compile"
}

// sandboxLine describes the sandbox in one line, for the text report.
func (r *Report) sandboxLine() string {
	if r.Sandbox == "none" || r.Sandbox == "" {
		if r.SandboxNote == "" {
			return "Sandbox: none"
		}
		return "Sandbox: none: " + r.SandboxNote
	}
	return "Sandbox: " + r.Sandbox + " (files read-only but a scratch folder, loopback network only, processes apart; limits on memory, disk, threads)"
}

// Plural returns "1 problem" or "2 problems".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Indent prefixes every non-empty line of s.
func Indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
