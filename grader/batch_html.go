package main

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strings"
)

// The report of a batch is one self-contained HTML page: inline CSS and
// SVG, no script and nothing fetched from the network, so that it opens
// from a file, offline, and can be mailed around.

// A reportPage is what the report's template shows.
type reportPage struct {
	Book        *gradebook
	Generated   string
	Mean        string
	Median      string
	Histogram   histogram
	Tests       []*testStat // in catalogue order
	Slowest     []*testStat // by median time, slowest first
	MostFailed  []*testStat // by failures, most first
	NotGraded   []*batchRecord
	Submissions []*batchRecord
}

// A histogram is the SVG chart of the scores, in tenths of the maximum.
type histogram struct {
	Width, Height, Base int
	Bars                []histBar
}

type histBar struct {
	X, Y, W, H          int
	Label               string // "90-100%"
	Count               int
	Mid, CountY, LabelY int
}

// A testStat is how one test fared across the graded submissions.
type testStat struct {
	Column    string
	MaxPoints int
	Runs      int // submissions graded on it
	Passes    int
	Failures  int
	PassPct   string // "85%"
	BarWidth  int    // the pass bar's width, of 100
	Median    string // median time among the runs that ran, "1.2s"
	Timed     int    // the runs that ran
	median    float64
	Verdicts  string // "fail 3, timeout 1"
	Reason    string // the commonest reason
	verdicts  map[outcome]int
	reasons   map[string]int
	seconds   []float64
}

func (book *gradebook) page() *reportPage {
	p := &reportPage{Book: book, Generated: book.Generated.Format("2006-01-02 15:04 UTC")}
	stats := map[string]*testStat{}
	for _, l := range book.Labs {
		for _, t := range l.Tests {
			st := &testStat{Column: t.Column, MaxPoints: t.MaxPoints, verdicts: map[outcome]int{}, reasons: map[string]int{}}
			stats[l.ID+"\x00"+t.Package+"\x00"+t.Name] = st
			p.Tests = append(p.Tests, st)
		}
	}
	var scores []float64
	for _, r := range book.Submissions {
		if r.Status != statusGraded {
			p.NotGraded = append(p.NotGraded, r)
			continue
		}
		p.Submissions = append(p.Submissions, r)
		pct := 0.0
		if r.MaxScore > 0 {
			pct = 100 * float64(r.Score) / float64(r.MaxScore)
		}
		scores = append(scores, pct)
		for _, jl := range r.Labs {
			for _, jt := range jl.Tests {
				st := stats[jl.ID+"\x00"+jt.Package+"\x00"+jt.Name]
				if st == nil {
					continue
				}
				st.Runs++
				if jt.Result == pass {
					st.Passes++
				} else {
					st.Failures++
					st.verdicts[jt.Result]++
					if jt.Reason != "" {
						st.reasons[jt.Reason]++
					}
				}
				switch jt.Result {
				case buildFailed, refused, notRun:
				default:
					st.seconds = append(st.seconds, jt.Seconds)
				}
			}
		}
	}
	p.Mean, p.Median = "-", "-"
	if len(scores) > 0 {
		sum := 0.0
		for _, s := range scores {
			sum += s
		}
		p.Mean = fmt.Sprintf("%.1f%%", sum/float64(len(scores)))
		p.Median = fmt.Sprintf("%.1f%%", median(scores))
	}
	p.Histogram = scoreHistogram(scores)
	for _, st := range p.Tests {
		st.finish()
	}
	p.Slowest = slices.Clone(p.Tests)
	p.Slowest = slices.DeleteFunc(p.Slowest, func(st *testStat) bool { return len(st.seconds) == 0 })
	slices.SortStableFunc(p.Slowest, func(a, b *testStat) int { return cmp.Compare(b.median, a.median) })
	p.Slowest = p.Slowest[:min(10, len(p.Slowest))]
	p.MostFailed = slices.DeleteFunc(slices.Clone(p.Tests), func(st *testStat) bool { return st.Failures == 0 })
	slices.SortStableFunc(p.MostFailed, func(a, b *testStat) int { return cmp.Compare(b.Failures, a.Failures) })
	p.MostFailed = p.MostFailed[:min(10, len(p.MostFailed))]
	return p
}

func (st *testStat) finish() {
	st.PassPct, st.Median = "-", "-"
	if st.Runs > 0 {
		st.PassPct = fmt.Sprintf("%.0f%%", 100*float64(st.Passes)/float64(st.Runs))
		st.BarWidth = 100 * st.Passes / st.Runs
	}
	if len(st.seconds) > 0 {
		st.Timed = len(st.seconds)
		st.median = median(st.seconds)
		st.Median = fmt.Sprintf("%.2fs", st.median)
	}
	var vs []string
	for _, o := range slices.SortedFunc(maps.Keys(st.verdicts), func(a, b outcome) int {
		return cmp.Or(cmp.Compare(st.verdicts[b], st.verdicts[a]), strings.Compare(string(a), string(b)))
	}) {
		vs = append(vs, fmt.Sprintf("%s %d", o, st.verdicts[o]))
	}
	st.Verdicts = strings.Join(vs, ", ")
	best := 0
	for reason, n := range st.reasons {
		if n > best || (n == best && reason < st.Reason) {
			st.Reason, best = reason, n
		}
	}
	st.Reason = clip(st.Reason, 200)
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// scoreHistogram lays out the bars of the scores (percentages of the
// maximum) in ten bins: 0-9%, 10-19% ... 90-100%.
func scoreHistogram(scores []float64) histogram {
	const (
		bars   = 10
		barW   = 44
		gap    = 8
		plot   = 160 // the tallest bar
		top    = 20  // room for the counts
		bottom = 24  // room for the labels
	)
	var counts [bars]int
	for _, s := range scores {
		counts[min(bars-1, max(0, int(s)/10))]++
	}
	most := max(1, slices.Max(counts[:]))
	h := histogram{Width: bars*(barW+gap) + gap, Height: top + plot + bottom, Base: top + plot}
	for i, n := range counts {
		bh := plot * n / most
		x := gap + i*(barW+gap)
		label := fmt.Sprintf("%d-%d%%", 10*i, 10*i+9)
		if i == bars-1 {
			label = "90-100%"
		}
		h.Bars = append(h.Bars, histBar{
			X: x, Y: top + plot - bh, W: barW, H: bh, Label: label, Count: n,
			Mid: x + barW/2, CountY: top + plot - bh - 5, LabelY: top + plot + 16,
		})
	}
	return h
}

// html renders the report page.
func (book *gradebook) html() ([]byte, error) {
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, book.page()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gradebook: {{.Book.Selection}}</title>
<style>
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #1d1d1f; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
.meta { color: #666; }
.cards { display: flex; flex-wrap: wrap; gap: 1em; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5em 1em; min-width: 7em; }
.card b { display: block; font-size: 1.4em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f6f6f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .92em; }
.bad { color: #b00020; }
.reason { color: #555; font-size: .9em; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
.bar { fill: #4a78c2; }
.pass { fill: #2e8540; }
.track { fill: #e4e4e4; }
</style>
</head>
<body>
<h1>Gradebook</h1>
<p class="meta">{{.Book.Selection}} &middot; generated {{.Generated}} &middot; maximum {{.Book.MaxScore}} points</p>

<div class="cards">
<div class="card"><b>{{.Book.Summary.Submissions}}</b>submissions</div>
<div class="card"><b>{{.Book.Summary.Graded}}</b>graded{{if .Book.Summary.Resumed}} ({{.Book.Summary.Resumed}} unchanged){{end}}</div>
<div class="card"><b>{{.Book.Summary.Broken}}</b>broken</div>
{{if .Book.Summary.Errors}}<div class="card bad"><b>{{.Book.Summary.Errors}}</b>not graded (error)</div>{{end}}
<div class="card"><b>{{.Mean}}</b>mean score</div>
<div class="card"><b>{{.Median}}</b>median score</div>
</div>

<h2>Scores</h2>
<svg role="img" aria-label="Histogram of the scores" width="{{.Histogram.Width}}" height="{{.Histogram.Height}}" viewBox="0 0 {{.Histogram.Width}} {{.Histogram.Height}}">
<line x1="0" y1="{{.Histogram.Base}}" x2="{{.Histogram.Width}}" y2="{{.Histogram.Base}}" stroke="#999"/>
{{range .Histogram.Bars}}<rect class="bar" x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}"><title>{{.Label}}: {{.Count}}</title></rect>
<text x="{{.Mid}}" y="{{.CountY}}" text-anchor="middle">{{if .Count}}{{.Count}}{{end}}</text>
<text x="{{.Mid}}" y="{{.LabelY}}" text-anchor="middle">{{.Label}}</text>
{{end}}</svg>

<h2>Pass rate per test</h2>
<table>
<tr><th>Test</th><th class="num">Points</th><th class="num">Passed</th><th>Pass rate</th><th class="num">Median time</th><th>Failures</th></tr>
{{range .Tests}}<tr><td><code>{{.Column}}</code></td><td class="num">{{.MaxPoints}}</td><td class="num">{{.Passes}}/{{.Runs}}</td>
<td><svg width="120" height="12" aria-label="{{.PassPct}}"><rect class="track" x="0" y="1" width="100" height="10"/><rect class="pass" x="0" y="1" width="{{.BarWidth}}" height="10"/><text x="104" y="10">{{.PassPct}}</text></svg></td>
<td class="num">{{.Median}}</td><td>{{.Verdicts}}</td></tr>
{{end}}</table>

<h2>Slowest tests (median time)</h2>
{{if .Slowest}}<table>
<tr><th>Test</th><th class="num">Median time</th><th class="num">Runs</th></tr>
{{range .Slowest}}<tr><td><code>{{.Column}}</code></td><td class="num">{{.Median}}</td><td class="num">{{.Timed}}</td></tr>
{{end}}</table>{{else}}<p>No test ran.</p>{{end}}

<h2>Most failed tests</h2>
{{if .MostFailed}}<table>
<tr><th>Test</th><th class="num">Failed</th><th>How</th><th>Commonest reason</th></tr>
{{range .MostFailed}}<tr><td><code>{{.Column}}</code></td><td class="num">{{.Failures}}/{{.Runs}}</td><td>{{.Verdicts}}</td><td class="reason">{{.Reason}}</td></tr>
{{end}}</table>{{else}}<p>Every graded submission passed every test.</p>{{end}}

<h2>Broken submissions</h2>
{{if .NotGraded}}<table>
<tr><th>Student</th><th>Submission</th><th>Status</th><th>Reason</th></tr>
{{range .NotGraded}}<tr><td>{{.ID}}</td><td><code>{{.Source}}</code></td><td class="bad">{{.Status}}</td><td class="reason">{{.Reason}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}

<h2>Submissions</h2>
<table>
<tr><th>Student</th><th class="num">Score</th>{{range .Book.Labs}}<th class="num">{{.ID}}</th>{{end}}<th>Notes</th></tr>
{{range .Submissions}}<tr><td>{{.ID}}</td><td class="num">{{.Score}}/{{.MaxScore}}</td>{{range .Labs}}<td class="num">{{.Score}}/{{.MaxScore}}</td>{{end}}<td class="reason">{{range $i, $n := .Notes}}{{if $i}}; {{end}}{{$n}}{{end}}</td></tr>
{{end}}</table>
</body>
</html>
`))
