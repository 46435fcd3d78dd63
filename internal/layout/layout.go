// Package layout says what each file of the kit is: a student's file, a
// reference solution, a mutant, a hidden test, a protected file that
// grading checks, or a file that only course staff keep. The grader's
// integrity check and manifest, the batch grader's pristine copy, the
// release tool's student tree and the Gradescope autograder all ask here,
// so that the rules of the layout (docs/instructors.md) are written once.
//
// Paths are slash-separated and relative to the kit's root.
package layout

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golabs/internal/catalog"
	"golabs/internal/manifest"
)

// ManifestFile holds the sums of the protected files.
const ManifestFile = catalog.Dir + "/manifest.sha256"

// A Kind is what a file of the kit is.
type Kind int

const (
	// Other is a file of no lab that grading does not depend on: a
	// handout, a README.
	Other Kind = iota
	// Student is a file the catalogue names as a student's.
	Student
	// Reference is a reference solution: *_solution.go.
	Reference
	// Mutant is a known-buggy variant of a reference: testdata/mutants/.
	Mutant
	// Hidden is a file built only with the private tag: hidden tests.
	Hidden
	// Protected is a file a student must not change and grading depends
	// on: a lab's other files (its package directories and their
	// testdata), the catalogue, everything under internal/, grader/ and labvet/,
	// go.mod, go.sum and the Makefile. Its sum is in the manifest.
	Protected
	// Staff is a file that never leaves the course staff's repository:
	// the kit's CI, the instructors' guides, the release tool.
	Staff
)

var kindNames = [...]string{"other", "student", "reference", "mutant", "hidden", "protected", "staff"}

func (k Kind) String() string { return kindNames[k] }

// staffOnly lists the path prefixes of Staff files; one that ends in "/" is
// a directory.
var staffOnly = []string{
	".ci/",            // the kit's CI runs the self-check, which needs the references
	"docs/instructor", // guides for course staff (instructors.md, instructors/ ...)
	"release/",        // the release tool
}

// sharedFiles are the protected files outside internal/ and grader/ that
// every lab depends on.
var sharedFiles = []string{"go.mod", "go.sum", "Makefile"}

// IsReference reports whether name is a reference solution.
func IsReference(name string) bool { return strings.HasSuffix(name, "_solution.go") }

// IsMutant reports whether name lies under a testdata/mutants directory.
func IsMutant(name string) bool { return strings.Contains("/"+name, "/testdata/mutants/") }

// IsStaff reports whether name never leaves the course staff's repository.
func IsStaff(name string) bool {
	return slices.ContainsFunc(staffOnly, func(prefix string) bool { return strings.HasPrefix(name, prefix) })
}

// Pristine reports whether name belongs in a pristine tree, the one that
// official grading copies a submission's student files into: the kit less
// its reference solutions, its mutants and what only course staff keep.
func Pristine(name string) bool { return !IsReference(name) && !IsMutant(name) && !IsStaff(name) }

// Shared reports whether name matters to every lab: go.mod, go.sum, the
// Makefile, internal/, grader/ and labvet/ (which the grader's self-check
// imports).
func Shared(name string) bool {
	return slices.Contains(sharedFiles, name) ||
		strings.HasPrefix(name, "internal/") || strings.HasPrefix(name, "grader/") || strings.HasPrefix(name, "labvet/")
}

// PackageDir returns the directory of a catalogue package ("./kv/server")
// as a slash path relative to the root ("kv/server").
func PackageDir(pkg string) string { return strings.TrimPrefix(pkg, "./") }

// InLab reports whether name lies in one of lab's package directories or
// in a testdata directory below one. Other subdirectories are packages of
// their own.
func InLab(name string, lab *catalog.Lab) bool {
	for _, pkg := range lab.Packages {
		dir := PackageDir(pkg)
		if path.Dir(name) == dir || strings.HasPrefix(name, dir+"/testdata/") {
			return true
		}
	}
	return false
}

// Concerns reports whether name matters when labs are graded: it is
// shared, a catalogue file of one of them, or in one of them.
func Concerns(name string, labs []*catalog.Lab) bool {
	if Shared(name) {
		return true
	}
	return slices.ContainsFunc(labs, func(lab *catalog.Lab) bool { return name == lab.File || InLab(name, lab) })
}

// A Kit is the kit's tree at Root with its catalogue.
type Kit struct {
	Root string         // absolute
	Labs []*catalog.Lab // the whole catalogue

	once     sync.Once
	students map[string]bool // the student files, made once for Kind
}

// StudentFiles returns the student files of every lab.
func (k *Kit) StudentFiles() []string {
	var files []string
	for _, lab := range k.Labs {
		files = append(files, lab.StudentFiles...)
	}
	return files
}

func (k *Kit) isStudent(name string) bool {
	k.once.Do(func() {
		k.students = map[string]bool{}
		for _, f := range k.StudentFiles() {
			k.students[f] = true
		}
	})
	return k.students[name]
}

// Kind says what the file name is. Telling a hidden test needs its build
// constraint, so Kind reads Go files of the labs.
func (k *Kit) Kind(name string) (Kind, error) {
	switch {
	case IsStaff(name):
		return Staff, nil
	case IsMutant(name):
		return Mutant, nil
	case k.isStudent(name):
		return Student, nil
	}
	catalogue := path.Dir(name) == catalog.Dir && path.Ext(name) == ".toml"
	if !Shared(name) && !catalogue && !slices.ContainsFunc(k.Labs, func(l *catalog.Lab) bool { return InLab(name, l) }) {
		return Other, nil
	}
	if IsReference(name) {
		return Reference, nil
	}
	if path.Ext(name) == ".go" {
		hidden, err := HiddenOnly(filepath.Join(k.Root, filepath.FromSlash(name)))
		if err != nil {
			return Other, err
		}
		if hidden {
			return Hidden, nil
		}
	}
	return Protected, nil
}

// Protected returns the protected files among names, sorted.
func (k *Kit) Protected(names []string) ([]string, error) {
	var files []string
	for _, name := range names {
		kind, err := k.Kind(name)
		if err != nil {
			return nil, err
		}
		if kind == Protected {
			files = append(files, name)
		}
	}
	slices.Sort(files)
	return files, nil
}

// Files returns the regular files of the tree at root: those git tracks
// (what a commit ships), or, where git is unavailable or root is not in a
// repository, every file outside .git directories (a release without its
// history). The note says which.
func Files(root string) (files []string, note string, err error) {
	files, gitErr := GitFiles(root, "--cached")
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

// WorkTree returns the regular files of the tree at root as a working
// copy has them: those git tracks or would track (not ignored), or every
// file outside .git where git is unavailable. A copy of the kit for
// grading is made of these.
func WorkTree(root string) ([]string, error) {
	files, err := GitFiles(root, "--cached", "--others", "--exclude-standard")
	if err != nil {
		files, _, err = Files(root)
	}
	return files, err
}

// GitFiles lists the regular files under root that git ls-files lists with
// the options (--cached: those git tracks; --others --exclude-standard:
// those it would track). A tracked file deleted from the work tree is left
// out.
func GitFiles(root string, options ...string) ([]string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("no git command")
	}
	var stderr bytes.Buffer
	cmd := exec.Command("git", append([]string{"-C", root, "ls-files", "-z"}, options...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			line, _, _ := strings.Cut(msg, "\n")
			return nil, fmt.Errorf("git ls-files: %s", line)
		}
		return nil, fmt.Errorf("git ls-files: %v", err)
	}
	var files []string
	for _, name := range strings.Split(string(out), "\x00") {
		if fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(name))); name != "" && err == nil && fi.Mode().IsRegular() {
			files = append(files, name)
		}
	}
	return files, nil
}

// Manifest returns the manifest of the protected files among names: their
// SHA-256 sums, as labs/manifest.sha256 holds them.
func (k *Kit) Manifest(names []string) (manifest.Manifest, error) {
	files, err := k.Protected(names)
	if err != nil {
		return nil, err
	}
	return manifest.Compute(k.Root, files)
}

// WriteManifest writes the manifest of the protected files among names to
// ManifestFile under the kit's root, whole or not at all, and returns it.
func (k *Kit) WriteManifest(names []string) (manifest.Manifest, error) {
	m, err := k.Manifest(names)
	if err != nil {
		return nil, err
	}
	return m, m.Write(filepath.Join(k.Root, filepath.FromSlash(ManifestFile)))
}
