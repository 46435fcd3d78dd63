// Release makes what course staff hand out from the kit's repository: the
// student starter tree, the branch of reference solutions, and Gradescope's
// autograder.
//
// Usage:
//
//	go run ./release -out DIR [-force]      the student tree, written to DIR
//	go run ./release -branch public         the same tree, committed on a branch
//	go run ./release -solution-branch solution
//	go run ./release -gradescope autograder.zip
//
// Every tree is made from the files git tracks, as they are in the working
// tree. The student tree leaves out the reference solutions (*_solution.go),
// the files built only with the private tag (hidden tests), the mutants
// (testdata/mutants/) and the instructor-only files (.ci/,
// docs/instructor*, release/); it drops //go:build !solution from the stubs,
// and carries a labs/manifest.sha256 computed for it. Its README.md is the
// students' own: the template release/student/README.md, built into this
// command, filled in with the Go version of go.mod and the labs of the
// catalogue (the repository's README.md is written for course staff);
// README.zh.md is its Simplified Chinese version, from
// release/student/README.zh.md, and -lang zh swaps them: README.md in
// Chinese, and README.en.md in English. The
// command then proves the tree: go build ./... and go vet ./... pass in it,
// grading it earns 0 points, every go and make command its Markdown files
// give works there (a go test command is compiled with its flags, running no
// test; a make target exists, and so do the labs its LAB= names), and
// nothing in it names a reference, a mutant or a hidden test.
//
// -branch NAME commits that tree on the branch NAME of the repository (a new
// commit on top if the branch exists) through git plumbing and a temporary
// index: the working tree, the index and the current branch are not touched.
//
// -solution-branch NAME commits the kit with each reference X_solution.go in
// place of its stub X.go (renamed, its //go:build solution line dropped),
// hidden tests, mutants and the repository's README.md kept, after go test
// -race passed on it (on every package but the grader's, whose own tests
// work on the instructor tree).
//
// -gradescope FILE writes Gradescope's autograder zip: setup.sh (installs the
// go.mod version of Go and gcc when they are missing), run_autograder, and
// under kit/ the pristine tree, the student tree with the hidden tests, in
// which run_autograder grades a copy holding only the submission's student
// files.
//
// Exit status: 0 when everything was made and verified, 1 when a step or a
// verification failed, 2 on a usage error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command's flags.
type options struct {
	root           string
	out            string
	force          bool
	branch         string
	solutionBranch string
	gradescope     string
	lang           string
	noVerify       bool
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.root, "root", ".", "the kit's repository")
	fs.StringVar(&o.out, "out", "", "write the student tree to this `dir`ectory (it must be empty or missing, unless -force)")
	fs.BoolVar(&o.force, "force", false, "with -out: replace an earlier release in the directory (a .git in it is kept)")
	fs.StringVar(&o.branch, "branch", "", "commit the student tree on this `branch` of the repository")
	fs.StringVar(&o.solutionBranch, "solution-branch", "", "commit the kit with the references in place of the stubs on this `branch`")
	fs.StringVar(&o.gradescope, "gradescope", "", "write Gradescope's autograder zip to this `file`")
	fs.StringVar(&o.lang, "lang", "en", "the language of the student tree's README.md: en, or zh (Simplified Chinese); the other goes to README.<lang>.md")
	fs.BoolVar(&o.noVerify, "no-verify", false, "skip the builds, tests and grading that prove the result (faster, for trying things out)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./release (-out DIR [-force] | -branch NAME | -solution-branch NAME | -gradescope FILE) [-lang en|zh] [-root DIR] [-no-verify]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	n := 0
	for _, s := range []string{o.out, o.branch, o.solutionBranch, o.gradescope} {
		if s != "" {
			n++
		}
	}
	if n != 1 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "release: name exactly one of -out, -branch, -solution-branch and -gradescope")
		fs.Usage()
		return 2
	}
	if !slices.Contains(languages(), o.lang) {
		fmt.Fprintf(stderr, "release: -lang %s: the student README exists in %s\n", o.lang, strings.Join(languages(), ", "))
		return 2
	}
	if o.force && o.out == "" {
		fmt.Fprintln(stderr, "release: -force goes with -out")
		return 2
	}
	root, err := filepath.Abs(o.root)
	if err != nil {
		fmt.Fprintf(stderr, "release: %v\n", err)
		return 2
	}
	o.root = root
	start := time.Now()
	switch {
	case o.out != "":
		err = releaseDir(o, stdout)
	case o.branch != "":
		err = releaseBranch(o, stdout)
	case o.solutionBranch != "":
		err = solutionBranch(o, stdout)
	default:
		err = gradescopeZip(o, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "release: %v\n", err)
		var usage usageError
		if errors.As(err, &usage) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stdout, "release: done in %.1fs\n", time.Since(start).Seconds())
	return 0
}

// A usageError is a mistake in how the command was called.
type usageError struct{ error }
