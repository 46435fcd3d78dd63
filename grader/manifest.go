package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"golabs/internal/catalog"
	"golabs/internal/layout"
	"golabs/internal/report"
)

// runManifest writes labs/manifest.sha256, the sums of the protected files
// (see package layout), for the whole tree.
func runManifest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var root string
	fs := newFlagSet("grader manifest", fmt.Sprintf("usage: go run ./grader manifest\n\nWrites %s, the SHA-256 sums of the protected files of every lab;\ncommit it with them.\n", layout.ManifestFile), stderr)
	fs.StringVar(&root, "root", "", "the kit's repository `dir` (default: found from the working directory)")
	if code := parse(fs, args, stderr, func() error {
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected argument %q%s", fs.Arg(0), ": the manifest covers every lab")
		}
		return nil
	}); code >= 0 {
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
