package report

import (
	"fmt"
	"html"
	"io"
	"strings"

	"golabs/internal/trim"
)

// markdownBudget bounds the test output the Markdown report includes in
// all, well below the 1 MiB GitHub accepts for one step's job summary.
const markdownBudget = 512 << 10

// WriteMarkdown prints the report as GitHub-flavoured Markdown, for a CI
// job summary: a heading and a table per lab, the compiler's output of the
// packages that did not compile, the output of each test that did not pass
// in a collapsed block, and a last line "**Score: X/Y**".
func WriteMarkdown(w io.Writer, r *Report) {
	budget, cut := markdownBudget, false
	for _, l := range r.Labs {
		order := 0
		if l.Spec != nil {
			order = l.Spec.Order
		}
		fmt.Fprintf(w, "## Lab %d: %s (`%s`): %d/%d\n\n", order, mdCell(l.Title), l.ID, l.Score, l.MaxScore)
		fmt.Fprintln(w, "| Test | Part | Points | Result | Time | Reason |")
		fmt.Fprintln(w, "| --- | --- | ---: | --- | ---: | --- |")
		for _, t := range l.Tests {
			fmt.Fprintf(w, "| %s | %s | %d/%d | %s | %s | %s |\n", mdCell(l.Name(t)), mdCell(l.PartTitle(t)),
				t.Points, t.MaxPoints, mdOutcome(t.Result), Seconds(t.Elapsed), mdCell(t.Reason))
		}
		fmt.Fprintln(w)
		for _, b := range l.BuildErrors {
			fmt.Fprintf(w, "`%s` did not compile:\n\n%s\n", b.Package, mdCode(trim.Bound(b.Output, fileOutput, moreHint)))
		}
		if len(l.Refused) > 0 {
			fmt.Fprintf(w, "Not graded: the static check refused these lines of the student files:\n\n%s\n",
				mdCode(strings.Join(l.Refused, "\n")))
		}
		if len(l.Feedback) > 0 {
			fmt.Fprintf(w, "Feedback from labvet (no points; what each check means: `docs/labvet.md`):\n\n%s\n",
				mdCode(strings.Join(l.Feedback, "\n")))
		}
		for _, t := range l.Tests {
			// A build failure or a refusal is shown once above, not per test.
			if cut || t.Result == Pass || t.Result == BuildFailed || (t.Result == Refused && len(l.Refused) > 0) {
				continue
			}
			out := l.FailureOutput(t)
			if out == "" {
				continue
			}
			if len(out) > budget {
				fmt.Fprintf(w, "_The output of %s and of the tests after it is left out, to keep this summary short: "+
					"run `go run ./grader -v` to see it._\n\n", mdCell(l.Name(t)))
				cut = true
				continue
			}
			budget -= len(out)
			fmt.Fprintf(w, "<details><summary>%s: %s</summary>\n\n%s\n</details>\n\n",
				html.EscapeString(l.Name(t)), html.EscapeString(t.Result.Label()), mdCode(out))
		}
	}
	fmt.Fprintf(w, "**Score: %d/%d**\n", r.Score, r.MaxScore)
}

// mdOutcome shows an outcome with a mark that reads at a glance.
func mdOutcome(o Outcome) string {
	switch o {
	case Pass:
		return "✅ " + o.Label()
	case Skipped, NotRun:
		return "⚠️ " + o.Label()
	}
	return "❌ " + o.Label()
}

// mdEscaper makes text safe in a table cell: it cannot end the cell, open an
// HTML tag, or turn into emphasis, code or a link.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`,
	"[", `\[`, "]", `\]`, "~", `\~`,
	"\r\n", " ", "\n", " ", "\r", " ", "\t", " ",
)

// mdCell escapes text for a cell of a Markdown table, on one line.
func mdCell(s string) string {
	return mdEscaper.Replace(strings.TrimSpace(printable(s)))
}

// mdCode returns s, printable, as a fenced code block, fenced with more
// backticks than s holds in a row, so that nothing in s can end it.
func mdCode(s string) string {
	s = printable(strings.ReplaceAll(s, "\r\n", "\n"))
	run, longest := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + "text\n" + strings.TrimRight(s, "\n") + "\n" + fence + "\n"
}
