package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/catalog"
)

// unescapedPipe matches a | that is not escaped with a backslash.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

func TestMarkdownReport(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	WriteMarkdown(&buf, sampleReport())
	md := buf.String()
	lines := strings.Split(strings.TrimSuffix(md, "\n"), "\n")

	assert.Equal(t, "**Score: 5/46**", lines[len(lines)-1], "the last line is the score")
	assert.Contains(t, md, "## Lab 1: Web crawler (`crawler`): 5/26\n")
	assert.Contains(t, md, "## Lab 2: Key/value server (`kv`): 0/20\n")

	var rows []string
	for _, l := range lines {
		if strings.HasPrefix(l, "| ") {
			rows = append(rows, l)
		}
	}
	require.Len(t, rows, 2*2+7+2, "a header and a rule per lab, and a row per test")
	for _, row := range rows {
		// A row of six cells has seven cell borders; an escaped | is not one.
		assert.Len(t, unescapedPipe.FindAllString(" "+row, -1), 7, "a reason's | must not split its cell: %s", row)
	}
	assert.Contains(t, md, "| TestFail | A. Serial crawler | 0/5 | ❌ FAIL | 1.0s | got a \\| b want &lt;b&gt; &amp; \\`c\\` |\n",
		"the reason's newline, |, HTML and backticks are escaped")
	assert.Contains(t, md, "| TestPass | A. Serial crawler | 5/5 | ✅ PASS | 0.3s |  |\n")
	assert.Contains(t, md, "⚠️ SKIPPED")

	// The failures' output, collapsed; not a pass's.
	assert.Contains(t, md, "<details><summary>TestFail: FAIL</summary>\n\n````text\n=== RUN   TestFail\n")
	assert.NotContains(t, md, "<summary>TestPass", "a pass shows no output")
	assert.NotContains(t, md, "<summary>TestGet", "a build failure shows the compiler once, not per test")
	assert.Contains(t, md, "`./kv` did not compile:\n\n```text\n# golabs/kv\nkv/server.go:3:2: undefined: x\n")
	assert.Equal(t, strings.Count(md, "<details>"), strings.Count(md, "</details>"))
	assert.Contains(t, md, "bytes of output cut", "a long output is bounded")
	assert.Less(t, len(md), 100<<10)
}

func TestMarkdownBudget(t *testing.T) {
	t.Parallel()
	lab := &catalog.Lab{ID: "big", Title: "Big", Order: 1, Packages: []string{"./big"}}
	l := &Lab{ID: lab.ID, Title: lab.Title, Spec: lab}
	for i := range 80 {
		t := NewTest(catalog.Test{Name: "Test" + strings.Repeat("X", i+1), Points: 1, Package: "./big"})
		t.Output = strings.Repeat("0123456789abcdef\n", 1000)
		t.Decide(Fail, "loud")
		t.SetElapsed(time.Second)
		l.Tests = append(l.Tests, t)
	}
	r := &Report{Labs: []*Lab{l}}
	r.Total()
	var buf bytes.Buffer
	WriteMarkdown(&buf, r)
	md := buf.String()
	assert.Less(t, len(md), markdownBudget+fileOutput+20<<10, "the summary stays within GitHub's limit")
	assert.Equal(t, 1, strings.Count(md, "is left out, to keep this summary short"))
	assert.Equal(t, 80, strings.Count(md, "❌ FAIL"), "every test keeps its row")
	assert.True(t, strings.HasSuffix(md, "**Score: 0/80**\n"))
}

func TestMarkdownEscaping(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a|b":                    `a\|b`,
		"line one\nline two":     "line one line two",
		"crlf\r\nend\ttab":       "crlf end tab",
		"<script>x</script>":     "&lt;script&gt;x&lt;/script&gt;",
		"*bold* _it_ [l](u)":     `\*bold\* \_it\_ \[l\](u)`,
		`back\slash | pipe`:      `back\\slash \| pipe`,
		"  padded  \n":           "padded",
		"http://a/?x=1&y=2":      "http://a/?x=1&amp;y=2",
		"~strike~ `code`":        "\\~strike\\~ \\`code\\`",
		"unchanged: 42 (ok).":    "unchanged: 42 (ok).",
		"\x1b[31mred\x1b[0m\x00": "red\uFFFD",
	} {
		assert.Equal(t, want, mdCell(in), "mdCell(%q)", in)
	}
	assert.Equal(t, "```text\nplain\n```\n", mdCode("plain\n"))
	assert.Equal(t, "`````text\na ```` b\n`````\n", mdCode("a ```` b"), "the fence is longer than any run of backticks")
	assert.Equal(t, "```text\nred \uFFFD\nnext\n```\n", mdCode("\x1b[1;31mred\x1b[0m \x00\r\nnext"), "no terminal escapes or control characters")
}
