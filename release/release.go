package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/layout"
	"golabs/internal/report"
	"golabs/internal/sandbox"
)

// makeTree reads the kit at root and writes the tree of the given flavour to
// dir, with a labs/manifest.sha256 computed for it by the grader.
func makeTree(root, dir string, fl flavour, lang string, w io.Writer) error {
	if files := untracked(root); len(files) > 0 {
		fmt.Fprintf(w, "release: warning: git does not track %d file(s), which the tree leaves out (git add those that belong to the kit):\n  %s\n",
			len(files), strings.Join(files, "\n  "))
	}
	src, err := readTracked(root)
	if err != nil {
		return err
	}
	t, err := treeFor(root, src, fl, lang)
	if err != nil {
		return err
	}
	if fl == studentTree {
		if found := leaks(t); len(found) > 0 {
			return fmt.Errorf("the student tree would give away:\n  %s\nmove such files to an instructor-only path or out of the tree", strings.Join(found, "\n  "))
		}
	}
	if err := t.write(dir); err != nil {
		return fmt.Errorf("writing the tree: %v", err)
	}
	if fl == solutionTree {
		return nil // the manifest lists no student file, so it stands as it is
	}
	return writeManifest(dir, t)
}

// writeManifest writes the manifest of the protected files of the tree t,
// written at dir.
func writeManifest(dir string, t tree) error {
	labs, err := catalog.Load(dir)
	if err != nil {
		return fmt.Errorf("writing the manifest of the tree: %v", err)
	}
	if _, err := (&layout.Kit{Root: dir, Labs: labs}).WriteManifest(t.paths()); err != nil {
		return fmt.Errorf("writing the manifest of the tree: %v", err)
	}
	return nil
}

// goCmd runs the go command in dir and returns its combined output. The tree
// in dir is treated as a plain directory: git is kept out of it, so the
// grader lists every file of the tree, and builds are not stamped with the
// version control information of a repository around it.
func goCmd(dir string, limit time.Duration, args ...string) (string, error) {
	return goCmdEnv(dir, limit, []string{"GIT_DIR=" + filepath.Join(dir, ".git-none"), "GOFLAGS=-buildvcs=false"}, args...)
}

// goCmdEnv runs the go command in dir with the extra environment and
// returns its combined output.
func goCmdEnv(dir string, limit time.Duration, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GORACE=atexit_sleep_ms=0"), env...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.String(), fmt.Errorf("go %s: no result within %v", strings.Join(args, " "), limit)
	}
	if err != nil {
		return out.String(), fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, indent(out.String()))
	}
	return out.String(), nil
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// verifyStudentTree proves the student tree at dir: it builds and vets,
// grading it (the labs, or every lab when labs is empty) earns no point, and
// every command its documents give builds (checkCommands). It returns how
// long grading took.
func verifyStudentTree(dir string, labs string, w io.Writer) (time.Duration, error) {
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		if _, err := goCmd(dir, 5*time.Minute, args...); err != nil {
			return 0, fmt.Errorf("the student tree does not pass go %s: %v", args[0], err)
		}
		fmt.Fprintf(w, "  ok    go %s\n", strings.Join(args, " "))
	}
	start := time.Now()
	rep, err := gradeStubs(dir, labs)
	took := time.Since(start)
	if err != nil {
		return took, fmt.Errorf("grading the student tree: %v", err)
	}
	if rep.Score != 0 {
		return took, fmt.Errorf("grading the student tree earns %d/%d points: the stubs must earn nothing; are references shipped as stubs?", rep.Score, rep.MaxScore)
	}
	if !rep.Integrity.OK() {
		return took, fmt.Errorf("grading the student tree: its protected files do not match its manifest (status %q)", rep.Integrity.Status)
	}
	fmt.Fprintf(w, "  ok    grading the stubs: 0/%d points in %.1fs, manifest ok\n", rep.MaxScore, took.Seconds())
	return took, checkCommands(dir, w)
}

// gradeStubs grades the tree at dir as a student's (the labs named, a
// comma list, or every lab when labs is empty), and checks its protected
// files against its manifest.
func gradeStubs(dir, labs string) (*report.Report, error) {
	all, err := catalog.Load(dir)
	if err != nil {
		return nil, err
	}
	graded := all
	if labs != "" {
		graded = slices.DeleteFunc(slices.Clone(all), func(l *catalog.Lab) bool { return !slices.Contains(strings.Split(labs, ","), l.ID) })
	}
	ctx := context.Background()
	g, err := grading.New(ctx, grading.Options{Root: dir, Par: runtime.NumCPU(), Sandbox: sandbox.Detect()})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	rep, err := g.GradeAll(ctx, graded, grading.Selection{})
	if err != nil {
		return nil, err
	}
	rep.Integrity = grading.CheckIntegrity(dir, graded)
	return rep, nil
}

// releaseDir writes the student tree to o.out and verifies it.
func releaseDir(o options, w io.Writer) error {
	out, err := filepath.Abs(o.out)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(out, o.root); err == nil && !strings.HasPrefix(rel, "..") {
		return usageError{fmt.Errorf("-out %s holds the repository itself: name a directory outside it", o.out)}
	}
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0 && !o.force:
		return usageError{fmt.Errorf("-out %s is not empty: name a new or empty directory, or add -force to replace its contents", o.out)}
	case len(entries) > 0 && !looksLikeKit(out):
		return usageError{fmt.Errorf("-out %s is not empty and holds no earlier release (no go.mod and labs/): -force replaces only a release; empty the directory yourself or name another", o.out)}
	default:
		for _, e := range entries {
			if e.Name() == ".git" {
				continue // a checkout of the students' repository keeps its history
			}
			if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := makeTree(o.root, out, studentTree, o.lang, w); err != nil {
		return err
	}
	fmt.Fprintf(w, "release: wrote the student tree to %s\n", out)
	if o.noVerify {
		return nil
	}
	_, err = verifyStudentTree(out, "", w)
	return err
}

// releaseBranch commits the student tree, verified, on the branch o.branch.
func releaseBranch(o options, w io.Writer) error {
	dir, err := os.MkdirTemp("", "release-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := makeTree(o.root, dir, studentTree, o.lang, w); err != nil {
		return err
	}
	if !o.noVerify {
		if _, err := verifyStudentTree(dir, "", w); err != nil {
			return err
		}
	}
	return commitTree(o.root, dir, o.branch, "Student release", w)
}

// solutionBranch commits the kit with the references in place of the stubs
// on the branch o.solutionBranch, after go test -race passed on it, on every
// package but the grader's.
func solutionBranch(o options, w io.Writer) error {
	dir, err := os.MkdirTemp("", "solution-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := makeTree(o.root, dir, solutionTree, o.lang, w); err != nil {
		return err
	}
	if !o.noVerify {
		start := time.Now()
		list, err := goCmd(dir, 5*time.Minute, "list", "-f", "{{.Dir}}", "./...")
		if err != nil {
			return fmt.Errorf("the solution tree does not load: %v", err)
		}
		// The grader's own tests work on the instructor tree's layout (the
		// references as *_solution.go), which this tree no longer has.
		var pkgs []string
		for _, d := range strings.Split(strings.TrimSpace(list), "\n") {
			rel, err := filepath.Rel(dir, d)
			if err != nil || rel == "grader" || strings.HasPrefix(rel, "grader"+string(filepath.Separator)) {
				continue
			}
			pkgs = append(pkgs, "./"+filepath.ToSlash(rel))
		}
		args := append([]string{"test", "-race", "-count=1", "-tags", "private"}, pkgs...)
		if _, err := goCmd(dir, 15*time.Minute, args...); err != nil {
			return fmt.Errorf("the solution tree fails its tests: %v", err)
		}
		fmt.Fprintf(w, "  ok    go test -race -tags private on %d packages (all but the grader's) in %.1fs\n", len(pkgs), time.Since(start).Seconds())
	}
	return commitTree(o.root, dir, o.solutionBranch, "Reference solutions in place of the stubs", w)
}

// commitTree commits the files of dir as the whole tree of a new commit on
// branch, on top of the branch if it exists. It works through a temporary
// index, so the repository's working tree, index and current branch are left
// alone; it refuses a branch that is checked out.
func commitTree(root, dir, branch, message string, w io.Writer) error {
	ref := "refs/heads/" + branch
	if _, err := gitOutput(root, nil, "check-ref-format", ref); err != nil {
		return usageError{fmt.Errorf("%q is not a valid branch name", branch)}
	}
	if head, err := gitOutput(root, nil, "symbolic-ref", "-q", "HEAD"); err == nil && strings.TrimSpace(head) == ref {
		return usageError{fmt.Errorf("branch %s is checked out here: switch to another branch first, so that its working tree is not overwritten", branch)}
	}
	index, err := os.CreateTemp("", "release-index-")
	if err != nil {
		return err
	}
	index.Close()
	os.Remove(index.Name()) // git wants to create it
	defer os.Remove(index.Name())
	env := []string{"GIT_INDEX_FILE=" + index.Name()}
	if _, err := gitOutput(root, env, "--work-tree="+dir, "add", "-A", "-f", "."); err != nil {
		return err
	}
	treeID, err := gitOutput(root, env, "write-tree")
	if err != nil {
		return err
	}
	treeID = strings.TrimSpace(treeID)
	args := []string{"commit-tree", treeID, "-m", message}
	parent, err := gitOutput(root, nil, "rev-parse", "-q", "--verify", ref+"^{commit}")
	parent = strings.TrimSpace(parent)
	if err == nil && parent != "" {
		oldTree, _ := gitOutput(root, nil, "rev-parse", parent+"^{tree}")
		if strings.TrimSpace(oldTree) == treeID {
			fmt.Fprintf(w, "release: branch %s already holds this tree (%.12s); nothing to commit\n", branch, parent)
			return nil
		}
		args = append(args, "-p", parent)
	}
	commit, err := gitOutput(root, nil, args...)
	if err != nil {
		return fmt.Errorf("%v (set git config user.name and user.email)", err)
	}
	commit = strings.TrimSpace(commit)
	if _, err := gitOutput(root, nil, "update-ref", "-m", "release: "+message, ref, commit, parent); err != nil {
		return err
	}
	fmt.Fprintf(w, "release: committed %.12s on branch %s\n", commit, branch)
	return nil
}

// looksLikeKit reports whether dir holds a tree of the kit, such as an
// earlier release: a go.mod and a labs directory.
func looksLikeKit(dir string) bool {
	_, errMod := os.Stat(filepath.Join(dir, "go.mod"))
	fi, errLabs := os.Stat(filepath.Join(dir, "labs"))
	return errMod == nil && errLabs == nil && fi.IsDir()
}
