package main

import (
	_ "embed"
	"fmt"
	"path"
	"strings"
	"text/template"

	"golabs/internal/catalog"
)

// The student tree's README.md: a template filled with the Go version of
// go.mod and the catalogue's labs. The repository's own README.md speaks to
// course staff and stays in the solution tree.
//
//go:embed student/README.md
var studentReadmeText string

// readmeData fills the student README's template.
type readmeData struct {
	GoVersion string         // the Go release go.mod requires: "1.25.0"
	Labs      []*catalog.Lab // in course order
}

// readmeFuncs are the functions the student README's template calls.
var readmeFuncs = template.FuncMap{
	// dirs returns the directories of the labs' packages, in course
	// order, each with a trailing slash: "crawler/".
	"dirs": func(labs []*catalog.Lab) []string {
		var dirs []string
		for _, lab := range labs {
			for _, p := range lab.Packages {
				dirs = append(dirs, path.Clean(strings.TrimPrefix(p, "./"))+"/")
			}
		}
		return dirs
	},
}

// studentReadme renders the student README for the tree t, whose labs are
// labs.
func studentReadme(t tree, labs []*catalog.Lab) (file, error) {
	gomod, ok := t["go.mod"]
	if !ok {
		return file{}, fmt.Errorf("the tree has no go.mod")
	}
	v, err := goVersion(gomod.data)
	if err != nil {
		return file{}, err
	}
	tmpl, err := template.New("README.md").Option("missingkey=error").Funcs(readmeFuncs).Parse(studentReadmeText)
	if err != nil {
		return file{}, fmt.Errorf("release/student/README.md: %v", err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, readmeData{GoVersion: v, Labs: labs}); err != nil {
		return file{}, fmt.Errorf("release/student/README.md: %v", err)
	}
	mode := t["README.md"].mode
	if mode == 0 {
		mode = 0o644
	}
	return file{data: []byte(b.String()), mode: mode}, nil
}

// treeFor makes the tree of the given flavour from the kit's files src,
// read from the repository at root: the tree transform makes, with the
// student README as README.md in the student and pristine trees.
func treeFor(root string, src tree, fl flavour) (tree, error) {
	t, err := transform(src, fl)
	if err != nil || fl == solutionTree {
		return t, err
	}
	labs, err := catalog.Load(root)
	if err != nil {
		return nil, fmt.Errorf("reading the catalogue: %v", err)
	}
	readme, err := studentReadme(t, labs)
	if err != nil {
		return nil, fmt.Errorf("the student README: %v", err)
	}
	t["README.md"] = readme
	return t, nil
}
