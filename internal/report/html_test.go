package report

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
				Tests:    []*Test{{Name: "TestAdd", Package: "./calc", MaxPoints: 5, Result: Fail, Reason: "</td></tr></table><script>", Seconds: 1.5}},
				Feedback: []string{"calc/add.go:3:1: return with mu still locked <i> (unlockpath)", "calc/add.go:9:1: another (unlockpath)"}}}},
			{ID: "fay", Status: StatusGraded, Score: 5, MaxScore: 5, Labs: []*Lab{{ID: "calc", MaxScore: 5,
				Tests:    []*Test{{Name: "TestAdd", Package: "./calc", MaxPoints: 5, Result: Pass, Points: 5, Seconds: 1}},
				Feedback: []string{"calc/add.go:5:1: a check and a set in two critical sections (checkthenact)", "calc/add.go:7:1: return with mu still locked (unlockpath)"}}}},
		},
	}
	page, err := book.HTML()
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, string(page), "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
		"&lt;b&gt;bold&lt;/b&gt;", "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;", "<td class=\"num\">1.25s</td>",
		"calc: the tests matching &lt;i&gt;",
		"<td><code>unlockpath</code></td><td class=\"num\">2</td><td class=\"reason\">calc/add.go:3:1: return with mu still locked &lt;i&gt; (unlockpath)</td>",
		"<td><code>checkthenact</code></td><td class=\"num\">1</td>")
}

// layoutCheck is a script added to a copy of report.html for the browser
// test (the page itself runs none): it looks for text that does not fit
// where it is drawn, a label cut by its SVG or a cell whose content
// overflows, and writes what it finds into the page, for --dump-dom.
const layoutCheck = `<script>
const problems = [];
for (const text of document.querySelectorAll("svg text")) {
  const box = text.getBoundingClientRect(), svg = text.ownerSVGElement.getBoundingClientRect();
  if (box.width > 0 && (box.left < svg.left - 0.5 || box.right > svg.right + 0.5)) {
    problems.push("SVG text " + JSON.stringify(text.textContent) + " is cut: it ends at " + box.right.toFixed(1) + ", its SVG at " + svg.right.toFixed(1));
  }
}
for (const cell of document.querySelectorAll("td, th")) {
  if (cell.scrollWidth > cell.clientWidth + 1) {
    problems.push("cell " + JSON.stringify(cell.textContent.trim()) + " overflows: " + cell.scrollWidth + " > " + cell.clientWidth);
  }
}
const out = document.createElement("pre");
out.id = "layout-check";
out.textContent = problems.length ? problems.join("\n") : "OK";
document.body.appendChild(out);
</script>
`

// chromium returns the path of a headless Chromium, or "".
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// render loads the page in headless Chromium with the layout check added,
// saves a screenshot beside it, and returns what the check found.
func render(t *testing.T, browser, page, name string) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, name+".html")
	require.NoError(t, os.WriteFile(file, []byte(strings.Replace(page, "</body>", layoutCheck+"</body>", 1)), 0o644))
	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "profile"),
			"--window-size=1280,2400", "--virtual-time-budget=5000"}, args...)
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, browser, append(args, "file://"+file)...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), "chromium %v:\n%s", args, stderr.String())
		return stdout.Bytes()
	}
	shot := filepath.Join(dir, name+".png")
	run("--screenshot=" + shot)
	if fi, err := os.Stat(shot); assert.NoError(t, err, "no screenshot") {
		assert.Greater(t, fi.Size(), int64(1000), "an empty screenshot")
	}
	dom := string(run("--dump-dom"))
	_, verdict, ok := strings.Cut(dom, `<pre id="layout-check">`)
	require.True(t, ok, "the layout check did not run:\n%s", dom)
	verdict, _, _ = strings.Cut(verdict, "</pre>")
	if keep := os.Getenv("REPORT_SCREENSHOTS"); keep != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(filepath.Join(keep, name+".png"), data, 0o644)
	}
	return html.UnescapeString(verdict)
}

// TestReportInChromium renders a gradebook's page in headless Chromium and
// checks its layout. REPORT_SCREENSHOTS=DIR keeps the screenshots there.
//
// It checks that every label fits where it is drawn (a pass rate of 67% was
// once cut to "67'" by its SVG) and that the header says in words what was
// graded. The check is shown to catch the old cut label first.
func TestReportInChromium(t *testing.T) {
	browser := chromium()
	if browser == "" {
		t.Skip("no headless Chromium (Debian: apt-get install chromium): the layout of report.html is not checked")
	}
	lab := GradebookLab{ID: "crawler", MaxScore: 30}
	var recs []*Record
	for _, name := range []string{"TestSerialShapes", "TestConcurrentMutexNoDuplicates", "TestPoolBoundsFetchesInFlight"} {
		lab.Tests = append(lab.Tests, GradebookTest{Name: name, Package: "./crawler", MaxPoints: 10, Column: "crawler/" + name})
	}
	for s := range 3 {
		l := &Lab{ID: "crawler", MaxScore: 30}
		for i, gt := range lab.Tests {
			r := &Test{Name: gt.Name, Package: gt.Package, MaxPoints: 10, Result: Pass, Points: 10, Seconds: 1.25}
			if i > s {
				r.Result, r.Points, r.Reason = Fail, 0, "Serial fetched http://a/ twice: keep a map of the pages fetched"
			}
			l.Tests = append(l.Tests, r)
			l.Score += r.Points
		}
		recs = append(recs, &Record{ID: fmt.Sprintf("student%d", s), Status: StatusGraded, Score: l.Score, MaxScore: 30, Labs: []*Lab{l}})
	}
	book := &Gradebook{Selection: Selection{Labs: []string{"crawler"}, Private: true}, MaxScore: 30, Labs: []GradebookLab{lab},
		Generated: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	book.Add(recs...)
	page, err := book.HTML()
	require.NoError(t, err)
	assert.Contains(t, string(page), "crawler: every test, hidden tests included", "the header says in words what was graded")
	assert.NotContains(t, string(page), "private=", "the header shows no raw selection syntax")
	assert.Contains(t, string(page), " 67%</td>")

	// The old layout: the pass rate as SVG text at x=104 in a 120-wide SVG.
	old := regexp.MustCompile(`<svg width="100" height="12" aria-hidden="true">(.*?)</svg> (\d+%)</td>`).
		ReplaceAllString(string(page), `<svg width="120" height="12">$1<text x="104" y="10">$2</text></svg></td>`)
	require.NotEqual(t, string(page), old)
	if verdict := render(t, browser, old, "old"); !strings.Contains(verdict, `SVG text "67%" is cut`) {
		t.Fatalf("the layout check misses the old cut label; it found:\n%s", verdict)
	}
	if verdict := render(t, browser, string(page), "report"); verdict != "OK" {
		t.Errorf("report.html does not lay out in Chromium:\n%s", verdict)
	}
}
