package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// A gradebook is the result of a batch: every submission of the folder,
// graded now, taken from an earlier run, or broken. It is written as
// gradebook.json, gradebook.csv and report.html.
type gradebook struct {
	Generated   time.Time        `json:"generated"`
	Selection   string           `json:"selection"` // the labs and tests graded
	Seconds     float64          `json:"seconds"`   // how long this run took
	MaxScore    int              `json:"max_score"`
	Labs        []gradebookLab   `json:"labs"`
	Summary     gradebookSummary `json:"summary"`
	Submissions []*batchRecord   `json:"submissions"` // sorted by id
}

type gradebookLab struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	MaxScore int             `json:"max_score"`
	Tests    []gradebookTest `json:"tests"`
}

type gradebookTest struct {
	Name      string `json:"name"`
	Package   string `json:"package"`
	MaxPoints int    `json:"max_points"`
	Column    string `json:"column"` // its column in the CSV: "crawler/TestSerialShapes"
}

type gradebookSummary struct {
	Submissions int `json:"submissions"`
	Graded      int `json:"graded"`  // graded now or before, whatever the score
	Resumed     int `json:"resumed"` // of those, unchanged since an earlier run
	Broken      int `json:"broken"`
	Errors      int `json:"errors"`
}

// gradebook collects the records of a batch.
func (b *batch) gradebook(recs []*batchRecord, elapsed time.Duration) *gradebook {
	book := &gradebook{
		Generated:   time.Now().UTC().Truncate(time.Second),
		Selection:   b.selection,
		Seconds:     elapsed.Round(time.Millisecond).Seconds(),
		Submissions: recs,
	}
	for _, lab := range b.labs {
		gl := gradebookLab{ID: lab.ID, Title: lab.Title}
		for _, t := range b.opts.selected(lab) {
			name := t.Name
			if len(lab.Packages) > 1 {
				name = strings.TrimPrefix(t.Package, "./") + "." + name
			}
			gl.Tests = append(gl.Tests, gradebookTest{Name: t.Name, Package: t.Package, MaxPoints: t.Points, Column: lab.ID + "/" + name})
			gl.MaxScore += t.Points
		}
		book.MaxScore += gl.MaxScore
		book.Labs = append(book.Labs, gl)
	}
	book.Summary.Submissions = len(recs)
	for _, r := range recs {
		switch r.Status {
		case statusGraded:
			book.Summary.Graded++
			if r.resumed {
				book.Summary.Resumed++
			}
		case statusBroken:
			book.Summary.Broken++
		default:
			book.Summary.Errors++
		}
	}
	return book
}

// summaryLine says in a line what the batch did.
func (book *gradebook) summaryLine() string {
	s := book.Summary
	line := fmt.Sprintf("Batch: %s: %d graded", plural(s.Submissions, "submission"), s.Graded)
	if s.Resumed > 0 {
		line += fmt.Sprintf(" (%d unchanged since the last run)", s.Resumed)
	}
	line += fmt.Sprintf(", %d broken", s.Broken)
	if s.Errors > 0 {
		line += fmt.Sprintf(", %d not graded (error)", s.Errors)
	}
	return line + fmt.Sprintf(" in %s", (time.Duration(book.Seconds*float64(time.Second))).Round(time.Second))
}

// write writes gradebook.json, gradebook.csv and report.html to dir, each
// whole or not at all.
func (book *gradebook) write(dir string) error {
	if err := writeJSONFile(filepath.Join(dir, "gradebook.json"), book); err != nil {
		return err
	}
	data, err := book.csv()
	if err != nil {
		return fmt.Errorf("writing the gradebook: %v", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "gradebook.csv"), data); err != nil {
		return err
	}
	page, err := book.html()
	if err != nil {
		return fmt.Errorf("writing the report: %v", err)
	}
	return writeFileAtomic(filepath.Join(dir, "report.html"), page)
}

// csv returns the gradebook as CSV: a row per submission with its id, total,
// maximum, a column per lab and one per test with the points earned, its
// status and notes. A broken submission totals 0 and leaves the labs and
// tests empty; one not graded (error) leaves its total empty too.
func (book *gradebook) csv() ([]byte, error) {
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
	w.Write(header)
	for _, r := range book.Submissions {
		row := []string{csvText(r.ID), "", strconv.Itoa(book.MaxScore)}
		labs := map[string]*jsonLab{}
		for i := range r.Labs {
			labs[r.Labs[i].ID] = &r.Labs[i]
		}
		graded := r.Status == statusGraded
		switch r.Status {
		case statusGraded:
			row[1] = strconv.Itoa(r.Score)
		case statusBroken:
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
		if r.Status != statusGraded {
			notes = r.Reason
		}
		row = append(row, r.Status, csvText(strings.ReplaceAll(notes, "\n", " ")))
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
