package main

import (
	_ "embed"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"text/template"

	"golabs/internal/catalog"
)

// The student tree's README.md: a template filled with the Go version of
// go.mod and the catalogue's labs, in English and in Simplified Chinese.
// The repository's own README.md speaks to course staff and stays in the
// solution tree.
var (
	//go:embed student/README.md
	studentReadmeText string
	//go:embed student/README.zh.md
	studentReadmeZhText string
)

// readmes are the student READMEs, one per language, the default first:
// README.md is in one of them, and the other goes to README.<lang>.md.
var readmes = []struct {
	lang, src, text string
}{
	{"en", "release/student/README.md", studentReadmeText},
	{"zh", "release/student/README.zh.md", studentReadmeZhText},
}

// languages returns the languages of readmes, the default first.
func languages() []string {
	var out []string
	for _, r := range readmes {
		out = append(out, r.lang)
	}
	return out
}

// readmeData fills the student README's template.
type readmeData struct {
	GoVersion string         // the Go release go.mod requires: "1.25.0"
	Labs      []*catalog.Lab // in course order
	Other     string         // the file of the README in the other language: "README.zh.md"
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
	// zh returns where the Simplified Chinese version of a document is:
	// "docs/zh/crawler.md" for "docs/crawler.md".
	"zh": zhDoc,
}

// zhDoc returns where the Simplified Chinese version of the document doc
// is: in docs/zh/, under the same name.
func zhDoc(doc string) string { return path.Join("docs/zh", path.Base(doc)) }

// readmeName returns the file the README in language lang goes to in a
// tree whose README.md is in language first.
func readmeName(lang, first string) string {
	if lang == first {
		return "README.md"
	}
	return "README." + lang + ".md"
}

// studentReadmes renders the student READMEs for the tree t, whose labs are
// labs: README.md in the language first, and each other as
// README.<lang>.md. Each README links to the other on its first line.
func studentReadmes(t tree, labs []*catalog.Lab, first string) (tree, error) {
	if !slices.Contains(languages(), first) {
		return nil, usageError{fmt.Errorf("no student README in %q: the languages are %s", first, strings.Join(languages(), ", "))}
	}
	gomod, ok := t["go.mod"]
	if !ok {
		return nil, fmt.Errorf("the tree has no go.mod")
	}
	v, err := goVersion(gomod.data)
	if err != nil {
		return nil, err
	}
	mode := t["README.md"].mode
	if mode == 0 {
		mode = 0o644
	}
	out := tree{}
	for i, r := range readmes {
		other := readmes[1-i].lang // there are two
		tmpl, err := template.New(r.src).Option("missingkey=error").Funcs(readmeFuncs).Parse(r.text)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", r.src, err)
		}
		var b strings.Builder
		if err := tmpl.Execute(&b, readmeData{GoVersion: v, Labs: labs, Other: readmeName(other, first)}); err != nil {
			return nil, fmt.Errorf("%s: %v", r.src, err)
		}
		out[readmeName(r.lang, first)] = file{data: []byte(b.String()), mode: mode}
	}
	return out, nil
}

// treeFor makes the tree of the given flavour from the kit's files src,
// read from the repository at root: the tree transform makes, with the
// student README as README.md in the student and pristine trees.
func treeFor(root string, src tree, fl flavour, lang string) (tree, error) {
	t, err := transform(src, fl)
	if err != nil || fl == solutionTree {
		return t, err
	}
	labs, err := catalog.Load(root)
	if err != nil {
		return nil, fmt.Errorf("reading the catalogue: %v", err)
	}
	readmes, err := studentReadmes(t, labs, lang)
	if err != nil {
		return nil, fmt.Errorf("the student README: %w", err)
	}
	maps.Copy(t, readmes)
	return t, nil
}
