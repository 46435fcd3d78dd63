// Package suite is labvet's set of analyzers, and a way to run them on the
// kit's packages from another program (the self-check, the grader): the
// kit's own analyzers and the passes of golang.org/x/tools that concern
// concurrency and RPC.
package suite

import (
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/analysis/passes/atomic"
	"golang.org/x/tools/go/analysis/passes/copylock"
	"golang.org/x/tools/go/analysis/passes/defers"
	"golang.org/x/tools/go/analysis/passes/loopclosure"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/analysis/passes/nilfunc"
	"golang.org/x/tools/go/analysis/passes/testinggoroutine"
	"golang.org/x/tools/go/analysis/passes/unusedresult"
	"golang.org/x/tools/go/analysis/passes/unusedwrite"
	"golang.org/x/tools/go/analysis/passes/waitgroup"
	"golang.org/x/tools/go/packages"

	"golabs/labvet/checkthenact"
	"golabs/labvet/lockedblock"
	"golabs/labvet/rpcsig"
	"golabs/labvet/rpcwire"
	"golabs/labvet/timerdrain"
	"golabs/labvet/unlockpath"
)

// Analyzers are what labvet runs: the kit's own first.
var Analyzers = []*analysis.Analyzer{
	rpcsig.Analyzer,
	rpcwire.Analyzer,
	lockedblock.Analyzer,
	unlockpath.Analyzer,
	checkthenact.Analyzer,
	timerdrain.Analyzer,
	atomic.Analyzer,
	copylock.Analyzer,
	defers.Analyzer,
	loopclosure.Analyzer,
	lostcancel.Analyzer,
	nilfunc.Analyzer,
	testinggoroutine.Analyzer,
	unusedresult.Analyzer,
	unusedwrite.Analyzer,
	waitgroup.Analyzer,
}

// A Finding is one diagnostic, where it is.
type Finding struct {
	Analyzer string
	Pos      token.Position // file name relative to the root
	Message  string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d:%d: %s (%s)", f.Pos.Filename, f.Pos.Line, f.Pos.Column, f.Message, f.Analyzer)
}

// Run loads the packages of patterns in the module at root, built with
// tags and with the files of overlay (absolute paths) in place of theirs,
// runs the analyzers on their own files (not their tests), and returns
// the findings, sorted.
func Run(root string, patterns []string, tags string, overlay map[string][]byte) ([]Finding, error) {
	cfg := &packages.Config{
		Mode:    packages.LoadAllSyntax | packages.NeedModule,
		Dir:     root,
		Overlay: overlay,
	}
	if tags != "" {
		cfg.BuildFlags = []string{"-tags=" + tags}
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("the packages do not build: %s", strings.Join(errs, "; "))
	}
	// Sequential: the analyzers run in the caller's goroutine, so that a
	// caller can recover from an analyzer's panic on hostile code.
	graph, err := checker.Analyze(Analyzers, pkgs, &checker.Options{Sequential: true})
	if err != nil {
		return nil, err
	}
	var found []Finding
	for act := range graph.All() {
		if !act.IsRoot {
			continue
		}
		for _, d := range act.Diagnostics {
			pos := act.Package.Fset.Position(d.Pos)
			if rel, err := filepath.Rel(root, pos.Filename); err == nil {
				pos.Filename = filepath.ToSlash(rel)
			}
			found = append(found, Finding{Analyzer: act.Analyzer.Name, Pos: pos, Message: d.Message})
		}
	}
	slices.SortFunc(found, func(a, b Finding) int {
		if c := strings.Compare(a.Pos.Filename, b.Pos.Filename); c != 0 {
			return c
		}
		return a.Pos.Line - b.Pos.Line
	})
	return found, nil
}
