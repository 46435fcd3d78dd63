package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/report"
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

// A tally counts the runs of one test and how they ended.
type tally struct {
	test     catalog.Test
	runs     int // runs that ran; a run the grader stopped before it began does not count
	passed   int
	slowest  time.Duration
	failures []*failureKind // the distinct ways it failed, in the order first seen
}

// A failureKind is one distinct way a test failed: a verdict and its reason.
type failureKind struct {
	outcome report.Outcome
	reason  string
	count   int
	example *report.Test // the first run that failed this way; nil beyond shownKinds kinds
}

// add counts one run.
func (t *tally) add(r *report.Test) {
	if r.Result == report.NotRun {
		return
	}
	t.runs++
	t.slowest = max(t.slowest, r.Elapsed)
	if r.Result == report.Pass {
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
func (t *tally) flaky() bool { return t.passed < t.runs }

// A flakeHunt is the flake finder's record of one lab.
type flakeHunt struct {
	lab     *catalog.Lab
	tallies []*tally          // the selected tests, in catalogue order
	broken  []*grading.Binary // the packages that did not compile
}

// hunt builds lab's test binaries once and runs each test that sel selects
// n times, each run in a process of its own, as many at once as the grader
// has slots. The runs of all tests are interleaved, so that each test runs
// beside the others, as in grading. The error is a setup problem, as for
// grading.
func hunt(ctx context.Context, g *grading.Grader, lab *catalog.Lab, sel grading.Selection, n int) (*flakeHunt, error) {
	tests := sel.Tests(lab)
	bins, broken, err := g.Build(ctx, lab, tests, sel)
	if err != nil {
		return nil, err
	}
	h := &flakeHunt{lab: lab, broken: broken}
	for _, t := range tests {
		h.tallies = append(h.tallies, &tally{test: t})
	}
	g.Expect(lab.ID, n*len(tests))
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for range n {
		for _, tl := range h.tallies {
			wg.Go(func() {
				r := g.Run(ctx, bins[tl.test.Package], tl.test)
				mu.Lock()
				tl.add(r)
				mu.Unlock()
				g.Ran(lab.ID)
			})
		}
	}
	wg.Wait()
	return h, nil
}

// runFlakes runs the flake finder: go run ./grader flakes -runs N. It
// prints its report on stdout and returns the exit status: 0 if every run
// of every test passed, 1 if some run did not, 2 on a setup problem or an
// interruption.
func runFlakes(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var (
		k       kitFlags
		s       selectFlags
		n       int
		verbose bool
	)
	fs := newFlagSet("grader flakes", "usage: go run ./grader flakes -runs N [flags]\n\n"+
		"Finds flaky tests: builds each lab once, runs each selected test N times, each run a fresh\n"+
		"process, and prints each test's pass rate and ways of failing. Run it on the reference\n"+
		"(-tags solution) before a release. Exit status: 0 every run passed, 1 some run did not,\n"+
		"2 usage or setup error.\n", stderr)
	k.register(fs)
	s.register(fs)
	fs.IntVar(&n, "runs", 0, "run each test `n` times (required)")
	fs.BoolVar(&verbose, "v", false, "print the output of the first run that failed each way")
	code := parse(fs, args, stderr, func() error {
		if n < 1 {
			return fmt.Errorf("-runs %d: run each test at least once (-runs 100, say)", n)
		}
		return s.check()
	})
	if code >= 0 {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "grader flakes: %v\n", err)
		return exitSetup
	}
	root, _, labs, err := k.load()
	if err != nil {
		return fail(err)
	}
	sel, labs, err := s.selection(labs)
	if err != nil {
		return fail(err)
	}
	g, err := openGrader(ctx, root, s.par, s.sandbox, stderr)
	if err != nil {
		return fail(err)
	}
	defer g.Close()
	start := time.Now()
	hunts := make([]*flakeHunt, len(labs))
	errs := make([]error, len(labs))
	var wg sync.WaitGroup
	for i, lab := range labs {
		wg.Go(func() { hunts[i], errs[i] = hunt(ctx, g, lab, sel, n) })
	}
	wg.Wait()
	g.ClearProgress()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return fail(errors.New("interrupted"))
		}
		return fail(fmt.Errorf("the catalogue does not match the code; fix these problems:\n%v", report.Indent(err.Error(), "  ")))
	}
	ok := writeFlakes(stdout, hunts, n, style(stdout), verbose, time.Since(start), g.Par())
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "grader flakes: interrupted: the counts are of the runs done before\n")
		return exitSetup
	case !ok:
		return exitFailed
	}
	return exitOK
}

// writeFlakes prints the flake finder's report: a table per lab, then a
// last line that counts the tests that failed at least once. It reports
// whether every run done passed; after an interruption, not all were done.
func writeFlakes(w io.Writer, hunts []*flakeHunt, n int, s report.Style, verbose bool, elapsed time.Duration, par int) bool {
	tests, flaky, runs := 0, 0, 0
	for i, h := range hunts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		lab := h.lab
		fmt.Fprintf(w, "Lab %d: %s (%s): each test run %s\n\n", lab.Order, lab.Title, lab.ID, report.Plural(n, "time"))
		tw := report.NewTable()
		tw.Row("  TEST\t%s\tRATE\tSLOWEST\tFAILURES", s.Header("PASSED"))
		for _, t := range h.tallies {
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
			tw.Row("  %s\t%s\t%s\t%s\t%s", lab.DisplayName(t.test), s.Paint(fmt.Sprintf("%d/%d", t.passed, t.runs), !t.flaky()),
				passRate(t.passed, t.runs), report.Seconds(t.slowest), first)
			for _, k := range kinds[min(1, len(kinds)):] {
				tw.Row("  \t\t\t\t%s", k)
			}
		}
		tw.Print(w)
		for _, b := range h.broken {
			fmt.Fprintf(w, "\n  %s did not compile:\n%s\n", b.Describe(), report.Indent(b.Output, "    "))
		}
		if verbose {
			writeFailureExamples(w, h)
		}
	}
	fmt.Fprintf(w, "\n%s of %s in %s, at most %d at once\n", report.Plural(runs, "run"), report.Plural(tests, "test"),
		elapsed.Round(100*time.Millisecond), par)
	switch {
	case flaky > 0:
		fmt.Fprintf(w, "Flaky: %d of %d tests failed at least once\n", flaky, tests)
		return false
	case runs < n*tests:
		fmt.Fprintf(w, "No test failed, but only %d of the %d runs were done\n", runs, n*tests)
	default:
		fmt.Fprintf(w, "All %s passed %s\n", report.Plural(tests, "test"), report.Plural(n, "time"))
	}
	return true
}

// failureLines describes the distinct ways a test failed, one a line, most
// frequent first: "3x TIMEOUT: timed out after 60s: ...".
func failureLines(t *tally) []string {
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
		lines = append(lines, fmt.Sprintf("%dx %s: %s", k.count, k.outcome.Label(), trim.Clip(k.reason, report.ReasonWidth)))
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
func writeFailureExamples(w io.Writer, h *flakeHunt) {
	for _, t := range h.tallies {
		for _, k := range t.failures {
			r := k.example
			if r == nil || r.Result == report.BuildFailed || r.Output == "" {
				continue
			}
			fmt.Fprintf(w, "\n--- %s (%s in %d of %d runs): %s\n%s\n", t.test.Name, k.outcome.Label(), k.count, t.runs,
				k.reason, report.Indent(strings.TrimRight(r.Output, "\n"), "    "))
		}
	}
}
