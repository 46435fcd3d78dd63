package report

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strings"

	"golabs/internal/trim"
)

// The report of a batch is one self-contained HTML page: inline CSS and
// SVG, no script and nothing fetched from the network, so that it opens
// from a file, offline, and can be mailed around.

// A reportPage is what the report's template shows.
type reportPage struct {
	Book        *Gradebook
	Generated   string
	Mean        string
	Median      string
	Histogram   histogram
	Tests       []*testStat     // in catalogue order
	Slowest     []*testStat     // by median time, slowest first
	MostFailed  []*testStat     // by failures, most first
	Feedback    []*feedbackStat // labvet's checks by submissions flagged, most first
	NotGraded   []*Record
	Submissions []*Record
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
	verdicts  map[Outcome]int
	reasons   map[string]int
	seconds   []float64
}

func (book *Gradebook) page() *reportPage {
	p := &reportPage{Book: book, Generated: book.Generated.Format("2006-01-02 15:04 UTC")}
	stats := map[string]*testStat{}
	for _, l := range book.Labs {
		for _, t := range l.Tests {
			st := &testStat{Column: t.Column, MaxPoints: t.MaxPoints, verdicts: map[Outcome]int{}, reasons: map[string]int{}}
			stats[l.ID+"\x00"+t.Package+"\x00"+t.Name] = st
			p.Tests = append(p.Tests, st)
		}
	}
	var scores []float64
	for _, r := range book.Submissions {
		if r.Status != StatusGraded {
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
				if jt.Result == Pass {
					st.Passes++
				} else {
					st.Failures++
					st.verdicts[jt.Result]++
					if jt.Reason != "" {
						st.reasons[jt.Reason]++
					}
				}
				switch jt.Result {
				case BuildFailed, Refused, NotRun:
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
	p.Feedback = feedbackStats(p.Submissions)
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
	for _, o := range slices.SortedFunc(maps.Keys(st.verdicts), func(a, b Outcome) int {
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
	st.Reason = trim.Clip(st.Reason, 200)
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

// HTML renders the report page: one self-contained page.
func (book *Gradebook) HTML() ([]byte, error) {
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, book.page()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

//go:embed report.html.tmpl
var reportHTML string

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// A feedbackStat is how often one of labvet's checks spoke across the
// class: the bugs many students make before any test runs.
type feedbackStat struct {
	Check       string // "checkthenact"
	Submissions int    // the submissions it flagged
	Example     string // one of its findings
}

// feedbackStats counts labvet's findings by check, a submission once per
// check, most flagged first.
func feedbackStats(recs []*Record) []*feedbackStat {
	by := map[string]*feedbackStat{}
	for _, r := range recs {
		seen := map[string]bool{}
		for _, l := range r.Labs {
			for _, f := range l.Feedback {
				check := "labvet"
				if i := strings.LastIndex(f, " ("); i >= 0 && strings.HasSuffix(f, ")") {
					check = f[i+2 : len(f)-1]
				}
				if seen[check] {
					continue
				}
				seen[check] = true
				st := by[check]
				if st == nil {
					st = &feedbackStat{Check: check, Example: trim.Clip(f, 200)}
					by[check] = st
				}
				st.Submissions++
			}
		}
	}
	stats := slices.Collect(maps.Values(by))
	slices.SortFunc(stats, func(a, b *feedbackStat) int {
		return cmp.Or(cmp.Compare(b.Submissions, a.Submissions), strings.Compare(a.Check, b.Check))
	})
	return stats
}
