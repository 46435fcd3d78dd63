package report

import (
	"regexp"
	"strings"
	"testing"
)

// checkReport checks that the HTML page is whole, self-contained, and holds
// each of the snippets.
func checkReport(t *testing.T, page string, snippets ...string) {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("report.html is not a whole page:\n%s", page)
	}
	for _, tag := range []string{"table", "svg", "tr", "td", "th", "style", "head", "body", "code", "text", "title"} {
		open := len(regexp.MustCompile(`<`+tag+`[ >]`).FindAllString(page, -1))
		if closed := strings.Count(page, "</"+tag+">"); open != closed || (tag == "table" && open == 0) {
			t.Errorf("report.html has %d <%s> and %d </%s>", open, tag, closed, tag)
		}
	}
	// No reference to the network: no link, script, image or font to load.
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", `src="`, `href="`, "@import", "url(", "http://", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html holds %q: it must open offline and run nothing", bad)
		}
	}
	for _, s := range snippets {
		if !strings.Contains(page, s) {
			t.Errorf("report.html lacks %q:\n%s", s, page)
		}
	}
}

// TestBatchReportEscapes renders a report whose ids and reasons come from
// a malicious submission: they are shown, escaped, never run.
func TestBatchReportEscapes(t *testing.T) {
	book := &Gradebook{
		Selection: Selection{Labs: []string{"calc"}, Run: "<i>"}, MaxScore: 5,
		Labs: []GradebookLab{{ID: "calc", MaxScore: 5, Tests: []GradebookTest{{Name: "TestAdd", Package: "./calc", MaxPoints: 5, Column: "calc/TestAdd"}}}},
		Submissions: []*Record{
			{ID: "<script>alert(1)</script>", Source: "x.zip", Status: StatusBroken, Reason: `entry "<img src=x onerror=alert(1)>" is a symbolic link`},
			{ID: "eve", Status: StatusGraded, Score: 0, MaxScore: 5, Notes: []string{"<b>bold</b>"}, Labs: []*Lab{{ID: "calc", MaxScore: 5,
				Tests: []*Test{{Name: "TestAdd", Package: "./calc", MaxPoints: 5, Result: Fail, Reason: "</td></tr></table><script>", Seconds: 1.5}}}}},
		},
	}
	page, err := book.HTML()
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, string(page), "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
		"&lt;b&gt;bold&lt;/b&gt;", "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;", "<td class=\"num\">1.50s</td>",
		"calc: the tests matching &lt;i&gt;")
}
