package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"golabs/internal/trim"
)

// A Style paints the cells of the text tables, or not.
type Style struct{ Color bool }

const (
	green  = "\x1b[32m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	reset  = "\x1b[0m"
)

// Outcome returns an outcome's label, coloured. Every colour has the same
// length, so the columns of a table stay aligned.
func (s Style) Outcome(o Outcome) string {
	if !s.Color {
		return o.Label()
	}
	c := red
	switch o {
	case Pass:
		c = green
	case Skipped, NotRun:
		c = yellow
	}
	return c + o.Label() + reset
}

// Header returns a column's title, padded with a colour that changes
// nothing so that it is as long, for the table, as the column's coloured
// cells.
func (s Style) Header(title string) string {
	if !s.Color {
		return title
	}
	return "\x1b[39m" + title + reset
}

// Paint colours text green if ok, else red.
func (s Style) Paint(text string, ok bool) string {
	if !s.Color {
		return text
	}
	if ok {
		return green + text + reset
	}
	return red + text + reset
}

// reasonWidth is how much of a reason a table shows.
const reasonWidth = 110

// WriteText prints the report for people: the warnings of the integrity
// check, a table per lab, the sandbox, and the score on a last line of its
// own, "Score: X/Y". With verbose it prints the output of every test that
// did not pass too. What a test printed reaches the terminal without its
// escape sequences: student code cannot redraw the report.
func WriteText(w io.Writer, r *Report, s Style, verbose bool) {
	r.Integrity.Warn(w)
	for i, l := range r.Labs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeLab(w, l, s, verbose)
	}
	fmt.Fprintf(w, "\n%s\nScore: %d/%d\n", r.sandboxLine(), r.Score, r.MaxScore)
}

// writeLab prints the table of one graded lab, the compiler's output of the
// packages that did not compile, and with verbose the output of every test
// that did not pass.
func writeLab(w io.Writer, l *Lab, s Style, verbose bool) {
	order := 0
	if l.Spec != nil {
		order = l.Spec.Order
	}
	fmt.Fprintf(w, "Lab %d: %s (%s)\n\n", order, l.Title, l.ID)
	tw := NewTable()
	tw.Row("  TEST\tPART\tPOINTS\t%s\tTIME\tREASON", s.Header("RESULT"))
	for _, t := range l.Tests {
		tw.Row("  %s\t%s\t%d/%d\t%s\t%s\t%s", l.Name(t), t.Part, t.Points, t.MaxPoints,
			s.Outcome(t.Result), Seconds(t.Elapsed), trim.Clip(printable(t.Reason), reasonWidth))
	}
	tw.Print(w)
	fmt.Fprintf(w, "\n  %s: %s\n", l.ID, s.Paint(fmt.Sprintf("%d/%d", l.Score, l.MaxScore), l.Score == l.MaxScore))
	for _, b := range l.BuildErrors {
		fmt.Fprintf(w, "\n  %s did not compile:\n%s\n", b.Build, Indent(printable(b.Output), "    "))
	}
	if len(l.Refused) > 0 {
		fmt.Fprintf(w, "\n  Not graded: the static check refused these lines of the student files\n"+
			"  (they could subvert grading; no lab needs them; see docs/grading.md):\n")
		for _, f := range l.Refused {
			fmt.Fprintf(w, "    %s\n", printable(f))
		}
	}
	if len(l.Feedback) > 0 {
		fmt.Fprintf(w, "\n  Feedback from labvet (no points; what each check means: docs/labvet.md):\n")
		for _, f := range l.Feedback {
			fmt.Fprintf(w, "    %s\n", printable(f))
		}
	}
	if !verbose {
		return
	}
	for _, t := range l.Tests {
		if t.Result == Pass || t.Result == BuildFailed || t.Output == "" {
			continue
		}
		fmt.Fprintf(w, "\n--- %s (%s): %s\n%s\n", t.Name, t.Result.Label(), printable(t.Reason), Indent(strings.TrimRight(printable(t.Output), "\n"), "    "))
	}
}

// A Table lays out rows of tab-separated cells in aligned columns, without
// trailing spaces.
type Table struct {
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

// NewTable returns an empty table.
func NewTable() *Table {
	t := &Table{}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 8, 2, ' ', 0)
	return t
}

// Row adds a row; cells are separated by tabs in format.
func (t *Table) Row(format string, args ...any) { fmt.Fprintf(t.tw, format+"\n", args...) }

// Print writes the laid-out table to w.
func (t *Table) Print(w io.Writer) {
	t.tw.Flush()
	for _, l := range strings.SplitAfter(t.buf.String(), "\n") {
		if l != "" {
			io.WriteString(w, strings.TrimRight(l, " \n")+"\n")
		}
	}
}

// Seconds formats a test's time for the tables: "1.2s", or "-" if it did
// not run.
func Seconds(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// ShortDuration formats d without trailing zero units: 60s, 1m30s, 1.5s.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
