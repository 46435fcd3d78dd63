package grading

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"golabs/internal/catalog"
	"golabs/internal/layout"
	"golabs/internal/manifest"
	"golabs/internal/report"
)

// CheckIntegrity holds the protected files of labs (see package layout)
// against the manifest at root. Files the manifest lists for other labs
// are ignored.
func CheckIntegrity(root string, labs []*catalog.Lab) *report.Integrity {
	in := &report.Integrity{Manifest: layout.ManifestFile}
	want, err := manifest.Read(filepath.Join(root, filepath.FromSlash(layout.ManifestFile)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		in.Status = report.IntegrityNoManifest
		in.Problem = fmt.Sprintf("no manifest: %s does not exist, so the protected files cannot be checked", layout.ManifestFile)
		in.Warnings = []string{fmt.Sprintf("no manifest: cannot check the protected files (%s does not exist)", layout.ManifestFile)}
		return in
	case err != nil:
		return integrityFailed(in, err)
	}
	for name := range want {
		if !layout.Concerns(name, labs) {
			delete(want, name)
		}
	}
	got, err := manifest.Compute(root, want.Paths())
	if err != nil {
		return integrityFailed(in, err)
	}
	in.Checked = len(want)
	in.Modified, in.Missing, _ = manifest.Diff(want, got)
	in.Status = report.IntegrityOK
	if len(in.Modified)+len(in.Missing) > 0 {
		in.Status = report.IntegrityChanged
	}
	for _, name := range in.Modified {
		in.Warnings = append(in.Warnings, fmt.Sprintf("protected file %s was modified; official grading uses the pristine copy", name))
	}
	for _, name := range in.Missing {
		in.Warnings = append(in.Warnings, fmt.Sprintf("protected file %s is missing; official grading uses the pristine copy", name))
	}
	return in
}

func integrityFailed(in *report.Integrity, err error) *report.Integrity {
	in.Status = report.IntegrityError
	in.Problem = fmt.Sprintf("cannot check the protected files: %v", err)
	in.Warnings = []string{in.Problem}
	return in
}

// KitHash returns the SHA-256 of what decides the grading of labs in the
// tree at root, as a copy for grading has it (layout.WorkTree): their
// protected files (tests, provided code, catalogue, the grader) and their
// hidden tests. It changes when the tests do; a batch records it to know
// when an earlier result is stale.
func KitHash(root string, all, labs []*catalog.Lab) (string, error) {
	names, err := layout.WorkTree(root)
	if err != nil {
		return "", err
	}
	kit := &layout.Kit{Root: root, Labs: all}
	var files []string
	for _, name := range names {
		kind, err := kit.Kind(name)
		if err != nil {
			return "", err
		}
		if (kind == layout.Protected || kind == layout.Hidden) && layout.Concerns(name, labs) {
			files = append(files, name)
		}
	}
	m, err := manifest.Compute(root, files)
	if err != nil {
		return "", err
	}
	return m.Hash()
}
