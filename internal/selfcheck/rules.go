package selfcheck

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/quotes"
)

// hookFirst checks that every package of lab imports the kit's gradehook
// from a provided file (one that is neither a student's nor a test, and that
// no build tag leaves out). Go initialises a package after everything it
// imports, so gradehook then takes the grader's nonce before any student
// code runs; a package that does not import it would let a student's init
// function read the nonce first and forge the report. It returns one error
// per package that breaks the rule.
func hookFirst(root string, lab *catalog.Lab) []error {
	hookPath := grading.ModulePath(root) + "/internal/gradehook"
	var errs []error
	for _, pkg := range lab.Packages {
		dir := grading.PackageDir(root, pkg)
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		found := false
		for _, name := range names {
			rel := filepath.ToSlash(strings.TrimPrefix(name, root+string(filepath.Separator)))
			if strings.HasSuffix(name, "_test.go") || slices.Contains(lab.StudentFiles, rel) {
				continue
			}
			if ok, err := importsUntagged(name, hookPath); err != nil {
				errs = append(errs, err)
			} else if ok {
				found = true
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("%s: no provided file of %s imports %s: add a file with "+
				"import _ %q so that the grader's result channel opens before any student code runs "+
				"(see package gradehook)", lab.File, pkg, hookPath, hookPath))
		}
	}
	return errs
}

// importsUntagged reports whether the Go file name imports path and has no
// build constraint.
func importsUntagged(name, path string) (bool, error) {
	src, err := os.ReadFile(name)
	if err != nil {
		return false, err
	}
	f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return false, err
	}
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:build") {
				return false, nil
			}
		}
	}
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			return true, nil
		}
	}
	return false, nil
}

// handoutQuotes holds the failure messages that lab's handout quotes to
// the tests' sources (package quotes): the lab's packages and the kit's
// internal packages. It returns how many quotes the handout has, and a
// problem per quote that no test prints.
func handoutQuotes(root string, lab *catalog.Lab) (int, []error) {
	if lab.Handout == "" {
		return 0, nil
	}
	var sources []string
	dirs := []string{}
	for _, pkg := range lab.Packages {
		dirs = append(dirs, grading.PackageDir(root, pkg))
	}
	internal, _ := filepath.Glob(filepath.Join(root, "internal", "*"))
	for _, dir := range append(dirs, internal...) {
		names, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		sources = append(sources, names...)
	}
	handout := filepath.Join(root, filepath.FromSlash(lab.Handout))
	text, err := os.ReadFile(handout)
	if err != nil {
		return 0, []error{err}
	}
	errs, err := quotes.Check(handout, sources)
	if err != nil {
		return 0, []error{err}
	}
	for i, e := range errs {
		errs[i] = errors.New(strings.Replace(e.Error(), handout, lab.Handout, 1))
	}
	return len(quotes.Find(string(text))), errs
}
