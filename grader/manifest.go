package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"golabs/internal/catalog"
	"golabs/internal/layout"
	"golabs/internal/manifest"
	"golabs/internal/report"
)

// runManifest writes labs/manifest.sha256, the sums of the protected files
// (see package layout), for the whole tree.
func runManifest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var root string
	fs := newFlagSet("grader manifest", fmt.Sprintf("usage: go run ./grader manifest\n\nWrites %s, the SHA-256 sums of the protected files of every lab;\ncommit it with them.\n", layout.ManifestFile), stderr)
	fs.StringVar(&root, "root", "", "the kit's repository `dir` (default: found from the working directory)")
	if code := parse(fs, args, stderr, nil); code >= 0 {
		return code
	}
	k := kitFlags{root: root}
	root, all, _, err := k.load()
	if err == nil {
		err = writeManifest(root, all, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "grader manifest: %v\n", err)
		return exitSetup
	}
	return exitOK
}

// protectedFiles returns the protected files of the tree at root, sorted,
// and a note that says how the files were listed. all is the whole
// catalogue.
func protectedFiles(root string, all []*catalog.Lab) (files []string, note string, err error) {
	tree, note, err := layout.Files(root)
	if err != nil {
		return nil, "", err
	}
	files, err = (&layout.Kit{Root: root, Labs: all}).Protected(tree)
	return files, note, err
}

// writeManifest stores the sums of the tree's protected files in
// labs/manifest.sha256 and says so on w. It warns on stderr of files that
// would be protected but that git does not track yet, so the manifest
// leaves them out.
func writeManifest(root string, all []*catalog.Lab, w, stderr io.Writer) error {
	names, note, err := layout.Files(root)
	if err != nil {
		return fmt.Errorf("listing the files: %v", err)
	}
	m, err := (&layout.Kit{Root: root, Labs: all}).WriteManifest(names)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s: %s of %s, from %s; commit it with them\n",
		layout.ManifestFile, report.Plural(len(m), "protected file"), labNames(all), note)
	untracked, err := layout.GitFiles(root, "--others", "--exclude-standard")
	if err != nil {
		return nil // no git: every file was listed
	}
	if left, err := (&layout.Kit{Root: root, Labs: all}).Protected(untracked); err == nil && len(left) > 0 {
		fmt.Fprintf(stderr, "warning: the manifest leaves out %s that git does not track:\n  %s\n"+
			"git add those that belong to the kit, then run make manifest again\n",
			report.Plural(len(left), "file"), strings.Join(left, "\n  "))
	}
	return nil
}

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
	files, _, err := protectedFiles(root, c.all)
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
