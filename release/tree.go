package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golabs/internal/layout"
)

// A file is one file of a tree: its contents and its permission bits.
type file struct {
	data []byte
	mode fs.FileMode
}

// A tree maps slash-separated paths, relative to the repository root, to
// their files.
type tree map[string]file

// paths returns the tree's paths, sorted.
func (t tree) paths() []string { return slices.Sorted(maps.Keys(t)) }

// readTracked reads the files git tracks in the repository at root, as they
// are in the working tree. A tracked file deleted from the working tree is
// left out.
func readTracked(root string) (tree, error) {
	names, err := layout.GitFiles(root, "--cached")
	if err != nil {
		return nil, fmt.Errorf("listing the files of %s: %v (run the command inside the kit's git repository, or pass -root)", root, err)
	}
	t := tree{}
	for _, name := range names {
		full := filepath.Join(root, filepath.FromSlash(name))
		fi, err := os.Lstat(full)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(full)
		if err != nil {
			return nil, err
		}
		t[name] = file{data: data, mode: fi.Mode().Perm()}
	}
	return t, nil
}

// untracked returns the files of the repository at root that git does not
// track and does not ignore: a tree made from the tracked files lacks them.
func untracked(root string) []string {
	names, _ := layout.GitFiles(root, "--others", "--exclude-standard")
	return slices.DeleteFunc(names, layout.IsStaff)
}

// gitOutput runs git in dir with the extra environment and returns its
// standard output; a failure carries git's own message.
func gitOutput(dir string, env []string, args ...string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return string(out), nil
}

// A flavour is the kind of tree a transformation makes.
type flavour int

const (
	studentTree  flavour = iota // what students get: stubs, tests, no references, no hidden tests
	pristineTree                // what the autograder grades in: the student tree and the hidden tests
	solutionTree                // the references in place of the stubs, everything else kept
)

// transform makes a tree of the given flavour from the kit's files.
//
// The student and pristine trees leave out the references (*_solution.go and
// any other file built only with the solution tag), the mutants and the
// instructor-only files; the student tree also leaves out the hidden tests
// (files built only with the private tag). Both drop the constraint
// //go:build !solution, and the blank line after it, from the stubs.
//
// The solution tree keeps every file but this command's, and each reference
// X_solution.go replaces its stub: it becomes X.go, without its
// //go:build solution line.
func transform(src tree, fl flavour) (tree, error) {
	out := tree{}
	var problems []string
	for _, name := range src.paths() {
		f := src[name]
		if fl != solutionTree && (layout.IsMutant(name) || layout.IsStaff(name)) {
			continue
		}
		if fl == solutionTree && strings.HasPrefix(name, "release/") {
			continue // a tree without stubs has nothing to release
		}
		if path.Ext(name) != ".go" || layout.IsMutant(name) {
			out[name] = f
			continue
		}
		expr, start, end, ok, err := layout.Constraint(f.data)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: malformed //go:build line: %v", name, err))
			continue
		}
		if !ok || !slices.Contains(layout.Tags(expr), "solution") {
			if fl == studentTree && ok && layout.Needs(expr, "private") {
				continue // a hidden test
			}
			out[name] = f
			continue
		}
		stripped := file{data: slices.Concat(f.data[:start], f.data[end:]), mode: f.mode}
		switch c := expr.String(); {
		case c == "!solution":
			ref := strings.TrimSuffix(name, ".go") + "_solution.go"
			if _, hasRef := src[ref]; fl == solutionTree && hasRef {
				continue // its reference takes its place
			}
			out[name] = stripped
		case c == "solution":
			if fl != solutionTree {
				continue
			}
			out[strings.TrimSuffix(name, "_solution.go")+".go"] = stripped
		case layout.Needs(expr, "solution"):
			if fl == solutionTree {
				problems = append(problems, fmt.Sprintf("%s: build constraint %q: a reference must carry exactly //go:build solution", name, c))
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: build constraint %q mentions the solution tag: a stub must carry exactly //go:build !solution, a reference exactly //go:build solution", name, c))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("cannot make the tree:\n  %s", strings.Join(problems, "\n  "))
	}
	return out, nil
}

// leaks returns what in a student tree must not reach students: a reference,
// a mutant, a hidden test, or a file that speaks of them. The kit's own
// tooling (the grader, internal/, the Makefile and the READMEs) describes
// the conventions, so only its build constraints are held to the rule.
func leaks(t tree) []string {
	var found []string
	for _, name := range t.paths() {
		data := t[name].data
		switch {
		case strings.Contains(name, "_solution"):
			found = append(found, name+": a reference solution")
			continue
		case layout.IsMutant(name):
			found = append(found, name+": a mutant")
			continue
		case layout.IsStaff(name):
			found = append(found, name+": an instructor-only file")
			continue
		}
		if path.Ext(name) == ".go" {
			if expr, _, _, ok, _ := layout.Constraint(data); ok {
				if ts := layout.Tags(expr); slices.Contains(ts, "solution") || slices.Contains(ts, "private") {
					found = append(found, fmt.Sprintf("%s: build constraint %q", name, expr.String()))
					continue
				}
			}
		}
		if tooling(name) {
			continue
		}
		for _, word := range []string{"_solution", "//go:build solution", "private"} {
			if bytes.Contains(data, []byte(word)) {
				found = append(found, fmt.Sprintf("%s: mentions %q", name, word))
				break
			}
		}
	}
	return found
}

// tooling reports whether name is part of the kit's tooling (grader/,
// internal/, labvet/) or its manual (docs/grader.md), whose text names the
// conventions for references and hidden tests.
func tooling(name string) bool {
	return strings.HasPrefix(name, "grader/") || strings.HasPrefix(name, "internal/") || strings.HasPrefix(name, "labvet/") ||
		name == "Makefile" || name == "docs/grader.md" || path.Base(name) == "README.md"
}

// write stores the tree under dir, creating directories as needed.
func (t tree) write(dir string) error {
	for _, name := range t.paths() {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, t[name].data, t[name].mode); err != nil {
			return err
		}
	}
	return nil
}
