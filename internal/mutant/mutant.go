// Package mutant reads the known-buggy variants of a lab's reference
// solution, which prove that the lab's tests catch the bugs students make.
//
// A mutant is a small patch, <pkg>/testdata/mutants/<name>.txtar, in the
// txtar format of the go command's script tests. Its comment names the bug
// in one line and the graded tests that must fail; each pair of files that
// follows is one change to a file of the package: the exact old text, then
// the new:
//
//	Mutant: Serial forgets to mark a page as fetched.
//	Must fail: TestSerialFetchedMap, TestSerialShapes
//	-- serial_solution.go.old --
//		fetched[url] = true
//	-- serial_solution.go.new --
//
// "Must fail:" takes test names separated by commas or spaces. The patch is
// applied to the current reference: an old text that is not found exactly
// once is an error, so a mutant whose reference changed under it fails
// loudly instead of testing old code. The go command builds the patched
// files with -overlay (see [Mutant.Overlay]); the tree is never edited.
// Whether the tests exist, and whether they do fail, is for the grader to
// find out.
package mutant

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/tools/txtar"
)

// Dir is where a package keeps its mutants, relative to the package.
const Dir = "testdata/mutants"

// A Mutant is one known-buggy variant of a package.
type Mutant struct {
	Name     string   // the patch's name: "serial-no-map"
	Package  string   // the package it mutates, as "./crawler"
	Path     string   // the patch, relative to the root: "crawler/testdata/mutants/serial-no-map.txtar"
	Bug      string   // the "Mutant:" line
	MustFail []string // the tests that must fail, in order, without repeats
	Changes  []Change // in the order of the patch
}

// A Change replaces the one occurrence of Old in a file of the package by
// New.
type Change struct {
	File     string // the file it changes, relative to the root: "crawler/serial_solution.go"
	Old, New string
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
		name, ok := strings.CutSuffix(e.Name(), ".txtar")
		if e.IsDir() || !ok {
			errs = append(errs, fmt.Errorf("%s: a mutant is a patch, <name>.txtar (see go doc ./internal/mutant)", path.Join(dir, e.Name())))
			continue
		}
		m, err := Read(root, pkg, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ms = append(ms, m)
	}
	return ms, errors.Join(errs...)
}

var (
	bugLine      = regexp.MustCompile(`^Mutant:\s*(.*)$`)
	mustFailLine = regexp.MustCompile(`^Must fail:\s*(.*)$`)
	testName     = regexp.MustCompile(`^Test(\P{Ll}[\p{L}\p{N}_]*)?$`)
)

// Read reads the mutant called name of the package pkg under root, and
// checks that it applies to the package as it is.
func Read(root, pkg, name string) (*Mutant, error) {
	pkgDir := strings.TrimPrefix(path.Clean(pkg), "./")
	m := &Mutant{Name: name, Package: "./" + pkgDir, Path: path.Join(pkgDir, Dir, name+".txtar")}
	a, err := txtar.ParseFile(filepath.Join(root, filepath.FromSlash(m.Path)))
	if err != nil {
		return nil, fmt.Errorf("mutant %s: %w", m.Path, err)
	}
	for _, line := range strings.Split(string(a.Comment), "\n") {
		line = strings.TrimSpace(line)
		if b := bugLine.FindStringSubmatch(line); b != nil && m.Bug == "" {
			m.Bug = strings.TrimSpace(b[1])
		}
		if f := mustFailLine.FindStringSubmatch(line); f != nil {
			for _, t := range strings.FieldsFunc(f[1], func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
				if !testName.MatchString(t) {
					return nil, fmt.Errorf("%s: %q in the \"Must fail:\" line is not a test function name", m.Path, t)
				}
				if !slices.Contains(m.MustFail, t) {
					m.MustFail = append(m.MustFail, t)
				}
			}
		}
	}
	switch {
	case m.Bug == "":
		return nil, fmt.Errorf("%s: no \"Mutant: <the bug in one line>\" line before the first file", m.Path)
	case len(m.MustFail) == 0:
		return nil, fmt.Errorf("%s: no \"Must fail: TestA, TestB\" line naming the tests that catch the bug", m.Path)
	case len(a.Files) == 0 || len(a.Files)%2 != 0:
		return nil, fmt.Errorf("%s: a mutant is pairs of files, <file>.old then <file>.new; it has %d files", m.Path, len(a.Files))
	}
	for i := 0; i < len(a.Files); i += 2 {
		oldF, newF := a.Files[i], a.Files[i+1]
		file, ok1 := strings.CutSuffix(oldF.Name, ".old")
		file2, ok2 := strings.CutSuffix(newF.Name, ".new")
		if !ok1 || !ok2 || file != file2 {
			return nil, fmt.Errorf("%s: files %q and %q: each change is a pair, <file>.old then <file>.new", m.Path, oldF.Name, newF.Name)
		}
		m.Changes = append(m.Changes, Change{File: path.Join(pkgDir, file), Old: string(oldF.Data), New: string(newF.Data)})
	}
	if _, err := m.Apply(root); err != nil {
		return nil, err
	}
	return m, nil
}

// Apply returns the package's files that the mutant changes, as the mutant
// makes them, by path relative to the root.
func (m *Mutant) Apply(root string) (map[string]string, error) {
	files := make(map[string]string)
	for i, c := range m.Changes {
		text, ok := files[c.File]
		if !ok {
			data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(c.File)))
			if err != nil {
				return nil, fmt.Errorf("%s: change %d: %s has no file %s to change", m.Path, i+1, m.Package, path.Base(c.File))
			}
			text = string(data)
		}
		if c.Old == "" {
			return nil, fmt.Errorf("%s: change %d to %s has no old text: quote the lines to replace", m.Path, i+1, c.File)
		}
		if n := strings.Count(text, c.Old); n != 1 {
			return nil, fmt.Errorf("%s: the old text of change %d is found %d times in %s, not once: the reference "+
				"changed under the mutant; quote the text as it is now, with enough lines to be found once", m.Path, i+1, n, c.File)
		}
		files[c.File] = strings.Replace(text, c.Old, c.New, 1)
	}
	return files, nil
}

// Overlay writes the files the mutant changes into dir and returns the
// -overlay file of the go command that builds the package with them in
// place; root is the repository root, as an absolute path.
func (m *Mutant) Overlay(root, dir string) ([]byte, error) {
	if !filepath.IsAbs(root) {
		return nil, fmt.Errorf("mutant %s: overlay root %q is not an absolute path", m.Name, root)
	}
	files, err := m.Apply(root)
	if err != nil {
		return nil, err
	}
	replace := make(map[string]string, len(files))
	for file, text := range files {
		dst := filepath.Join(dir, filepath.Base(file))
		if err := os.WriteFile(dst, []byte(text), 0o644); err != nil {
			return nil, err
		}
		replace[filepath.Join(root, filepath.FromSlash(file))] = dst
	}
	return json.MarshalIndent(struct{ Replace map[string]string }{replace}, "", "\t")
}
