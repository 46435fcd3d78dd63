package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golabs/internal/atomicfile"
	"golabs/internal/catalog"
	"golabs/internal/trim"
)

// A Gradebook is the result of grading a class: every submission of a
// folder, graded now, taken from an earlier run, or broken. It is written
// as gradebook.json (this type's JSON), gradebook.csv and report.html.
type Gradebook struct {
	Generated   time.Time      `json:"generated"`
	Selection   Selection      `json:"selection"`       // the labs and tests graded
	Shard       string         `json:"shard,omitempty"` // "2/4": the part of the folder graded; empty for all, or for merged shards
	Seconds     float64        `json:"seconds"`         // how long grading took
	MaxScore    int            `json:"max_score"`
	Labs        []GradebookLab `json:"labs"`
	Summary     Summary        `json:"summary"`
	Submissions []*Record      `json:"submissions"` // sorted by id
}

// A Selection says what a batch graded. Two runs whose selections are
// equal grade a submission the same way, so a rerun may take an earlier
// result.
type Selection struct {
	Labs    []string `json:"labs"`
	Run     string   `json:"run,omitempty"` // the -run regexp
	Private bool     `json:"private"`       // hidden tests graded
	Tags    string   `json:"tags,omitempty"`
	// Kit is the SHA-256 of the graded labs' protected files (their
	// tests, the catalogue, the grader): it changes when the tests do.
	Kit string `json:"kit"`
}

// Equal reports whether two selections grade the same way.
func (s Selection) Equal(o Selection) bool {
	return slices.Equal(s.Labs, o.Labs) && s.Run == o.Run && s.Private == o.Private && s.Tags == o.Tags && s.Kit == o.Kit
}

// String describes the selection for people: "crawler, kv: every test,
// hidden tests included".
func (s Selection) String() string {
	var b strings.Builder
	b.WriteString(strings.Join(s.Labs, ", "))
	if s.Run != "" {
		fmt.Fprintf(&b, ": the tests matching %s", s.Run)
	} else {
		b.WriteString(": every test")
	}
	if s.Private {
		b.WriteString(", hidden tests included")
	}
	if s.Tags != "" {
		fmt.Fprintf(&b, ", build tags %s", s.Tags)
	}
	return b.String()
}

// A GradebookLab is a graded lab and its tests, the columns of the CSV.
type GradebookLab struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	MaxScore int             `json:"max_score"`
	Tests    []GradebookTest `json:"tests"`
}

// A GradebookTest is a graded test.
type GradebookTest struct {
	Name      string `json:"name"`
	Package   string `json:"package"`
	MaxPoints int    `json:"max_points"`
	Column    string `json:"column"` // its column in the CSV: "crawler/TestSerialShapes"
}

// A Summary counts the submissions by status.
type Summary struct {
	Submissions int `json:"submissions"`
	Graded      int `json:"graded"`  // graded now or before, whatever the score
	Resumed     int `json:"resumed"` // of those, unchanged since an earlier run
	Broken      int `json:"broken"`
	Errors      int `json:"errors"`
}

// A Record is the result of one submission, as OUT/results/<id>.json and
// the gradebook hold it.
type Record struct {
	ID        string    `json:"id"`
	Source    string    `json:"source"`           // the entry in the folder: "alice.zip"
	Status    string    `json:"status"`           // graded, broken or error
	Reason    string    `json:"reason,omitempty"` // why broken, or the error
	Notes     []string  `json:"notes,omitempty"`  // student files not found, and why
	Hash      string    `json:"hash,omitempty"`   // SHA-256 of the student files found
	Selection Selection `json:"selection"`        // what was graded
	Score     int       `json:"score"`
	MaxScore  int       `json:"max_score"`
	Labs      []*Lab    `json:"labs,omitempty"` // as in the grading report, without the tests' output
	GradedAt  time.Time `json:"graded_at"`
	Seconds   float64   `json:"seconds"` // how long grading took

	Resumed bool `json:"resumed,omitempty"` // taken from an earlier run
}

// The statuses of a Record.
const (
	StatusGraded = "graded" // graded, whatever the score
	StatusBroken = "broken" // the submission could not be read, or holds no student file
	StatusError  = "error"  // grading failed for a reason that is not the student's
)

// recordOutput is how much of the compiler's output a record keeps.
const recordOutput = 4 << 10

// Graded fills the record from a grading: its labs without the tests'
// output (the gradebook of a class would be huge), the compiler's output
// cut short.
func (rec *Record) Graded(labs []*Lab) {
	rec.Status, rec.Score, rec.MaxScore, rec.Labs = StatusGraded, 0, 0, nil
	for _, l := range labs {
		c := *l
		c.Tests = nil
		for _, t := range l.Tests {
			ct := *t
			ct.Output = ""
			c.Tests = append(c.Tests, &ct)
		}
		c.BuildErrors = slices.Clone(l.BuildErrors)
		for i := range c.BuildErrors {
			c.BuildErrors[i].Output = trim.Bound(c.BuildErrors[i].Output, recordOutput, "")
		}
		rec.Score += c.Score
		rec.MaxScore += c.MaxScore
		rec.Labs = append(rec.Labs, &c)
	}
}

// NewGradebook collects the records of a batch that graded, of each lab,
// the tests that tests returns.
func NewGradebook(sel Selection, labs []*catalog.Lab, tests func(*catalog.Lab) []catalog.Test, recs []*Record, elapsed time.Duration) *Gradebook {
	book := &Gradebook{
		Generated: time.Now().UTC().Truncate(time.Second),
		Selection: sel,
		Seconds:   elapsed.Round(time.Millisecond).Seconds(),
	}
	for _, lab := range labs {
		gl := GradebookLab{ID: lab.ID, Title: lab.Title}
		for _, t := range tests(lab) {
			gl.Tests = append(gl.Tests, GradebookTest{Name: t.Name, Package: t.Package, MaxPoints: t.Points, Column: lab.ID + "/" + lab.DisplayName(t)})
			gl.MaxScore += t.Points
		}
		book.MaxScore += gl.MaxScore
		book.Labs = append(book.Labs, gl)
	}
	book.Add(recs...)
	return book
}

// Add puts records in the gradebook, keeping it sorted by id, and counts
// them.
func (book *Gradebook) Add(recs ...*Record) {
	book.Submissions = append(book.Submissions, recs...)
	slices.SortStableFunc(book.Submissions, func(a, b *Record) int { return strings.Compare(a.ID, b.ID) })
	book.Summary = Summary{Submissions: len(book.Submissions)}
	for _, r := range book.Submissions {
		switch r.Status {
		case StatusGraded:
			book.Summary.Graded++
			if r.Resumed {
				book.Summary.Resumed++
			}
		case StatusBroken:
			book.Summary.Broken++
		default:
			book.Summary.Errors++
		}
	}
}

// SummaryLine says in a line what the batch did.
func (book *Gradebook) SummaryLine() string {
	s := book.Summary
	line := fmt.Sprintf("Batch: %s: %d graded", Plural(s.Submissions, "submission"), s.Graded)
	if s.Resumed > 0 {
		line += fmt.Sprintf(" (%d unchanged since the last run)", s.Resumed)
	}
	line += fmt.Sprintf(", %d broken", s.Broken)
	if s.Errors > 0 {
		line += fmt.Sprintf(", %d not graded (error)", s.Errors)
	}
	return line + fmt.Sprintf(" in %s", (time.Duration(book.Seconds*float64(time.Second))).Round(time.Second))
}

// Write writes gradebook.json, gradebook.csv and report.html to dir, each
// whole or not at all.
func (book *Gradebook) Write(dir string) error {
	if err := atomicfile.WriteJSON(filepath.Join(dir, "gradebook.json"), book); err != nil {
		return err
	}
	data, err := book.CSV()
	if err != nil {
		return fmt.Errorf("writing the gradebook: %v", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "gradebook.csv"), data); err != nil {
		return err
	}
	page, err := book.HTML()
	if err != nil {
		return fmt.Errorf("writing the report: %v", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, "report.html"), page)
}

// CSV returns the gradebook as CSV: a row per submission with its id, total,
// maximum, a column per lab and one per test with the points earned, its
// status and notes. A broken submission totals 0 and leaves the labs and
// tests empty; one not graded (error) leaves its total empty too.
func (book *Gradebook) CSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"id", "total", "max"}
	for _, l := range book.Labs {
		header = append(header, l.ID)
	}
	for _, l := range book.Labs {
		for _, t := range l.Tests {
			header = append(header, t.Column)
		}
	}
	header = append(header, "status", "notes")
	for i := range header {
		header[i] = csvText(header[i])
	}
	w.Write(header)
	for _, r := range book.Submissions {
		row := []string{csvText(r.ID), "", strconv.Itoa(book.MaxScore)}
		labs := map[string]*Lab{}
		for _, l := range r.Labs {
			labs[l.ID] = l
		}
		graded := r.Status == StatusGraded
		switch r.Status {
		case StatusGraded:
			row[1] = strconv.Itoa(r.Score)
		case StatusBroken:
			row[1] = "0"
		}
		for _, l := range book.Labs {
			cell := ""
			if jl := labs[l.ID]; graded && jl != nil {
				cell = strconv.Itoa(jl.Score)
			}
			row = append(row, cell)
		}
		for _, l := range book.Labs {
			for _, t := range l.Tests {
				cell := ""
				if jl := labs[l.ID]; graded && jl != nil {
					for _, jt := range jl.Tests {
						if jt.Name == t.Name && jt.Package == t.Package {
							cell = strconv.Itoa(jt.Points)
						}
					}
				}
				row = append(row, cell)
			}
		}
		notes := strings.Join(r.Notes, "; ")
		if r.Status != StatusGraded {
			notes = r.Reason
		}
		row = append(row, csvText(r.Status), csvText(strings.ReplaceAll(notes, "\n", " ")))
		w.Write(row)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// csvText keeps a spreadsheet from reading text that comes from a
// submission as a formula.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
