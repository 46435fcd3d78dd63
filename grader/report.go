package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"golabs/internal/sandbox"
)

// A progress line tells a person at a terminal how far grading has come:
// "crawler: 7/21 tests done". A nil *progress prints nothing.
type progress struct {
	w        io.Writer
	mu       sync.Mutex
	order    []string
	total    map[string]int
	finished map[string]int
	building map[string]bool
	shown    bool
}

// newProgress returns a progress line on f if f is a terminal, else nil.
func newProgress(f *os.File) *progress {
	if !isTerminal(f) {
		return nil
	}
	return &progress{w: f, total: map[string]int{}, finished: map[string]int{}, building: map[string]bool{}}
}

// build says that lab's tests are being built (on) or are built (off).
func (p *progress) build(lab string, on bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.track(lab)
	p.building[lab] = on
	p.draw()
}

func (p *progress) track(lab string) {
	if _, ok := p.total[lab]; !ok {
		p.order = append(p.order, lab)
		p.total[lab] = 0
	}
}

func (p *progress) add(lab string, n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.track(lab)
	p.total[lab] += n
	p.draw()
}

func (p *progress) done(lab string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished[lab]++
	p.draw()
}

// clear erases the line, before the report is printed.
func (p *progress) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

func (p *progress) draw() {
	var parts []string
	for _, lab := range p.order {
		if p.building[lab] {
			parts = append(parts, lab+": building the tests")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %d/%d tests done", lab, p.finished[lab], p.total[lab]))
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", strings.Join(parts, ", "))
	p.shown = true
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// useColor reports whether to colour what goes to f: only on a terminal, and
// never when NO_COLOR is set (https://no-color.org).
func useColor(f *os.File) bool {
	return isTerminal(f) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// A style paints table cells, or not.
type style struct{ color bool }

const (
	green  = "\x1b[32m"
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	reset  = "\x1b[0m"
)

// outcome returns an outcome's label, coloured. Every colour has the same
// length, so the columns of a tabwriter stay aligned.
func (s style) outcome(o outcome) string {
	if !s.color {
		return o.label()
	}
	c := red
	switch o {
	case pass:
		c = green
	case skipped, notRun:
		c = yellow
	}
	return c + o.label() + reset
}

// header returns a column's title, padded with a colour that changes
// nothing so that it is as long, for the tabwriter, as the column's
// coloured cells.
func (s style) header(title string) string {
	if !s.color {
		return title
	}
	return "\x1b[39m" + title + reset
}

// paint colours s green if ok, else red.
func (s style) paint(text string, ok bool) string {
	if !s.color {
		return text
	}
	if ok {
		return green + text + reset
	}
	return red + text + reset
}

// reasonWidth is how much of a reason the table shows.
const reasonWidth = 110

// writeTable prints the table of one graded lab, the compiler's output of
// the packages that did not compile, and with verbose the output of every
// test that did not pass.
func writeTable(w io.Writer, lr *labResult, s style, verbose bool) {
	lab := lr.lab
	fmt.Fprintf(w, "Lab %d: %s (%s)\n\n", lab.Order, lab.Title, lab.ID)
	tw := newTable()
	tw.row("  TEST\tPART\tPOINTS\t%s\tTIME\tREASON", s.header("RESULT"))
	for _, r := range lr.results {
		name := r.test.Name
		if len(lab.Packages) > 1 {
			name = strings.TrimPrefix(r.test.Package, "./") + "." + name
		}
		tw.row("  %s\t%s\t%d/%d\t%s\t%s\t%s", name, r.test.Part, r.earned(), r.test.Points,
			s.outcome(r.outcome), seconds(r.elapsed), clip(r.reason, reasonWidth))
	}
	tw.writeTo(w)
	earned, max := lr.score()
	fmt.Fprintf(w, "\n  %s: %s\n", lab.ID, s.paint(fmt.Sprintf("%d/%d", earned, max), earned == max))
	for _, b := range lr.broken {
		fmt.Fprintf(w, "\n  %s did not compile:\n%s\n", b.describe(), indent(b.output, "    "))
	}
	if len(lr.refused) > 0 {
		fmt.Fprintf(w, "\n  Not graded: the static check refused these lines of the student files\n"+
			"  (they could subvert grading; no lab needs them; see docs/grading.md):\n")
		for _, f := range lr.refused {
			fmt.Fprintf(w, "    %s\n", f)
		}
	}
	if !verbose {
		return
	}
	for _, r := range lr.results {
		if r.outcome == pass || r.outcome == buildFailed || r.output == "" {
			continue
		}
		fmt.Fprintf(w, "\n--- %s (%s): %s\n%s\n", r.test.Name, r.outcome.label(), r.reason, indent(strings.TrimRight(r.output, "\n"), "    "))
	}
}

// writeText prints the report for people: a table per lab, then the score
// on a last line of its own.
func writeText(w io.Writer, labs []*labResult, s style, verbose bool) {
	earned, max := 0, 0
	for i, lr := range labs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeTable(w, lr, s, verbose)
		e, m := lr.score()
		earned, max = earned+e, max+m
	}
	fmt.Fprintf(w, "\n%s\nScore: %d/%d\n", sandboxLine(sandboxOf(labs)), earned, max)
}

// The JSON report; its schema is in the package documentation.
type (
	jsonReport struct {
		Score       int        `json:"score"`
		MaxScore    int        `json:"max_score"`
		Sandbox     string     `json:"sandbox"`
		SandboxNote string     `json:"sandbox_note,omitempty"`
		Integrity   *integrity `json:"integrity,omitempty"`
		Labs        []jsonLab  `json:"labs"`
	}
	jsonLab struct {
		ID          string           `json:"id"`
		Title       string           `json:"title"`
		File        string           `json:"file"`
		Score       int              `json:"score"`
		MaxScore    int              `json:"max_score"`
		BuildErrors []jsonBuildError `json:"build_errors,omitempty"`
		Refused     []string         `json:"refused,omitempty"`
		Tests       []jsonTest       `json:"tests"`
	}
	jsonBuildError struct {
		Package string `json:"package"`
		Output  string `json:"output"`
	}
	jsonTest struct {
		Name      string  `json:"name"`
		Package   string  `json:"package"`
		Part      string  `json:"part,omitempty"`
		Points    int     `json:"points"`
		MaxPoints int     `json:"max_points"`
		Result    outcome `json:"result"`
		Reason    string  `json:"reason,omitempty"`
		Seconds   float64 `json:"seconds"`
		Output    string  `json:"output,omitempty"`
	}
)

// writeJSONReport prints the machine-readable report, with the check of the
// protected files unless integ is nil.
func writeJSONReport(w io.Writer, labs []*labResult, integ *integrity) error {
	sb := sandboxOf(labs)
	rep := jsonReport{Integrity: integ, Labs: []jsonLab{}, Sandbox: string(sb.Kind())}
	if sb.Kind() == sandbox.None {
		rep.SandboxNote = sb.Why()
	}
	for _, lr := range labs {
		jl := jsonLab{ID: lr.lab.ID, Title: lr.lab.Title, File: lr.lab.File, Tests: []jsonTest{}}
		jl.Score, jl.MaxScore = lr.score()
		for _, b := range lr.broken {
			jl.BuildErrors = append(jl.BuildErrors, jsonBuildError{Package: b.pkg, Output: b.output})
		}
		for _, f := range lr.refused {
			jl.Refused = append(jl.Refused, f.String())
		}
		for _, r := range lr.results {
			jt := jsonTest{
				Name: r.test.Name, Package: r.test.Package, Part: r.test.Part,
				Points: r.earned(), MaxPoints: r.test.Points,
				Result: r.outcome, Reason: r.reason,
				Seconds: float64(r.elapsed.Milliseconds()) / 1000,
			}
			if r.outcome != pass && r.outcome != buildFailed {
				jt.Output = r.output
			}
			jl.Tests = append(jl.Tests, jt)
		}
		rep.Score += jl.Score
		rep.MaxScore += jl.MaxScore
		rep.Labs = append(rep.Labs, jl)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// A table lays out rows of tab-separated cells in aligned columns, without
// trailing spaces.
type table struct {
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTable() *table {
	t := &table{}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 8, 2, ' ', 0)
	return t
}

// row adds a row; cells are separated by tabs in format.
func (t *table) row(format string, args ...any) { fmt.Fprintf(t.tw, format+"\n", args...) }

// writeTo writes the laid-out table to w.
func (t *table) writeTo(w io.Writer) {
	t.tw.Flush()
	for _, l := range strings.SplitAfter(t.buf.String(), "\n") {
		if l != "" {
			io.WriteString(w, strings.TrimRight(l, " \n")+"\n")
		}
	}
}

// seconds formats a test's time for the tables.
func seconds(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\t", " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
