// Package selfcheck proves, lab by lab, that the kit is sound: the
// catalogue matches the code, every lab package takes the grader's result
// channel first and its handout quotes only what the tests print, the
// reference earns full marks several times over, the stubs earn nothing and
// say they are not implemented, every mutant (a known bug, package mutant)
// loses the points it should, and the manifest of the protected files is
// up to date. make check runs it (go run ./grader check); docs/grader.md
// lists the steps.
package selfcheck

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/gradehook"
	"golabs/internal/grading"
	"golabs/internal/layout"
	"golabs/internal/mutant"
	"golabs/internal/report"
)

// stubBound is how long grading a lab's stubs may take, all tests included:
// a stub returns at once, so its tests fail fast.
const stubBound = 30 * time.Second

// The builds the self-check grades. It always includes the private tests.
var (
	stubBuild      = grading.Selection{Tags: "private", Private: true}
	referenceBuild = grading.Selection{Tags: "solution,private", Private: true}
)

// A selfCheck is one run of the self-check: what it found, lab by lab.
type selfCheck struct {
	g       *grading.Grader
	all     []*catalog.Lab // the whole catalogue
	runs    int
	style   report.Style
	verbose bool

	mu       sync.Mutex
	problems []string
	mutants  int // mutants graded
}

// problem records something that makes the check fail.
func (c *selfCheck) problem(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// A labCheck is the self-check of one lab.
type labCheck struct {
	lab       *catalog.Lab
	mutants   []*mutant.Mutant
	stubsOK   bool // the stubs compile and match the catalogue
	refOK     bool // the reference compiles and matches the catalogue
	catalogue bytes.Buffer
	stubs     bytes.Buffer
	reference bytes.Buffer
	mutantRep bytes.Buffer
	labvet    bytes.Buffer
}

// Run runs the self-check of labs with g, prints its report on w, and
// reports whether the kit is sound. all is the whole catalogue; runs is how
// many times the reference is graded; verbose prints the output of every
// test that went wrong, and each mutant's verdicts.
func Run(ctx context.Context, g *grading.Grader, all, labs []*catalog.Lab, runs int, w io.Writer, s report.Style, verbose bool) bool {
	start := time.Now()
	c := &selfCheck{g: g, all: all, runs: runs, style: s, verbose: verbose}
	checks := make([]*labCheck, len(labs))
	for i, lab := range labs {
		checks[i] = &labCheck{lab: lab}
	}
	// say clears the progress line first, so the two do not mix.
	say := func(format string, args ...any) {
		g.ClearProgress()
		fmt.Fprintf(w, format, args...)
	}
	say("Self-check of %s: catalogue, stubs, reference (%d runs), mutants, labvet, manifest; at most %d processes at once\n",
		labNames(labs), runs, g.Par())

	// 1. Mutant headers, which need nothing built.
	for _, lc := range checks {
		c.findMutants(lc)
	}
	// 2. Build stubs and reference, and hold them against the catalogue.
	parallel(checks, func(lc *labCheck) { c.checkCatalogue(ctx, lc) })
	for _, lc := range checks {
		say("\n%s: the catalogue (%s) matches the code\n%s", lc.lab.ID, lc.lab.File, lc.catalogue.String())
	}
	// 3. The stubs, one lab at a time so that each is timed alone.
	for _, lc := range checks {
		c.checkStubs(ctx, lc)
		say("\n%s: the stubs earn nothing\n%s", lc.lab.ID, lc.stubs.String())
	}
	// 4. The reference and the mutants, all at once.
	parallel(checks, func(lc *labCheck) {
		var wg sync.WaitGroup
		wg.Go(func() { c.checkReference(ctx, lc) })
		wg.Go(func() { c.checkMutants(ctx, lc) })
		wg.Wait()
	})
	for _, lc := range checks {
		say("\n%s: the reference earns full marks %d times\n%s", lc.lab.ID, runs, lc.reference.String())
		say("\n%s: every mutant loses points\n%s", lc.lab.ID, lc.mutantRep.String())
	}
	// 5. labvet: silent on the reference and the stubs; what it flags. It
	// runs after the tests, not beside them: its load would make the tests
	// that need two goroutines to meet in a short window miss them.
	parallel(checks, func(lc *labCheck) { c.checkLabvet(lc) })
	for _, lc := range checks {
		say("\n%s: labvet is silent on the reference and the stubs\n%s", lc.lab.ID, lc.labvet.String())
	}
	// 6. The manifest of the protected files, against the tree.
	var manifestRep bytes.Buffer
	c.checkManifest(labs, &manifestRep)
	say("\nThe manifest (%s) is up to date\n%s", layout.ManifestFile, manifestRep.String())

	elapsed := time.Since(start).Round(time.Second)
	if n := len(c.problems); n > 0 {
		say("\n%s:\n", report.Plural(n, "problem"))
		for _, p := range c.problems {
			say("  - %s\n", report.Indent(p, "    ")[4:])
		}
		say("Check: %s: %s in %s (%s)\n", s.Paint("FAIL", false), report.Plural(n, "problem"), labNames(labs), elapsed)
		return false
	}
	say("\nCheck: %s: %s sound: catalogue, stubs, %s, %s caught (%s)\n",
		s.Paint("PASS", true), labNames(labs), report.Plural(runs, "reference run"), report.Plural(c.mutants, "mutant"), elapsed)
	return true
}

// parallel calls fn for each lab check at once and waits for them all.
func parallel(checks []*labCheck, fn func(*labCheck)) {
	var wg sync.WaitGroup
	for _, lc := range checks {
		wg.Go(func() { fn(lc) })
	}
	wg.Wait()
}

// findMutants reads the mutants of every package of the lab and checks
// their headers against the catalogue.
func (c *selfCheck) findMutants(lc *labCheck) {
	for _, pkg := range lc.lab.Packages {
		ms, err := mutant.Find(c.g.Root(), pkg)
		if err != nil {
			for _, e := range strings.Split(err.Error(), "\n") {
				c.problem("%s: malformed mutant: %s", lc.lab.ID, e)
			}
		}
		for _, m := range ms {
			ok := true
			for _, name := range m.MustFail {
				if t := lc.lab.Test(pkg, name); t == nil {
					c.problem("%s: mutant %s: \"Must fail:\" names %s, which %s does not grade in %s: fix the name or add the test to the catalogue",
						lc.lab.ID, m.Path, name, lc.lab.File, pkg)
					ok = false
				}
			}
			if ok {
				lc.mutants = append(lc.mutants, m)
			}
		}
	}
}

// checkCatalogue builds the stubs and the reference of every package of the
// lab and compares each build's tests with the catalogue.
func (c *selfCheck) checkCatalogue(ctx context.Context, lc *labCheck) {
	lab := lc.lab
	for _, err := range hookFirst(c.g.Root(), lab) {
		c.problem("%s: %v", lab.ID, err)
		fmt.Fprintf(&lc.catalogue, "  %s  %v\n", c.style.Paint("FAIL", false), err)
	}
	n, errs := handoutQuotes(c.g.Root(), lab)
	for _, err := range errs {
		c.problem("%s: %v", lab.ID, err)
		fmt.Fprintf(&lc.catalogue, "  %s  %v\n", c.style.Paint("FAIL", false), err)
	}
	if n > 0 && len(errs) == 0 {
		fmt.Fprintf(&lc.catalogue, "  ok    %s: the %d failure messages it quotes are all printed by the tests\n", lab.Handout, n)
	}
	for _, b := range []struct {
		name string
		sel  grading.Selection
		ok   *bool
	}{{"stubs", stubBuild, &lc.stubsOK}, {"reference", referenceBuild, &lc.refOK}} {
		bins, err := c.g.Prepare(ctx, lab, lab.Packages, b.sel)
		*b.ok = err == nil
		if err != nil {
			for _, e := range strings.Split(err.Error(), "\n") {
				c.problem("%s: %s", lab.ID, e)
			}
			fmt.Fprintf(&lc.catalogue, "  %s  %s: %v\n", c.style.Paint("FAIL", false), b.name, report.Indent(err.Error(), "    ")[4:])
		}
		for _, pkg := range lab.Packages {
			bin := bins[pkg]
			switch {
			case bin.Failed():
				*b.ok = false
				c.problem("%s: the %s of %s do not compile: %s", lab.ID, b.name, bin.Describe(), bin.BuildError().FirstError())
				fmt.Fprintf(&lc.catalogue, "  %s  %s of %s do not compile:\n%s\n", c.style.Paint("FAIL", false), b.name, bin.Describe(), report.Indent(bin.Output, "      "))
			case bin.Err == nil && err == nil:
				fmt.Fprintf(&lc.catalogue, "  ok    %s: %d tests, %d graded (built in %.1fs)\n",
					bin.Describe(), len(bin.Tests), countGraded(lab, pkg, true), bin.Elapsed.Seconds())
			}
		}
	}
}

func countGraded(lab *catalog.Lab, pkg string, private bool) int {
	n := 0
	for _, t := range lab.Tests {
		if t.Package == pkg && (private || !t.Private) {
			n++
		}
	}
	return n
}

// checkStubs grades the stubs: every test must fail, say "not implemented",
// and the whole lab must be graded within stubBound.
func (c *selfCheck) checkStubs(ctx context.Context, lc *labCheck) {
	w := &lc.stubs
	if !lc.stubsOK {
		fmt.Fprintf(w, "  skipped: the stubs do not build or do not match the catalogue\n")
		return
	}
	start := time.Now()
	lr, err := c.g.Grade(ctx, lc.lab, stubBuild)
	elapsed := time.Since(start)
	if err != nil {
		c.problem("%s: grading the stubs: %v", lc.lab.ID, err)
		return
	}
	bad := 0
	for _, r := range lr.Tests {
		var why string
		switch {
		case r.Result == report.Pass:
			why = "passed: a stub must fail every test of its part, or the test does not test the student's code"
		case r.Result == report.Timeout:
			why = "timed out: a stub must return at once and its tests fail fast"
		case !r.Stubbed:
			why = fmt.Sprintf("failed (%s: %s) without saying %q: a stub panics with a message that says it is not implemented yet, and the test must show it",
				r.Result.Label(), r.Reason, gradehook.NotImplemented)
		default:
			if why = stubPartWrong(lc.lab, r); why == "" {
				continue
			}
		}
		bad++
		c.problem("%s: on the stubs, %s %s", lc.lab.ID, r.Name, why)
		fmt.Fprintf(w, "  %s  %s %s\n", c.style.Paint("FAIL", false), r.Name, why)
		c.printOutput(w, r)
	}
	if elapsed > stubBound {
		c.problem("%s: grading the stubs took %s, more than %s: a stub must make its tests fail at once", lc.lab.ID, elapsed.Round(100*time.Millisecond), stubBound)
		fmt.Fprintf(w, "  %s  took %.1fs (bound %s)\n", c.style.Paint("FAIL", false), elapsed.Seconds(), stubBound)
	}
	if bad == 0 && elapsed <= stubBound {
		fmt.Fprintf(w, "  ok    %d/%d tests fail, each saying %q; %d points earned (%.1fs, bound %s)\n",
			len(lr.Tests), len(lr.Tests), gradehook.NotImplemented, lr.Score, elapsed.Seconds(), stubBound)
	}
}

// stubMark is where a stub's message sends the student: "(docs/kv.md, part B)".
var stubMark = regexp.MustCompile(`\((docs/[\w./-]+\.md), part ([A-Z])\)`)

// stubPartWrong checks the handout and the part that the first stub a test
// of lab failed on names: the lab's handout, and the test's own part or an
// earlier one (a student who has done the parts up to a test's must be able
// to pass it). It returns what is wrong, or "".
func stubPartWrong(lab *catalog.Lab, r *report.Test) string {
	m := stubMark.FindStringSubmatch(r.Output)
	if m == nil {
		return ""
	}
	if lab.Handout != "" && m[1] != lab.Handout {
		return fmt.Sprintf("fails on a stub whose message sends the student to %s, not to the lab's handout %s", m[1], lab.Handout)
	}
	part := lab.Part(r.Part)
	if part == nil || len(part.Title) < 2 || part.Title[1] != '.' {
		return ""
	}
	if letter := part.Title[:1]; m[2] > letter {
		return fmt.Sprintf("is a test of part %s (%s) but fails on a stub that says part %s: either the stub names the wrong part, "+
			"or a student who has done the parts up to %s cannot pass the test", letter, r.Part, m[2], letter)
	}
	return ""
}

// checkReference grades the reference c.runs times; it must earn full marks
// each time.
func (c *selfCheck) checkReference(ctx context.Context, lc *labCheck) {
	w := &lc.reference
	if !lc.refOK {
		fmt.Fprintf(w, "  skipped: the reference does not build or does not match the catalogue\n")
		return
	}
	runs := make([]*report.Lab, c.runs)
	errs := make([]error, c.runs)
	times := make([]time.Duration, c.runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			start := time.Now()
			runs[i], errs[i] = c.g.Grade(ctx, lc.lab, referenceBuild)
			times[i] = time.Since(start)
		})
	}
	wg.Wait()
	var (
		scores  []string
		slowest *report.Test
	)
	for i, lr := range runs {
		if errs[i] != nil {
			c.problem("%s: reference run %d: %v", lc.lab.ID, i+1, errs[i])
			continue
		}
		scores = append(scores, c.style.Paint(fmt.Sprintf("%d/%d", lr.Score, lr.MaxScore), lr.Score == lr.MaxScore))
		for _, r := range lr.Tests {
			if slowest == nil || r.Elapsed > slowest.Elapsed {
				slowest = r
			}
			if r.Result == report.Pass {
				continue
			}
			c.problem("%s: the reference fails %s in run %d: %s: %s", lc.lab.ID, r.Name, i+1, r.Result.Label(), r.Reason)
			fmt.Fprintf(w, "  %s  run %d: %s %s: %s\n", c.style.Paint("FAIL", false), i+1, r.Name, r.Result.Label(), r.Reason)
			c.printOutput(w, r)
		}
	}
	if len(scores) > 0 {
		fmt.Fprintf(w, "  runs: %s\n", strings.Join(scores, ", "))
	}
	if slowest != nil {
		fmt.Fprintf(w, "  slowest test: %s, %.1fs of its %s limit\n", slowest.Name, slowest.Elapsed.Seconds(), report.ShortDuration(slowest.Spec.Timeout))
		if slowest.Elapsed > slowest.Spec.Timeout/2 {
			fmt.Fprintf(w, "  note: %s takes more than half its time limit on the reference; a loaded machine may time it out\n", slowest.Name)
		}
	}
}

// checkMutants grades each mutant of the lab on its must-fail tests.
func (c *selfCheck) checkMutants(ctx context.Context, lc *labCheck) {
	w := &lc.mutantRep
	if len(lc.mutants) == 0 {
		fmt.Fprintf(w, "  none: add known-buggy variants of the reference as patches, <package>/%s/<name>.txtar\n", mutant.Dir)
		return
	}
	if !lc.refOK {
		fmt.Fprintf(w, "  skipped: the reference does not build or does not match the catalogue\n")
		return
	}
	type verdict struct {
		lr    *report.Lab
		err   error
		tries int // the runs it took to catch the mutant, when more than one
	}
	verdicts := make([]verdict, len(lc.mutants))
	var wg sync.WaitGroup
	for i, m := range lc.mutants {
		wg.Go(func() {
			lr, err := c.gradeMutant(ctx, lc.lab, m)
			v := verdict{lr: lr, err: err, tries: 1}
			// A bug that shows only when goroutines meet in a short window
			// may slip past a run on a loaded machine: run the tests it
			// passed again, up to mutantTries runs in all, and say so.
			for v.err == nil && len(v.lr.BuildErrors) == 0 && passedAny(v.lr) && v.tries < mutantTries {
				v.tries++
				v.lr, v.err = c.gradeMutant(ctx, lc.lab, m)
			}
			verdicts[i] = v
		})
	}
	wg.Wait()

	tw := report.NewTable()
	tw.Row("  MUTANT\t%s\tLOST\tSLOWEST\tBUG, AND THE TESTS THAT MUST FAIL", c.style.Header("CAUGHT"))
	var notes bytes.Buffer
	for i, m := range lc.mutants {
		v := verdicts[i]
		caught, lost := "no", "-"
		var slowest time.Duration
		switch {
		case v.err != nil:
			c.problem("%s: mutant %s: %v", lc.lab.ID, m.Name, v.err)
			caught = "error"
		case len(v.lr.BuildErrors) > 0:
			b := v.lr.BuildErrors[0]
			c.problem("%s: mutant %s does not compile: %s: a mutant is a plausible bug, so it must build", lc.lab.ID, m.Name, b.FirstError())
			caught = "error"
			fmt.Fprintf(&notes, "  %s does not compile:\n%s\n", m.Name, report.Indent(b.Output, "      "))
		default:
			c.mu.Lock()
			c.mutants++
			c.mu.Unlock()
			var passed, timedOut []string
			points := 0
			for _, r := range v.lr.Tests {
				slowest = max(slowest, r.Elapsed)
				switch {
				case r.Result == report.Pass:
					passed = append(passed, r.Name)
				case r.Result == report.Timeout:
					timedOut = append(timedOut, r.Name)
				}
				points += r.MaxPoints - r.Points
			}
			lost = fmt.Sprintf("-%d", points)
			if len(passed) == 0 {
				caught = "yes"
				if v.tries > 1 {
					fmt.Fprintf(&notes, "  note: %s was caught on run %d of %d, not on the first: its tests catch it only when goroutines meet at the right moment; make them meet more often\n",
						m.Name, v.tries, mutantTries)
				}
			} else {
				pronoun := "they"
				if len(passed) == 1 {
					pronoun = "it"
				}
				c.problem("%s: mutant %s (%s) is not caught: %s passed, but its header says %s must fail",
					lc.lab.ID, m.Name, m.Bug, strings.Join(passed, ", "), pronoun)
			}
			if len(timedOut) > 0 {
				fmt.Fprintf(&notes, "  note: %s is caught by a time-out in %s: a test on a buggy submission should end by itself well inside its limit\n",
					m.Name, strings.Join(timedOut, ", "))
			}
			if c.verbose {
				for _, r := range v.lr.Tests {
					fmt.Fprintf(&notes, "  %s: %s %s: %s\n", m.Name, r.Name, r.Result.Label(), r.Reason)
				}
			}
		}
		tw.Row("  %s\t%s\t%s\t%s\t%s", m.Name, c.style.Paint(fmt.Sprintf("%-5s", caught), caught == "yes"), lost, report.Seconds(slowest), m.Bug)
		tw.Row("  \t\t\t\t%s", strings.Join(m.MustFail, " "))
	}
	tw.Print(w)
	w.Write(notes.Bytes())
}

// mutantTries is how many runs a mutant gets to be caught.
const mutantTries = 3

// passedAny reports whether some test of l passed.
func passedAny(l *report.Lab) bool {
	return slices.ContainsFunc(l.Tests, func(t *report.Test) bool { return t.Result == report.Pass })
}

// gradeMutant grades the reference with the mutant in place, on the tests
// that must fail.
func (c *selfCheck) gradeMutant(ctx context.Context, lab *catalog.Lab, m *mutant.Mutant) (*report.Lab, error) {
	dir := filepath.Join(c.g.TempDir(), "mutants", lab.ID+"-"+m.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	data, err := m.Overlay(c.g.Root(), dir)
	if err != nil {
		return nil, err
	}
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, data, 0o644); err != nil {
		return nil, err
	}
	sel := referenceBuild
	sel.Overlay = overlay
	sel.Keep = func(t catalog.Test) bool { return t.Package == m.Package && slices.Contains(m.MustFail, t.Name) }
	return c.g.Grade(ctx, lab, sel)
}

// printOutput prints a failing test's output when -v asks for it.
func (c *selfCheck) printOutput(w io.Writer, r *report.Test) {
	if c.verbose && r.Output != "" {
		fmt.Fprintf(w, "%s\n", report.Indent(strings.TrimRight(r.Output, "\n"), "        "))
	}
}

func labNames(labs []*catalog.Lab) string {
	var names []string
	for _, l := range labs {
		names = append(names, l.ID)
	}
	return strings.Join(names, ", ")
}
