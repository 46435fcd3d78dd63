// Package mutant reads the known-buggy variants of a lab's reference
// solution, which prove that the lab's tests catch the bugs students make.
//
// A mutant is a directory <pkg>/testdata/mutants/<name>/ of whole-file
// replacements: each file replaces the file with the same base name in
// <pkg>/, normally a *_solution.go file. The go command applies them with
// -overlay (see [Mutant.Overlay]), so the tree is never edited. Each file
// begins with the build constraint of the file it replaces and a header
// that names the bug and the graded tests that must fail:
//
//	//go:build solution
//
//	// Mutant: Serial forgets to mark a page as fetched.
//	// Must fail: TestSerialFetchedMap, TestSerialShapes
//
// "Must fail:" takes test names separated by commas or spaces and may be
// repeated over several lines. Whether the tests exist, and whether they do
// fail, is for the grader to find out.
package mutant

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Dir is where a package keeps its mutants, relative to the package.
const Dir = "testdata/mutants"

// A Mutant is one known-buggy variant of a package.
type Mutant struct {
	Name     string   // the directory's name: "serial-no-map"
	Package  string   // the package it mutates, as "./crawler"
	Dir      string   // the directory, relative to the root: "crawler/testdata/mutants/serial-no-map"
	Bug      string   // the "Mutant:" line
	MustFail []string // the tests that must fail, in header order, without repeats
	Files    []File   // the replacements, sorted by name
}

// A File is one whole-file replacement.
type File struct {
	Path     string // the mutant's file, relative to the root
	Replaces string // the package file it replaces, relative to the root
}

// Find returns the mutants of the package pkg ("./crawler") under root,
// sorted by name: none if the package has no testdata/mutants directory.
// The error joins the problems of every malformed mutant; the mutants that
// are well formed are returned all the same.
func Find(root, pkg string) ([]*Mutant, error) {
	pkgDir := strings.TrimPrefix(path.Clean(pkg), "./")
	dir := path.Join(pkgDir, Dir)
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(dir)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the mutants of %s: %w", pkg, err)
	}
	var (
		ms   []*Mutant
		errs []error
	)
	for _, e := range entries {
		if !e.IsDir() {
			errs = append(errs, fmt.Errorf("%s: a mutant is a directory of replacement files; move this file into one", path.Join(dir, e.Name())))
			continue
		}
		m, err := Read(root, pkg, e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ms = append(ms, m)
	}
	return ms, errors.Join(errs...)
}

// Read reads the mutant called name of the package pkg under root.
func Read(root, pkg, name string) (*Mutant, error) {
	pkgDir := strings.TrimPrefix(path.Clean(pkg), "./")
	m := &Mutant{Name: name, Package: "./" + pkgDir, Dir: path.Join(pkgDir, Dir, name)}
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(m.Dir)))
	if err != nil {
		return nil, fmt.Errorf("mutant %s: %w", m.Dir, err)
	}
	var errs []error
	for _, e := range entries {
		file := path.Join(m.Dir, e.Name())
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			errs = append(errs, fmt.Errorf("%s: a mutant holds only .go files, each replacing the file with the same name in %s", file, m.Package))
			continue
		}
		target := path.Join(pkgDir, e.Name())
		want, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(target)))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s has no file %s to replace: name the file after the one it replaces", file, m.Package, e.Name()))
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		h, err := parseHeader(file, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if h.constraint != constraintOf(want) {
			errs = append(errs, fmt.Errorf("%s: build constraint %q differs from %q in %s: a mutant starts with the constraint of the file it replaces",
				file, h.constraint, constraintOf(want), target))
		}
		if m.Bug == "" {
			m.Bug = h.bug
		}
		for _, t := range h.mustFail {
			if !slices.Contains(m.MustFail, t) {
				m.MustFail = append(m.MustFail, t)
			}
		}
		m.Files = append(m.Files, File{Path: file, Replaces: target})
	}
	if len(entries) == 0 {
		errs = append(errs, fmt.Errorf("%s: the mutant is empty: add the file it replaces, with the bug in it", m.Dir))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// Overlay returns the -overlay file of the go command that builds the
// package with the mutant in place; root is the repository root, as an
// absolute path.
func (m *Mutant) Overlay(root string) ([]byte, error) {
	if !filepath.IsAbs(root) {
		return nil, fmt.Errorf("mutant %s: overlay root %q is not an absolute path", m.Name, root)
	}
	replace := make(map[string]string, len(m.Files))
	for _, f := range m.Files {
		replace[filepath.Join(root, filepath.FromSlash(f.Replaces))] = filepath.Join(root, filepath.FromSlash(f.Path))
	}
	return json.MarshalIndent(struct{ Replace map[string]string }{replace}, "", "\t")
}

// A header is what the leading comments of one mutant file say.
type header struct {
	constraint string // the //go:build line, or ""
	bug        string
	mustFail   []string
}

var (
	bugLine      = regexp.MustCompile(`^//\s*Mutant:\s*(.*)$`)
	mustFailLine = regexp.MustCompile(`^//\s*Must fail:\s*(.*)$`)
	testName     = regexp.MustCompile(`^Test(\P{Ll}[\p{L}\p{N}_]*)?$`)
)

// parseHeader reads the comments above the package clause of a mutant file.
func parseHeader(file string, src []byte) (header, error) {
	var h header
	f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil {
		return h, fmt.Errorf("%s: %v", file, err)
	}
	sawMustFail := false
	for _, g := range f.Comments {
		if g.Pos() > f.Package {
			break
		}
		for _, c := range g.List {
			text := strings.TrimSpace(c.Text)
			if strings.HasPrefix(text, "//go:build") {
				h.constraint = text
			}
			if m := bugLine.FindStringSubmatch(text); m != nil && h.bug == "" {
				h.bug = strings.TrimSpace(m[1])
			}
			if m := mustFailLine.FindStringSubmatch(text); m != nil {
				sawMustFail = true
				for _, name := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
					if !testName.MatchString(name) {
						return h, fmt.Errorf("%s: %q in the \"Must fail:\" line is not a test function name", file, name)
					}
					h.mustFail = append(h.mustFail, name)
				}
			}
		}
	}
	switch {
	case h.bug == "":
		return h, fmt.Errorf("%s: no \"// Mutant: <the bug in one line>\" comment above the package clause", file)
	case !sawMustFail:
		return h, fmt.Errorf("%s: no \"// Must fail: TestA, TestB\" comment above the package clause", file)
	case len(h.mustFail) == 0:
		return h, fmt.Errorf("%s: the \"Must fail:\" line names no test: list the tests that catch the bug", file)
	}
	return h, nil
}

// constraintOf returns the //go:build line of a Go file, or "".
func constraintOf(src []byte) string {
	for _, l := range strings.Split(string(src), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "//go:build"):
			return l
		case l == "" || strings.HasPrefix(l, "//"):
			continue
		default:
			return ""
		}
	}
	return ""
}
