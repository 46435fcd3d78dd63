package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/build/constraint"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golabs/internal/buildtag"
	"golabs/internal/catalog"
	"golabs/internal/manifest"
)

// manifestFile holds the sums of the protected files, relative to the root.
const manifestFile = catalog.Dir + "/manifest.sha256"

// sharedFiles are the protected files outside internal/ and grader/ that
// every lab depends on.
var sharedFiles = []string{"go.mod", "go.sum", "Makefile"}

// shared reports whether the protected file name matters to every lab.
func shared(name string) bool {
	return slices.Contains(sharedFiles, name) ||
		strings.HasPrefix(name, "internal/") || strings.HasPrefix(name, "grader/")
}

// inPackages reports whether name lies in one of the lab's package
// directories or in a testdata directory below one. Other subdirectories
// are packages of their own.
func inPackages(name string, lab *catalog.Lab) bool {
	for _, pkg := range lab.Packages {
		dir := strings.TrimPrefix(pkg, "./")
		if path.Dir(name) == dir || strings.HasPrefix(name, dir+"/testdata/") {
			return true
		}
	}
	return false
}

// concerns reports whether the protected file name matters when labs are
// graded: it is shared, or it belongs to one of them.
func concerns(name string, labs []*catalog.Lab) bool {
	if shared(name) {
		return true
	}
	for _, lab := range labs {
		if name == lab.File || inPackages(name, lab) {
			return true
		}
	}
	return false
}

// protectedFiles returns the protected files of the tree at root, sorted,
// and a note that says how the files were listed. all is the whole catalogue.
//
// The protected files are those a student must not change, as the student
// release has them: the files of each lab's package directories (and of their
// testdata) that are not student files, the catalogue files labs/*.toml,
// everything under internal/ and grader/, and go.mod, go.sum and the
// Makefile. The reference solutions (*_solution.go), the mutants
// (testdata/mutants/) and the hidden tests (files built only with the
// private tag) are left out: they are not shipped to students.
func protectedFiles(root string, all []*catalog.Lab) (files []string, note string, err error) {
	tree, note, err := listFiles(root)
	if err != nil {
		return nil, "", err
	}
	files, err = selectProtected(root, tree, all)
	return files, note, err
}

// selectProtected returns the protected files among those of the tree, sorted.
func selectProtected(root string, tree []string, all []*catalog.Lab) (files []string, err error) {
	var student []string
	for _, lab := range all {
		student = append(student, lab.StudentFiles...)
	}
	for _, name := range tree {
		catalogue := path.Dir(name) == catalog.Dir && path.Ext(name) == ".toml"
		if !shared(name) && !catalogue && !slices.ContainsFunc(all, func(l *catalog.Lab) bool { return inPackages(name, l) }) {
			continue
		}
		if slices.Contains(student, name) || strings.HasSuffix(name, "_solution.go") ||
			strings.Contains("/"+name, "/testdata/mutants/") {
			continue
		}
		if path.Ext(name) == ".go" {
			hidden, err := privateOnly(filepath.Join(root, filepath.FromSlash(name)))
			if err != nil {
				return nil, err
			}
			if hidden {
				continue
			}
		}
		files = append(files, name)
	}
	slices.Sort(files)
	return files, nil
}

// listFiles returns the regular files of the tree at root as slash paths
// relative to it: those git tracks (what a commit ships), or, where git is
// unavailable or root is not in a repository, every file outside .git
// directories (a release without its history). The note says which.
func listFiles(root string) (files []string, note string, err error) {
	files, gitErr := gitFiles(root, "--cached")
	if gitErr == nil {
		return files, "the files git tracks", nil
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case d.Type().IsRegular():
			rel, err := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
			return err
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("listing the files of %s: %v", root, err)
	}
	return files, fmt.Sprintf("every file of the tree, as git could not list them (%v)", gitErr), nil
}

// gitFiles lists the files under root that git ls-files lists with the
// options (--cached: the files git tracks).
func gitFiles(root string, options ...string) ([]string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("no git command")
	}
	var stderr bytes.Buffer
	cmd := exec.Command("git", append([]string{"-C", root, "ls-files", "-z"}, options...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("git ls-files: %s", firstLine(msg))
		}
		return nil, fmt.Errorf("git ls-files: %v", err)
	}
	var files []string
	for _, name := range strings.Split(string(out), "\x00") {
		// A tracked file deleted from the work tree is still listed.
		if fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name))); name != "" && err == nil && fi.Mode().IsRegular() {
			files = append(files, name)
		}
	}
	return files, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// privateOnly reports whether the Go file is built only with the private
// tag: its //go:build line cannot hold unless private is set.
func privateOnly(file string) (bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return false, fmt.Errorf("reading %s: %v", file, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if constraint.IsGoBuild(line) {
			expr, err := constraint.Parse(line)
			return err == nil && buildtag.Needs(expr, "private"), nil
		}
		if line != "" && !strings.HasPrefix(line, "//") {
			break // the package clause: no //go:build line
		}
	}
	return false, nil
}

// writeManifest stores the sums of the tree's protected files in
// labs/manifest.sha256 and says so on w. It warns on stderr of files that
// would be protected but that git does not track yet, so the manifest
// leaves them out.
func writeManifest(root string, all []*catalog.Lab, w, stderr io.Writer) error {
	files, note, err := protectedFiles(root, all)
	if err != nil {
		return fmt.Errorf("listing the protected files: %v", err)
	}
	m, err := manifest.Compute(root, files)
	if err != nil {
		return err
	}
	if err := m.Write(filepath.Join(root, filepath.FromSlash(manifestFile))); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s: %s of %s, from %s; commit it with them\n",
		manifestFile, plural(len(m), "protected file"), labNames(all), note)
	untracked, err := gitFiles(root, "--others", "--exclude-standard")
	if err != nil {
		return nil // no git: every file was listed
	}
	if left, err := selectProtected(root, untracked, all); err == nil && len(left) > 0 {
		fmt.Fprintf(stderr, "warning: the manifest leaves out %s that git does not track:\n  %s\n"+
			"git add those that belong to the kit, then run make manifest again\n",
			plural(len(left), "file"), strings.Join(left, "\n  "))
	}
	return nil
}

// Statuses of the check of the protected files.
const (
	integrityOK         = "ok"          // every protected file matches the manifest
	integrityChanged    = "changed"     // some were modified or are missing
	integrityNoManifest = "no_manifest" // there is no manifest to check them against
	integrityError      = "error"       // the manifest or a protected file could not be read
)

// An integrity is what the check of the graded labs' protected files against
// the manifest found. It is the "integrity" field of the JSON report.
type integrity struct {
	Manifest string   `json:"manifest"`           // the manifest, relative to the root
	Status   string   `json:"status"`             // one of the statuses above
	Checked  int      `json:"checked"`            // how many protected files were checked
	Modified []string `json:"modified,omitempty"` // protected files whose contents changed
	Missing  []string `json:"missing,omitempty"`  // protected files that are gone
	Warnings []string `json:"warnings,omitempty"` // what the report and standard error say

	problem string // why the files could not be checked, for the refusal
}

// checkIntegrity holds the protected files of labs against the manifest.
// Files the manifest lists for other labs are ignored.
func checkIntegrity(root string, labs []*catalog.Lab) *integrity {
	in := &integrity{Manifest: manifestFile}
	want, err := manifest.Read(filepath.Join(root, filepath.FromSlash(manifestFile)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		in.Status = integrityNoManifest
		in.problem = fmt.Sprintf("no manifest: %s does not exist, so the protected files cannot be checked", manifestFile)
		in.Warnings = []string{fmt.Sprintf("no manifest: cannot check the protected files (%s does not exist)", manifestFile)}
		return in
	case err != nil:
		return in.failed(err)
	}
	for name := range want {
		if !concerns(name, labs) {
			delete(want, name)
		}
	}
	got, err := manifest.Compute(root, want.Paths())
	if err != nil {
		return in.failed(err)
	}
	in.Checked = len(want)
	in.Modified, in.Missing, _ = manifest.Diff(want, got)
	in.Status = integrityOK
	if len(in.Modified)+len(in.Missing) > 0 {
		in.Status = integrityChanged
	}
	for _, name := range in.Modified {
		in.Warnings = append(in.Warnings, fmt.Sprintf("protected file %s was modified; official grading uses the pristine copy", name))
	}
	for _, name := range in.Missing {
		in.Warnings = append(in.Warnings, fmt.Sprintf("protected file %s is missing; official grading uses the pristine copy", name))
	}
	return in
}

func (in *integrity) failed(err error) *integrity {
	in.Status = integrityError
	in.problem = fmt.Sprintf("cannot check the protected files: %v", err)
	in.Warnings = []string{in.problem}
	return in
}

// ok reports whether every protected file was checked and matches.
func (in *integrity) ok() bool { return in.Status == integrityOK }

// warn prints the warnings on w, one a line, and a blank line after them.
func (in *integrity) warn(w io.Writer) {
	if in == nil {
		return
	}
	for _, msg := range in.Warnings {
		fmt.Fprintf(w, "warning: %s\n", msg)
	}
	if len(in.Warnings) > 0 {
		fmt.Fprintln(w)
	}
}

// refusal says why -strict does not grade, and what to do.
func (in *integrity) refusal() string {
	var b strings.Builder
	b.WriteString("grader: -strict: refusing to grade: ")
	restore := []string{manifestFile}
	if in.Status == integrityChanged {
		restore = append(slices.Clone(in.Modified), in.Missing...)
		slices.Sort(restore)
		verb := "do"
		if len(restore) == 1 {
			verb = "does"
		}
		fmt.Fprintf(&b, "%s of the graded labs %s not match %s:\n", plural(len(restore), "protected file"), verb, manifestFile)
		for _, name := range restore {
			how := "modified"
			if slices.Contains(in.Missing, name) {
				how = "missing"
			}
			fmt.Fprintf(&b, "  %s (%s)\n", name, how)
		}
	} else {
		fmt.Fprintf(&b, "%s\n", in.problem)
	}
	pronoun := "them"
	if len(restore) == 1 {
		pronoun = "it"
	}
	fmt.Fprintf(&b, "Restore %s with git checkout -- %s, then grade again.\n", pronoun, strings.Join(restore, " "))
	fmt.Fprintf(&b, "Course staff who changed protected files on purpose: run make manifest and commit %s.\n", manifestFile)
	return b.String()
}

// missedPoints returns the points the graded tests did not earn.
func missedPoints(results []*labResult) int {
	missed := 0
	for _, lr := range results {
		earned, max := lr.score()
		missed += max - earned
	}
	return missed
}

// checkManifest is a step of the self-check: the manifest must list exactly
// the protected files of the tree that concern labs, with their sums.
func (c *selfCheck) checkManifest(labs []*catalog.Lab, w io.Writer) {
	root := c.g.root
	stale := fmt.Sprintf("%s is out of date: run make manifest and commit it", manifestFile)
	want, err := manifest.Read(filepath.Join(root, filepath.FromSlash(manifestFile)))
	if errors.Is(err, fs.ErrNotExist) {
		c.problem("%s does not exist: run make manifest and commit it", manifestFile)
		fmt.Fprintf(w, "  %s  no manifest: the grader cannot tell students which provided files they changed\n", c.style.paint("FAIL", false))
		return
	}
	if err != nil {
		c.problem("%v: fix it, or run make manifest and commit it", err)
		fmt.Fprintf(w, "  %s  %v\n", c.style.paint("FAIL", false), err)
		return
	}
	all, err := catalog.Load(root)
	if err != nil {
		c.problem("checking %s: %v", manifestFile, err)
		return
	}
	files, _, err := protectedFiles(root, all)
	if err != nil {
		c.problem("checking %s: %v", manifestFile, err)
		return
	}
	files = slices.DeleteFunc(files, func(name string) bool { return !concerns(name, labs) })
	got, err := manifest.Compute(root, files)
	if err != nil {
		c.problem("checking %s: %v", manifestFile, err)
		return
	}
	for name := range want {
		if !concerns(name, labs) {
			delete(want, name)
		}
	}
	modified, missing, added := manifest.Diff(want, got)
	if len(modified)+len(missing)+len(added) == 0 {
		fmt.Fprintf(w, "  ok    %s of %s, each with its sum\n", plural(len(got), "protected file"), labNames(labs))
		return
	}
	c.problem("%s", stale)
	for _, d := range []struct {
		files []string
		what  string
	}{{modified, "changed since the manifest was written"}, {added, "protected, but not in the manifest"}, {missing, "in the manifest, but not protected or gone"}} {
		for _, name := range d.files {
			fmt.Fprintf(w, "  %s  %s: %s\n", c.style.paint("FAIL", false), name, d.what)
		}
	}
}
