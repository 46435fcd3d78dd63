package main

import (
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
)

// markdownBudget bounds the test output the Markdown report includes in
// all, well below the 1 MiB GitHub accepts for one step's job summary.
const markdownBudget = 512 << 10

// writeMarkdown prints the report as GitHub-flavoured Markdown, for a CI
// job summary: a heading and a table per lab, the compiler's output of the
// packages that did not compile, the output of each test that did not pass
// in a collapsed block, and a last line "**Score: X/Y**".
func writeMarkdown(w io.Writer, labs []*labResult) {
	earned, total := 0, 0
	budget, cut := markdownBudget, false
	for _, lr := range labs {
		lab := lr.lab
		e, m := lr.score()
		earned, total = earned+e, total+m
		fmt.Fprintf(w, "## Lab %d: %s (`%s`): %d/%d\n\n", lab.Order, mdCell(lab.Title), lab.ID, e, m)
		fmt.Fprintln(w, "| Test | Part | Points | Result | Time | Reason |")
		fmt.Fprintln(w, "| --- | --- | ---: | --- | ---: | --- |")
		for _, r := range lr.results {
			part := r.test.Part
			if p := lab.Part(part); p != nil {
				part = p.Title
			}
			fmt.Fprintf(w, "| %s | %s | %d/%d | %s | %s | %s |\n", mdCell(reportName(lr, r)), mdCell(part),
				r.earned(), r.test.Points, mdOutcome(r.outcome), seconds(r.elapsed), mdCell(r.reason))
		}
		fmt.Fprintln(w)
		for _, b := range lr.broken {
			fmt.Fprintf(w, "`%s` did not compile:\n\n%s\n", b.pkg, mdCode(boundOutput(b.output, reportOutput)))
		}
		if len(lr.refused) > 0 {
			var lines []string
			for _, f := range lr.refused {
				lines = append(lines, f.String())
			}
			fmt.Fprintf(w, "Not graded: the static check refused these lines of the student files:\n\n%s\n",
				mdCode(strings.Join(lines, "\n")))
		}
		for _, r := range lr.results {
			// A build failure or a refusal is shown once above, not per test.
			if cut || r.outcome == pass || r.outcome == buildFailed || r.outcome == refused {
				continue
			}
			out := failureOutput(lr, r)
			if out == "" {
				continue
			}
			if len(out) > budget {
				fmt.Fprintf(w, "_The output of %s and of the tests after it is left out, to keep this summary short: "+
					"run `go run ./grader -v` to see it._\n\n", mdCell(reportName(lr, r)))
				cut = true
				continue
			}
			budget -= len(out)
			fmt.Fprintf(w, "<details><summary>%s: %s</summary>\n\n%s\n</details>\n\n",
				html.EscapeString(reportName(lr, r)), html.EscapeString(r.outcome.label()), mdCode(out))
		}
	}
	fmt.Fprintf(w, "**Score: %d/%d**\n", earned, total)
}

// mdOutcome shows an outcome with a mark that reads at a glance.
func mdOutcome(o outcome) string {
	switch o {
	case pass:
		return "✅ " + o.label()
	case skipped, notRun:
		return "⚠️ " + o.label()
	}
	return "❌ " + o.label()
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

// ansiEscape matches a terminal's colour and cursor sequences.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;?]*[ -/]*[@-~]")

// printable drops terminal escape sequences from s and replaces the other
// control characters, but tab and line ends, with U+FFFD.
func printable(s string) string {
	s = ansiEscape.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
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
