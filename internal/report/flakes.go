package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/trim"
)

// The flake finder (grader flakes -runs N) runs each selected test N times, each time in a
// fresh process as in grading, and reports how often each test passed and
// the distinct ways it failed. A test that passes on the reference most of
// the time but not always is a flaky test: it will one day cost a student
// points for nothing.

// shownKinds is how many distinct ways of failing the flake finder shows,
// and keeps an example run of, per test; it counts the others.
const shownKinds = 5

// A Tally counts the runs of one test and how they ended.
type Tally struct {
	Test     catalog.Test
	runs     int // runs that ran; a run the grader stopped before it began does not count
	passed   int
	slowest  time.Duration
	failures []*failureKind // the distinct ways it failed, in the order first seen
}

// A failureKind is one distinct way a test failed: a verdict and its reason.
type failureKind struct {
	outcome Outcome
	reason  string
	count   int
	example *Test // the first run that failed this way; nil beyond shownKinds kinds
}

// Add counts one run.
func (t *Tally) Add(r *Test) {
	if r.Result == NotRun {
		return
	}
	t.runs++
	t.slowest = max(t.slowest, r.Elapsed)
	if r.Result == Pass {
		t.passed++
		return
	}
	for _, k := range t.failures {
		if k.outcome == r.Result && k.reason == r.Reason {
			k.count++
			return
		}
	}
	k := &failureKind{outcome: r.Result, reason: r.Reason, count: 1}
	if len(t.failures) < shownKinds {
		k.example = r
	}
	t.failures = append(t.failures, k)
}

// flaky reports whether some run of the test did not pass.
func (t *Tally) flaky() bool { return t.passed < t.runs }

// A Flakes is the flake finder's record of one lab.
type Flakes struct {
	Lab     *catalog.Lab
	Tallies []*Tally     // the selected tests, in catalogue order
	Broken  []BuildError // the packages that did not compile
}

// WriteFlakes prints the flake finder's report: a table per lab, then a
// last line that counts the tests that failed at least once. It reports
// whether every run done passed; after an interruption, not all were done.
func WriteFlakes(w io.Writer, hunts []*Flakes, n int, s Style, verbose bool, elapsed time.Duration, par int) bool {
	tests, flaky, runs := 0, 0, 0
	for i, h := range hunts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		lab := h.Lab
		fmt.Fprintf(w, "Lab %d: %s (%s): each test run %s\n\n", lab.Order, lab.Title, lab.ID, Plural(n, "time"))
		tw := NewTable()
		tw.Row("  TEST\t%s\tRATE\tSLOWEST\tFAILURES", s.Header("PASSED"))
		for _, t := range h.Tallies {
			tests++
			runs += t.runs
			if t.flaky() {
				flaky++
			}
			kinds := failureLines(t)
			first := ""
			if len(kinds) > 0 {
				first = kinds[0]
			}
			tw.Row("  %s\t%s\t%s\t%s\t%s", lab.DisplayName(t.Test), s.Paint(fmt.Sprintf("%d/%d", t.passed, t.runs), !t.flaky()),
				passRate(t.passed, t.runs), Seconds(t.slowest), first)
			for _, k := range kinds[min(1, len(kinds)):] {
				tw.Row("  \t\t\t\t%s", k)
			}
		}
		tw.Print(w)
		for _, b := range h.Broken {
			fmt.Fprintf(w, "\n  %s did not compile:\n%s\n", b.Build, Indent(b.Output, "    "))
		}
		if verbose {
			writeFailureExamples(w, h)
		}
	}
	fmt.Fprintf(w, "\n%s of %s in %s, at most %d at once\n", Plural(runs, "run"), Plural(tests, "test"),
		elapsed.Round(100*time.Millisecond), par)
	switch {
	case flaky > 0:
		fmt.Fprintf(w, "Flaky: %d of %d tests failed at least once\n", flaky, tests)
		return false
	case runs < n*tests:
		fmt.Fprintf(w, "No test failed, but only %d of the %d runs were done\n", runs, n*tests)
	default:
		fmt.Fprintf(w, "All %s passed %s\n", Plural(tests, "test"), Plural(n, "time"))
	}
	return true
}

// failureLines describes the distinct ways a test failed, one a line, most
// frequent first: "3x TIMEOUT: timed out after 60s: ...".
func failureLines(t *Tally) []string {
	kinds := slices.Clone(t.failures)
	slices.SortStableFunc(kinds, func(a, b *failureKind) int { return b.count - a.count })
	var lines []string
	for i, k := range kinds {
		if i == shownKinds {
			rest := 0
			for _, k := range kinds[i:] {
				rest += k.count
			}
			lines = append(lines, fmt.Sprintf("%dx in %d other ways", rest, len(kinds)-i))
			break
		}
		lines = append(lines, fmt.Sprintf("%dx %s: %s", k.count, k.outcome.Label(), trim.Clip(k.reason, reasonWidth)))
	}
	return lines
}

// passRate formats passed/runs as a percentage: "100%", "95%", "99.5%".
func passRate(passed, runs int) string {
	if runs == 0 {
		return "-"
	}
	r := fmt.Sprintf("%.1f", 100*float64(passed)/float64(runs))
	return strings.TrimSuffix(r, ".0") + "%"
}

// writeFailureExamples prints, for each distinct way each test failed, the
// output of the first run that failed that way.
func writeFailureExamples(w io.Writer, h *Flakes) {
	for _, t := range h.Tallies {
		for _, k := range t.failures {
			r := k.example
			if r == nil || r.Result == BuildFailed || r.Output == "" {
				continue
			}
			fmt.Fprintf(w, "\n--- %s (%s in %d of %d runs): %s\n%s\n", t.Test.Name, k.outcome.Label(), k.count, t.runs,
				k.reason, Indent(strings.TrimRight(r.Output, "\n"), "    "))
		}
	}
}
