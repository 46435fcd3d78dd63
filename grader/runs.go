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
)

// The flake finder (-runs N) runs each selected test N times, each time in a
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
	outcome outcome
	reason  string
	count   int
	example *result // the first run that failed this way; nil beyond shownKinds kinds
}

// add counts one run.
func (t *tally) add(r *result) {
	if r.outcome == notRun {
		return
	}
	t.runs++
	t.slowest = max(t.slowest, r.elapsed)
	if r.outcome == pass {
		t.passed++
		return
	}
	for _, k := range t.failures {
		if k.outcome == r.outcome && k.reason == r.reason {
			k.count++
			return
		}
	}
	k := &failureKind{outcome: r.outcome, reason: r.reason, count: 1}
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
	tallies []*tally  // the selected tests, in catalogue order
	broken  []*binary // the packages that did not compile
}

// hunt builds lab's test binaries once and runs each test that opts selects
// n times, each run in a process of its own, as many at once as the runner
// has slots. The runs of all tests are interleaved, so that each test runs
// beside the others, as in grading. The error is a setup problem, as for
// grade.
func (g *grader) hunt(ctx context.Context, lab *catalog.Lab, opts gradeOptions, n int) (*flakeHunt, error) {
	tests := opts.selected(lab)
	bins, broken, err := g.build(ctx, lab, tests, opts)
	if err != nil {
		return nil, err
	}
	h := &flakeHunt{lab: lab, broken: broken}
	for _, t := range tests {
		h.tallies = append(h.tallies, &tally{test: t})
	}
	g.progress.add(lab.ID, n*len(tests))
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for range n {
		for _, tl := range h.tallies {
			wg.Go(func() {
				r := g.runs.run(ctx, bins[tl.test.Package], tl.test)
				mu.Lock()
				tl.add(r)
				mu.Unlock()
				g.progress.done(lab.ID)
			})
		}
	}
	wg.Wait()
	return h, nil
}

// findFlakes runs the flake finder on labs, prints its report on stdout,
// and returns the exit status: 0 if every run of every test passed, 1 if
// some run did not, 2 on a setup problem or an interruption.
func findFlakes(ctx context.Context, g *grader, labs []*catalog.Lab, opts gradeOptions, n int,
	stdout, stderr io.Writer, s style, verbose bool) int {
	start := time.Now()
	hunts := make([]*flakeHunt, len(labs))
	errs := make([]error, len(labs))
	var wg sync.WaitGroup
	for i, lab := range labs {
		wg.Go(func() { hunts[i], errs[i] = g.hunt(ctx, lab, opts, n) })
	}
	wg.Wait()
	g.progress.clear()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "grader: interrupted\n")
		} else {
			fmt.Fprintf(stderr, "grader: the catalogue does not match the code; fix these problems:\n%v\n", indent(err.Error(), "  "))
		}
		return exitSetup
	}
	ok := writeFlakes(stdout, hunts, n, s, verbose, time.Since(start), cap(g.runs.slots))
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "grader: interrupted: the counts are of the runs done before\n")
		return exitSetup
	case !ok:
		return exitFlaky
	}
	return exitOK
}

// exitFlaky is the exit status of a flake finder's run in which some run of
// a test did not pass.
const exitFlaky = 1

// writeFlakes prints the flake finder's report: a table per lab, then a
// last line that counts the tests that failed at least once. It reports
// whether every run done passed; after an interruption, not all were done.
func writeFlakes(w io.Writer, hunts []*flakeHunt, n int, s style, verbose bool, elapsed time.Duration, par int) bool {
	tests, flaky, runs := 0, 0, 0
	for i, h := range hunts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		lab := h.lab
		fmt.Fprintf(w, "Lab %d: %s (%s): each test run %s\n\n", lab.Order, lab.Title, lab.ID, plural(n, "time"))
		tw := newTable()
		tw.row("  TEST\t%s\tRATE\tSLOWEST\tFAILURES", s.header("PASSED"))
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
			name := t.test.Name
			if len(lab.Packages) > 1 {
				name = strings.TrimPrefix(t.test.Package, "./") + "." + name
			}
			tw.row("  %s\t%s\t%s\t%s\t%s", name, s.paint(fmt.Sprintf("%d/%d", t.passed, t.runs), !t.flaky()),
				passRate(t.passed, t.runs), seconds(t.slowest), first)
			for _, k := range kinds[min(1, len(kinds)):] {
				tw.row("  \t\t\t\t%s", k)
			}
		}
		tw.writeTo(w)
		for _, b := range h.broken {
			fmt.Fprintf(w, "\n  %s did not compile:\n%s\n", b.describe(), indent(b.output, "    "))
		}
		if verbose {
			writeFailureExamples(w, h)
		}
	}
	fmt.Fprintf(w, "\n%s of %s in %s, at most %d at once\n", plural(runs, "run"), plural(tests, "test"),
		elapsed.Round(100*time.Millisecond), par)
	switch {
	case flaky > 0:
		fmt.Fprintf(w, "Flaky: %d of %d tests failed at least once\n", flaky, tests)
		return false
	case runs < n*tests:
		fmt.Fprintf(w, "No test failed, but only %d of the %d runs were done\n", runs, n*tests)
	default:
		fmt.Fprintf(w, "All %s passed %s\n", plural(tests, "test"), plural(n, "time"))
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
		lines = append(lines, fmt.Sprintf("%dx %s: %s", k.count, k.outcome.label(), clip(k.reason, reasonWidth)))
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
			if r == nil || r.outcome == buildFailed || r.output == "" {
				continue
			}
			fmt.Fprintf(w, "\n--- %s (%s in %d of %d runs): %s\n%s\n", t.test.Name, k.outcome.label(), k.count, t.runs,
				k.reason, indent(strings.TrimRight(r.output, "\n"), "    "))
		}
	}
}

// checkReportFlags checks the flags of the report files, the Markdown
// report and the flake finder against the rest of the command line.
func (c *config) checkReportFlags() error {
	switch {
	case c.runs < 0:
		return fmt.Errorf("-runs %d: run each test at least once", c.runs)
	case c.markdown && c.json:
		return errors.New("-markdown and -json cannot be combined: choose one format for standard output " +
			"(-gradescope and -junit write files, and go with either)")
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"-gradescope", c.gradescope != ""}, {"-junit", c.junit != ""}, {"-markdown", c.markdown}, {"-json", c.json}, {"-runs", c.runs > 0}} {
		switch {
		case !f.set:
		case c.check && f.name != "-json":
			return fmt.Errorf("%s cannot be combined with -check: the self-check prints its own report", f.name)
		case c.runs > 0 && f.name != "-runs":
			return fmt.Errorf("%s cannot be combined with -runs: the flake finder prints its own table of pass rates, and grades nothing", f.name)
		}
	}
	return nil
}
