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

// KitHash returns the SHA-256 of the manifest of labs' protected files as
// they are in the tree at root: it changes when their tests, the catalogue
// or the grader do. A batch records it to know when an earlier result is
// stale.
func KitHash(root string, all, labs []*catalog.Lab) (string, error) {
	names, _, err := layout.Files(root)
	if err != nil {
		return "", err
	}
	kit := &layout.Kit{Root: root, Labs: all}
	files, err := kit.Protected(names)
	if err != nil {
		return "", err
	}
	var mine []string
	for _, f := range files {
		if layout.Concerns(f, labs) {
			mine = append(mine, f)
		}
	}
	m, err := manifest.Compute(root, mine)
	if err != nil {
		return "", err
	}
	return m.Hash()
}
