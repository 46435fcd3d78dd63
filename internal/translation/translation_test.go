package translation

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestCases runs the cases of testdata/*.txtar. Each archive holds an
// original, en.md, read as docs/lab.md; its translation, zh.md, read as
// docs/zh/lab.md; and want, the differences Compare must report, one per
// line as Difference.Format prints them (empty: none). docs/grading.md
// has the translation docs/zh/grading.md.
func TestCases(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases in testdata/ (%v)", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			parts := map[string]string{}
			for _, f := range a.Files {
				parts[f.Name] = string(f.Data)
			}
			for _, name := range []string{"en.md", "zh.md", "want"} {
				if _, ok := parts[name]; !ok {
					t.Fatalf("%s has no file %s", file, name)
				}
			}
			orig, err := Parse("docs/lab.md", parts["en.md"])
			if err != nil {
				t.Fatal(err)
			}
			trans, err := Parse("docs/zh/lab.md", parts["zh.md"])
			if err != nil {
				t.Fatal(err)
			}
			counterpart := func(p string) string {
				if p == "docs/grading.md" {
					return "docs/zh/grading.md"
				}
				return p
			}
			var got []string
			for _, d := range Compare(orig, trans, counterpart) {
				got = append(got, d.Format("docs/lab.md", "docs/zh/lab.md"))
			}
			want := strings.Split(strings.TrimSpace(parts["want"]), "\n")
			if want[0] == "" {
				want = nil
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s: Compare reported\n\t%s\nwant\n\t%s", file, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
		})
	}
}

// TestParseUnclosedBlock checks that a code block never closed is an
// error that names its line.
func TestParseUnclosedBlock(t *testing.T) {
	_, err := Parse("docs/x.md", "# X\n\ntext\n\n```sh\ngo test\n")
	if err == nil || !strings.Contains(err.Error(), "docs/x.md:5") {
		t.Errorf("Parse of an unclosed block: error %v, want one naming docs/x.md:5", err)
	}
}

// TestSlugs checks the anchors made from headings, Chinese ones included.
func TestSlugs(t *testing.T) {
	d, err := Parse("docs/x.md", "# Lab 1: a crawler\n## Part A: `Serial`\n## Part A: `Serial`\n## A 部分：串行爬虫（扩展）\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lab-1-a-crawler", "part-a-serial", "part-a-serial-1", "a-部分串行爬虫扩展"}
	if strings.Join(d.Slugs, " ") != strings.Join(want, " ") {
		t.Errorf("slugs %q, want %q", d.Slugs, want)
	}
}

// TestCodeSpans checks the code spans found as CommonMark finds them.
func TestCodeSpans(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"`a` and `b`", []string{"a", "b"}},
		{"``**`msg`**`` quoted", []string{"**`msg`**"}},
		{"a lone ` and `x`", []string{"and"}}, // CommonMark pairs the lone one with the next
		{"``never closed `x`", []string{"x"}},
		{"`wraps\n  over` lines", []string{"wraps over"}},
		{"no code", nil},
	} {
		if got := spanTexts(c.text); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("spanTexts(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestParseRefuses checks that Parse refuses the forms it cannot read,
// naming the line, rather than let them pass unchecked.
func TestParseRefuses(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"# X\n\nTitle\n=====\n", "docs/x.md:4: a heading underlined"},
		{"# X\n\nSome text\n---\n", "docs/x.md:4: a heading underlined"},
		{"# X\n\nSee [the guide][g].\n\n[g]: grading.md\n", "docs/x.md:5: a reference link definition"},
	} {
		if _, err := Parse("docs/x.md", c.text); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q): error %v, want one that says %q", c.text, err, c.want)
		}
	}
	// A rule after a blank line, and a line that starts with inline code
	// in triple backticks, are read.
	d, err := Parse("docs/x.md", "# X\n\ntext\n\n---\n\n```go x``` is code\n")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(d.Blocks) != 0 || len(d.Sections[1].Spans) != 1 {
		t.Errorf("Parse took inline ```go x``` for a code block: blocks %v, spans %v", d.Blocks, d.Sections[1].Spans)
	}
}
