package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golabs/internal/catalog"
	"golabs/internal/guard"
	"golabs/internal/sandbox"
)

// A grader grades labs: it builds their test binaries and runs their tests.
type grader struct {
	root     string // the repository root, absolute
	sandbox  *sandbox.Sandbox
	builds   *builder
	runs     *runner
	progress *progress // nil when nobody watches
}

// gradeOptions say how to grade: which build, and which tests.
type gradeOptions struct {
	tags    string // build tags, "" for the student's code
	overlay string // -overlay file, or ""
	private bool   // grade private tests too
	// keep selects the tests to grade among those private allows; nil keeps all.
	keep func(catalog.Test) bool
}

// A labResult is the grading of one lab.
type labResult struct {
	lab     *catalog.Lab
	results []*result        // the graded tests, in catalogue order
	broken  []*binary        // the packages that did not compile
	refused []guard.Finding  // what the static check of the student files refused
	sandbox *sandbox.Sandbox // how the tests were isolated
}

// sandboxOf returns how the tests of labs were isolated.
func sandboxOf(labs []*labResult) *sandbox.Sandbox {
	for _, lr := range labs {
		if lr.sandbox != nil {
			return lr.sandbox
		}
	}
	return sandbox.Unsandboxed("")
}

// sandboxLine describes the sandbox in one line, for the text report.
func sandboxLine(sb *sandbox.Sandbox) string {
	if sb.Kind() == sandbox.None {
		if sb.Why() == "" {
			return "Sandbox: none"
		}
		return "Sandbox: none: " + sb.Why()
	}
	return "Sandbox: " + string(sb.Kind()) + " (files read-only but a scratch folder, loopback network only, processes apart; limits on memory, disk, threads)"
}

func (lr *labResult) score() (earned, max int) {
	for _, r := range lr.results {
		earned += r.earned()
		max += r.test.Points
	}
	return earned, max
}

// selected returns the tests of lab that opts grades, in catalogue order.
func (opts *gradeOptions) selected(lab *catalog.Lab) []catalog.Test {
	var tests []catalog.Test
	for _, t := range lab.Tests {
		if (t.Private && !opts.private) || (opts.keep != nil && !opts.keep(t)) {
			continue
		}
		tests = append(tests, t)
	}
	return tests
}

// prepare builds the test binaries of pkgs and checks them against the
// catalogue. The error joins every difference
// between the catalogue and the code; a package that does not compile is
// not an error here, but a lab whose tests all fail to build.
func (g *grader) prepare(ctx context.Context, lab *catalog.Lab, pkgs []string, opts gradeOptions) (map[string]*binary, error) {
	bins := make(map[string]*binary, len(pkgs))
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, pkg := range pkgs {
		wg.Go(func() {
			bin := g.builds.binary(ctx, pkg, opts.tags, opts.overlay)
			mu.Lock()
			bins[pkg] = bin
			mu.Unlock()
		})
	}
	wg.Wait()
	var errs []error
	for _, pkg := range pkgs {
		bin := bins[pkg]
		switch {
		case bin.err != nil:
			errs = append(errs, bin.err)
		case !bin.failed():
			errs = append(errs, catalogueMismatch(lab, bin, opts.private)...)
		}
	}
	return bins, errors.Join(errs...)
}

// grade grades the tests of lab that opts selects, each in a process of its
// own, as many at once as the runner has slots. The error is a setup
// problem: the catalogue does not match the code, or go failed to run.
func (g *grader) grade(ctx context.Context, lab *catalog.Lab, opts gradeOptions) (*labResult, error) {
	tests := opts.selected(lab)
	if !slices.Contains(strings.Split(opts.tags, ","), "solution") {
		if findings := g.screen(lab); len(findings) > 0 {
			lr := refusedLab(lab, tests, findings)
			lr.sandbox = g.sandbox
			return lr, nil
		}
	}
	bins, broken, err := g.build(ctx, lab, tests, opts)
	if err != nil {
		return nil, err
	}
	for _, pkg := range sortedKeys(bins) {
		if found := bins[pkg].testOnly; len(found) > 0 {
			lr := refusedLab(lab, tests, found)
			lr.sandbox = g.sandbox
			return lr, nil
		}
	}
	lr := &labResult{lab: lab, results: make([]*result, len(tests)), broken: broken, sandbox: g.sandbox}
	g.progress.add(lab.ID, len(tests))
	var wg sync.WaitGroup
	for i, t := range tests {
		wg.Go(func() {
			lr.results[i] = g.runs.run(ctx, bins[t.Package], t)
			g.progress.done(lab.ID)
		})
	}
	wg.Wait()
	return lr, nil
}

// build builds the test binaries of the packages that tests belong to, and
// returns them by package, with those that did not compile.
func (g *grader) build(ctx context.Context, lab *catalog.Lab, tests []catalog.Test, opts gradeOptions) (bins map[string]*binary, broken []*binary, err error) {
	var pkgs []string
	for _, t := range tests {
		if !slices.Contains(pkgs, t.Package) {
			pkgs = append(pkgs, t.Package)
		}
	}
	g.progress.build(lab.ID, true)
	bins, err = g.prepare(ctx, lab, pkgs, opts)
	g.progress.build(lab.ID, false)
	if err != nil {
		return nil, nil, err
	}
	for _, pkg := range sortedKeys(bins) {
		if bins[pkg].failed() {
			broken = append(broken, bins[pkg])
		}
	}
	return bins, broken, nil
}

// screen runs the static check on lab's student files (see package guard).
// A file that does not parse is left to the compiler, which will say why.
func (g *grader) screen(lab *catalog.Lab) []guard.Finding {
	var files []string
	for _, f := range lab.StudentFiles {
		files = append(files, filepath.Join(g.root, filepath.FromSlash(f)))
	}
	findings, err := guard.Check(files, modulePath(g.root), lab.Allow)
	if err != nil {
		return nil
	}
	for i := range findings {
		if rel, err := filepath.Rel(g.root, findings[i].Pos.Filename); err == nil {
			findings[i].Pos.Filename = filepath.ToSlash(rel)
		}
	}
	return findings
}

// refusedLab is the grading of a lab whose student files the static check
// refused: every test earns nothing, and says why.
func refusedLab(lab *catalog.Lab, tests []catalog.Test, findings []guard.Finding) *labResult {
	reason := "refused: " + findings[0].String()
	if len(findings) > 1 {
		reason += fmt.Sprintf(" (and %d more)", len(findings)-1)
	}
	lr := &labResult{lab: lab, refused: findings}
	for _, t := range tests {
		lr.results = append(lr.results, &result{test: t, outcome: refused, reason: reason, exit: -1})
	}
	return lr
}

// modulePath returns the module path declared in root's go.mod, or "".
func modulePath(root string) string {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
