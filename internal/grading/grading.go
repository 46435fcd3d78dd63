// Package grading grades the labs of the kit: it builds each lab package's
// tests once with the race detector (go test -c -race), runs every graded
// test in a process of its own, several at once, each with its own time
// limit and in a sandbox, and decides each test's outcome. A panic, a
// deadlock, a data race or an os.Exit costs only the test it happened in.
//
// It fails closed: a test earns its points only when its own process
// reports, through test2json, an explicit pass of exactly that test, its
// harness vouches for it on the gradehook channel (a report sealed under a
// nonce that student code never sees), and the process exits with status
// 0. Anything else earns nothing, and the [report.Test] says which of the
// outcomes of package report happened and why, with the output that
// explains it. Before a student's code is built (any build without the
// solution tag), the static check of package guard reads the student files.
//
// A [Grader] holds the tools and the test binaries of one grading; its
// [Grader.Grade] returns a [report.Lab], and [Grader.Hunt] runs each test
// many times to find flaky ones. Packages selfcheck and batch are built on
// the same calls. docs/grader.md is the manual; docs/grading.md tells
// students what the verdicts mean.
package grading

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golabs/internal/catalog"
	"golabs/internal/guard"
	"golabs/internal/layout"
	"golabs/internal/progress"
	"golabs/internal/report"
	"golabs/internal/sandbox"
)

// A Grader grades labs: it builds their test binaries and runs their tests.
type Grader struct {
	root     string // the repository root, absolute
	sandbox  *sandbox.Sandbox
	builds   *builder
	runs     *runner
	progress *tracker // nil when nobody watches
	tmp      string
}

// Options say where and how to grade.
type Options struct {
	Root     string           // the kit's root, absolute
	Par      int              // processes at once, builds and tests together; at least 1
	Sandbox  *sandbox.Sandbox // how to isolate each test; nil for none
	Progress io.Writer        // where a progress line goes if it is a terminal; nil for none
	// BuildMemory bounds the memory of one build; 0 for the default, 3 GiB.
	BuildMemory int64
}

// New checks that the tools grading needs are there (go, a C compiler for
// the race detector, test2json) and returns a grader whose binaries live in
// a temporary directory that Close removes.
func New(ctx context.Context, o Options) (*Grader, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, errors.New("the go command is not on the PATH: install Go (https://go.dev/doc/install) and add its bin directory to the PATH")
	}
	if _, err := findCC(); err != nil {
		return nil, err
	}
	test2json, err := findTest2json(ctx, goCmd)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "grader-")
	if err != nil {
		return nil, fmt.Errorf("making a directory for the test binaries: %v", err)
	}
	sb := o.Sandbox
	if sb == nil {
		sb = sandbox.Unsandboxed("")
	}
	slots := make(chan struct{}, max(1, o.Par))
	g := &Grader{
		root:    o.Root,
		sandbox: sb,
		tmp:     tmp,
		builds:  &builder{root: o.Root, tmp: tmp, goCmd: goCmd, slots: slots, env: os.Environ(), memory: o.BuildMemory},
		runs:    &runner{test2json: test2json, env: testEnv(), slots: slots, sandbox: sb, tmp: tmp},
	}
	if line := progress.New(o.Progress); line != nil {
		g.progress = &tracker{line: line, total: map[string]int{}, finished: map[string]int{}, building: map[string]bool{}}
	}
	return g, nil
}

// Close removes the grader's binaries and scratch folders.
func (g *Grader) Close() { os.RemoveAll(g.tmp) }

// KeepFiles makes the grader keep, for a person who reads the report, the
// files that the messages of failed tests point at (kv's history drawn as
// HTML), which would otherwise go with the test's scratch folder.
func (g *Grader) KeepFiles() { g.runs.keepFiles = true }

// Par returns how many processes the grader runs at once.
func (g *Grader) Par() int { return cap(g.runs.slots) }

// TempDir returns the grader's temporary directory, removed by Close.
func (g *Grader) TempDir() string { return g.tmp }

// Root returns the kit's root the grader grades.
func (g *Grader) Root() string { return g.root }

// ClearProgress erases the progress line, before a report is printed.
func (g *Grader) ClearProgress() { g.progress.clear() }

// A Selection says which build to grade and which of its tests.
type Selection struct {
	Tags    string // build tags, "" for the student's code
	Overlay string // -overlay file, or ""
	Private bool   // grade hidden tests too
	// Keep selects the tests to grade among those Private allows; nil keeps all.
	Keep func(catalog.Test) bool
}

// Tests returns the tests of lab that s grades, in catalogue order.
func (s Selection) Tests(lab *catalog.Lab) []catalog.Test {
	var tests []catalog.Test
	for _, t := range lab.Tests {
		if (t.Private && !s.Private) || (s.Keep != nil && !s.Keep(t)) {
			continue
		}
		tests = append(tests, t)
	}
	return tests
}

// solution reports whether s builds the reference.
func (s Selection) solution() bool { return slices.Contains(strings.Split(s.Tags, ","), "solution") }

// Prepare builds the test binaries of pkgs and checks them against the
// catalogue. The error joins every difference between the catalogue and
// the code; a package that does not compile is not an error here, but a
// lab whose tests all fail to build.
func (g *Grader) Prepare(ctx context.Context, lab *catalog.Lab, pkgs []string, s Selection) (map[string]*Binary, error) {
	bins := make(map[string]*Binary, len(pkgs))
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, pkg := range pkgs {
		wg.Go(func() {
			bin := g.builds.binary(ctx, pkg, s.Tags, s.Overlay)
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
		case bin.Err != nil:
			errs = append(errs, bin.Err)
		case !bin.Failed():
			errs = append(errs, catalogueMismatch(lab, bin, s.Private)...)
		}
	}
	return bins, errors.Join(errs...)
}

// Build builds the test binaries of the packages that tests belong to, and
// returns them by package, with those that did not compile.
func (g *Grader) Build(ctx context.Context, lab *catalog.Lab, tests []catalog.Test, s Selection) (bins map[string]*Binary, broken []*Binary, err error) {
	var pkgs []string
	for _, t := range tests {
		if !slices.Contains(pkgs, t.Package) {
			pkgs = append(pkgs, t.Package)
		}
	}
	g.progress.build(lab.ID, true)
	bins, err = g.Prepare(ctx, lab, pkgs, s)
	g.progress.build(lab.ID, false)
	if err != nil {
		return nil, nil, err
	}
	for _, pkg := range slices.Sorted(maps.Keys(bins)) {
		if bins[pkg].Failed() {
			broken = append(broken, bins[pkg])
		}
	}
	return bins, broken, nil
}

// Grade grades the tests of lab that s selects, each in a process of its
// own, as many at once as the grader has slots. The error is a setup
// problem: the catalogue does not match the code, or go failed to run.
func (g *Grader) Grade(ctx context.Context, lab *catalog.Lab, s Selection) (*report.Lab, error) {
	tests := s.Tests(lab)
	if !s.solution() {
		if findings := g.screen(lab); len(findings) > 0 {
			return refusedLab(lab, tests, findings), nil
		}
	}
	bins, broken, err := g.Build(ctx, lab, tests, s)
	if err != nil {
		return nil, err
	}
	for _, pkg := range slices.Sorted(maps.Keys(bins)) {
		if found := bins[pkg].TestOnly; len(found) > 0 {
			return refusedLab(lab, tests, found), nil
		}
	}
	l := newLab(lab)
	for _, b := range broken {
		l.BuildErrors = append(l.BuildErrors, b.BuildError())
	}
	l.Tests = make([]*report.Test, len(tests))
	g.progress.add(lab.ID, len(tests))
	var wg sync.WaitGroup
	for i, t := range tests {
		wg.Go(func() {
			l.Tests[i] = g.Run(ctx, bins[t.Package], t)
			g.progress.done(lab.ID)
		})
	}
	wg.Wait()
	l.Total()
	return l, nil
}

// GradeAll grades labs side by side and returns the report, sandbox and
// totals filled in, with labvet's feedback on the student files of each
// lab (see Feedback). The error joins the labs' setup problems.
func (g *Grader) GradeAll(ctx context.Context, labs []*catalog.Lab, s Selection) (*report.Report, error) {
	results := make([]*report.Lab, len(labs))
	errs := make([]error, len(labs))
	var wg sync.WaitGroup
	for i, lab := range labs {
		wg.Go(func() { results[i], errs[i] = g.Grade(ctx, lab, s) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		g.progress.clear()
		return nil, err
	}
	if ctx.Err() == nil {
		feedbackFor(g.root, results, s)
	}
	g.progress.clear()
	return g.Report(results), nil
}

// Report returns the report of graded labs, with the sandbox they ran in
// and the totals.
func (g *Grader) Report(labs []*report.Lab) *report.Report {
	r := &report.Report{Labs: labs, Sandbox: string(g.sandbox.Kind())}
	if g.sandbox.Kind() == sandbox.None {
		r.SandboxNote = g.sandbox.Why()
	}
	r.Total()
	return r
}

func newLab(lab *catalog.Lab) *report.Lab {
	return &report.Lab{ID: lab.ID, Title: lab.Title, File: lab.File, Spec: lab}
}

// screen runs the static check on lab's student files (see package guard).
// A file that does not parse is left to the compiler, which will say why.
func (g *Grader) screen(lab *catalog.Lab) []guard.Finding {
	var files []string
	for _, f := range lab.StudentFiles {
		files = append(files, filepath.Join(g.root, filepath.FromSlash(f)))
	}
	findings, err := guard.Check(files, ModulePath(g.root), lab.Allow)
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
func refusedLab(lab *catalog.Lab, tests []catalog.Test, findings []guard.Finding) *report.Lab {
	reason := "refused: " + findings[0].String()
	if len(findings) > 1 {
		reason += fmt.Sprintf(" (and %d more)", len(findings)-1)
	}
	l := newLab(lab)
	for _, f := range findings {
		l.Refused = append(l.Refused, f.String())
	}
	for _, t := range tests {
		rt := report.NewTest(t)
		rt.Decide(report.Refused, reason)
		l.Tests = append(l.Tests, rt)
	}
	l.Total()
	return l
}

// ModulePath returns the module path declared in root's go.mod, or "".
func ModulePath(root string) string {
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

// PackageDir returns the directory of a catalogue package under root.
func PackageDir(root, pkg string) string {
	return filepath.Join(root, filepath.FromSlash(layout.PackageDir(pkg)))
}

// A tracker keeps the progress line: "crawler: 7/21 tests done". A nil
// *tracker does nothing.
type tracker struct {
	line     *progress.Line
	mu       sync.Mutex
	order    []string
	total    map[string]int
	finished map[string]int
	building map[string]bool
}

// build says that lab's tests are being built (on) or are built (off).
func (p *tracker) build(lab string, on bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.track(lab)
	p.building[lab] = on
	p.draw()
}

func (p *tracker) track(lab string) {
	if _, ok := p.total[lab]; !ok {
		p.order = append(p.order, lab)
		p.total[lab] = 0
	}
}

func (p *tracker) add(lab string, n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.track(lab)
	p.total[lab] += n
	p.draw()
}

func (p *tracker) done(lab string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished[lab]++
	p.draw()
}

func (p *tracker) clear() {
	if p != nil {
		p.line.Clear()
	}
}

func (p *tracker) draw() {
	var parts []string
	for _, lab := range p.order {
		if p.building[lab] {
			parts = append(parts, lab+": building the tests")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %d/%d tests done", lab, p.finished[lab], p.total[lab]))
	}
	p.line.Show(strings.Join(parts, ", "))
}

// expect adds n runs of lab's tests to the progress line; each run that
// ends should call ran. Grade does both itself.
func (g *Grader) expect(lab string, n int) { g.progress.add(lab, n) }

// ran counts one run of lab's tests as done on the progress line.
func (g *Grader) ran(lab string) { g.progress.done(lab) }
