package handouts

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golabs/internal/catalog"
	"golabs/internal/translation"
)

// root is the repository's root, from this package's directory.
const root = "../.."

// zhDir holds the Simplified Chinese documents; glossary.md, its list of
// terms, has no English original.
const (
	zhDir    = "docs/zh"
	glossary = "docs/zh/glossary.md"
)

// translated returns the documents that must have a Simplified Chinese
// version, from the repository root: every lab's handout, in course
// order, the students' grading guide and labvet's guide.
func translated(t *testing.T) []string {
	t.Helper()
	labs, err := catalog.Load(root)
	if err != nil {
		t.Fatalf("reading the catalogue: %v", err)
	}
	var docs []string
	for _, lab := range labs {
		if lab.Handout != "" {
			docs = append(docs, lab.Handout)
		}
	}
	return append(docs, "docs/grading.md", "docs/labvet.md")
}

// zhPath returns where the translation of the document doc is.
func zhPath(doc string) string { return path.Join(zhDir, path.Base(doc)) }

// counterpart maps a link target to the translation of the document it
// names when that document is one of docs, and keeps it otherwise.
func counterpart(docs []string) func(string) string {
	return func(target string) string {
		if slices.Contains(docs, target) {
			return zhPath(target)
		}
		return target
	}
}

// drift compares the document orig, whose text is origText, with its
// translation's text transText, and returns the differences, formatted.
func drift(t *testing.T, docs []string, orig, origText, transText string) []string {
	t.Helper()
	o, err := translation.Parse(orig, origText)
	if err != nil {
		t.Fatal(err)
	}
	z, err := translation.Parse(zhPath(orig), transText)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range translation.Compare(o, z, counterpart(docs)) {
		out = append(out, d.Format(orig, zhPath(orig)))
	}
	return out
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("%v", err)
	}
	return string(b)
}

// TestTranslations checks that each handout and the grading guide has a
// Simplified Chinese version in docs/zh/ that agrees with it on what must
// not drift (see package translation), and that docs/zh/ has no document
// whose original is gone.
func TestTranslations(t *testing.T) {
	docs := translated(t)
	for _, doc := range docs {
		t.Run(path.Base(doc), func(t *testing.T) {
			zh := zhPath(doc)
			if _, err := os.Stat(filepath.Join(root, zh)); err != nil {
				t.Fatalf("%s has no Simplified Chinese version: write %s (docs/zh/glossary.md lists the terms; "+
					"package internal/translation says what must stay as in English)", doc, zh)
			}
			diffs := drift(t, docs, doc, read(t, doc), read(t, zh))
			if len(diffs) == 0 {
				return
			}
			const show = 12
			more := ""
			if len(diffs) > show {
				more = fmt.Sprintf("\n\t... and %d more", len(diffs)-show)
				diffs = diffs[:show]
			}
			t.Errorf("%s and its translation %s have drifted apart: update the one that is behind, so that "+
				"headings, code blocks, commands, quoted messages, numbers, links and tables agree "+
				"(go test ./internal/handouts/ -run TestTranslations shows this again). Where, in the order of their lines:\n\t%s%s",
				doc, zh, strings.Join(diffs, "\n\t"), more)
		})
	}
	names, err := filepath.Glob(filepath.Join(root, zhDir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		zh := path.Join(zhDir, filepath.Base(name))
		if zh != glossary && !slices.ContainsFunc(docs, func(d string) bool { return zhPath(d) == zh }) {
			t.Errorf("%s translates no handout of the catalogue, nor docs/grading.md or docs/labvet.md: remove it, or add its original", zh)
		}
	}
}

// TestTranslationsCatchDrift changes Lab 1's handout in one language only,
// in each of the ways the check must catch, and expects a difference that
// names the changed line.
func TestTranslationsCatchDrift(t *testing.T) {
	docs := translated(t)
	const doc = "docs/crawler.md"
	en, zh := read(t, doc), read(t, zhPath(doc))
	if d := drift(t, docs, doc, en, zh); len(d) > 0 {
		t.Fatalf("%s and its translation differ before any change (TestTranslations says how):\n\t%s", doc, strings.Join(d, "\n\t"))
	}
	cases := []struct {
		name   string
		inZh   bool                       // change the translation, not the original
		change func(string) (string, int) // the text changed and the line, or "" if it found nothing to change
	}{
		{"a command in a code block", false, replaceLine(func(l string) bool { return strings.HasPrefix(l, "go test -race ./crawler/") },
			func(l string) string { return strings.Replace(l, "go test -race ./crawler/", "go test ./crawler/", 1) })},
		{"a command in the text", true, replaceLine(func(l string) bool { return strings.Contains(l, "`go run ./labvet") },
			func(l string) string { return strings.Replace(l, "`go run ./labvet", "`go run ./labvet -v", 1) })},
		{"a command in the English text", false, replaceLine(func(l string) bool { return strings.Contains(l, "`go run ./labvet") },
			func(l string) string { return strings.Replace(l, "`go run ./labvet", "`go vet", 1) })},
		{"the heading a translation names", true, replaceLine(func(l string) bool { return strings.HasPrefix(l, "<!-- en: Hints") },
			func(l string) string { return "<!-- en: Hints and pitfalls -->" })},
		{"a heading's words", false, replaceLine(func(l string) bool { return strings.HasPrefix(l, "## Hints") },
			func(l string) string { return "## Hints and pitfalls" })},
		{"a heading's level", true, replaceLine(func(l string) bool { return strings.HasPrefix(l, "## ") && strings.Contains(l, "D") },
			func(l string) string { return "#" + l })},
		{"a heading added", false, replaceLine(func(l string) bool { return strings.HasPrefix(l, "## Hints") },
			func(l string) string { return "## Pitfalls\n\n" + l })},
		{"points in a table", false, replaceLine(func(l string) bool { return strings.HasPrefix(l, "| A ") },
			func(l string) string { return strings.Replace(l, "20", "25", 1) })},
		{"a quoted failure message", true, replaceLine(func(l string) bool { return strings.Contains(l, "**`") },
			func(l string) string { return strings.Replace(l, "**`", "**`x", 1) })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, z := en, zh
			target, lang := &e, "English"
			if c.inZh {
				target, lang = &z, "Chinese"
			}
			changed, line := c.change(*target)
			if changed == "" {
				t.Fatalf("found nothing to change in the %s text: the case needs updating", lang)
			}
			*target = changed
			diffs := drift(t, docs, doc, e, z)
			if len(diffs) == 0 {
				t.Fatalf("changing %s at line %d of the %s text only: the check reported nothing", c.name, line, lang)
			}
			at := fmt.Sprintf("%s:%d", doc, line)
			if c.inZh {
				at = fmt.Sprintf("%s:%d", zhPath(doc), line)
			}
			if !slices.ContainsFunc(diffs, func(d string) bool {
				return strings.Contains(d, at+" ") || strings.Contains(d, at+")") || strings.Contains(d, at+":")
			}) {
				t.Errorf("changing %s at %s: no difference reported names that line:\n\t%s", c.name, at, strings.Join(diffs, "\n\t"))
			}
		})
	}
}

// replaceLine returns a change that replaces the first line that match
// accepts with what with makes of it, and also returns its number.
func replaceLine(match func(string) bool, with func(string) string) func(string) (string, int) {
	return func(text string) (string, int) {
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			if match(l) {
				lines[i] = with(l)
				return strings.Join(lines, "\n"), i + 1
			}
		}
		return "", 0
	}
}
