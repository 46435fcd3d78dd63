package selfcheck

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"

	"golabs/internal/catalog"
	"golabs/internal/layout"
	"golabs/internal/manifest"
	"golabs/internal/report"
)

// checkManifest is a step of the self-check: the manifest must list exactly
// the protected files of the tree that concern labs, with their sums.
func (c *selfCheck) checkManifest(labs []*catalog.Lab, w io.Writer) {
	root := c.g.Root()
	want, err := manifest.Read(filepath.Join(root, filepath.FromSlash(layout.ManifestFile)))
	if errors.Is(err, fs.ErrNotExist) {
		c.problem("%s does not exist: run make manifest and commit it", layout.ManifestFile)
		fmt.Fprintf(w, "  %s  no manifest: the grader cannot tell students which provided files they changed\n", c.style.Paint("FAIL", false))
		return
	}
	if err != nil {
		c.problem("%v: fix it, or run make manifest and commit it", err)
		fmt.Fprintf(w, "  %s  %v\n", c.style.Paint("FAIL", false), err)
		return
	}
	names, _, err := layout.Files(root)
	if err != nil {
		c.problem("checking %s: %v", layout.ManifestFile, err)
		return
	}
	files, err := (&layout.Kit{Root: root, Labs: c.all}).Protected(names)
	if err != nil {
		c.problem("checking %s: %v", layout.ManifestFile, err)
		return
	}
	files = slices.DeleteFunc(files, func(name string) bool { return !layout.Concerns(name, labs) })
	got, err := manifest.Compute(root, files)
	if err != nil {
		c.problem("checking %s: %v", layout.ManifestFile, err)
		return
	}
	for name := range want {
		if !layout.Concerns(name, labs) {
			delete(want, name)
		}
	}
	modified, missing, added := manifest.Diff(want, got)
	if len(modified)+len(missing)+len(added) == 0 {
		fmt.Fprintf(w, "  ok    %s of %s, each with its sum\n", report.Plural(len(got), "protected file"), labNames(labs))
		return
	}
	c.problem("%s is out of date: run make manifest and commit it", layout.ManifestFile)
	for _, d := range []struct {
		files []string
		what  string
	}{{modified, "changed since the manifest was written"}, {added, "protected, but not in the manifest"}, {missing, "in the manifest, but not protected or gone"}} {
		for _, name := range d.files {
			fmt.Fprintf(w, "  %s  %s: %s\n", c.style.Paint("FAIL", false), name, d.what)
		}
	}
}
