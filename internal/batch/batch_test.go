package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/intake/intaketest"
	"golabs/internal/progress"
	"golabs/internal/report"
)

// calcLab is a lab of a kit made by a test: two student files, two tests.
var calcLab = &catalog.Lab{
	ID: "calc", File: "labs/calc.toml", Title: "Calculator", Order: 1, Packages: []string{"./calc"},
	StudentFiles: []string{"calc/add.go", "calc/mul.go"},
	Tests: []catalog.Test{
		{Name: "TestAdd", Points: 3, Package: "./calc", Timeout: time.Minute},
		{Name: "TestMul", Points: 2, Package: "./calc", Timeout: time.Minute},
	},
}

// fakeBatch returns a batch of the folder in on a tiny kit, whose grading
// passes a test when its student file holds "done", and counts the
// submissions it grades.
func fakeBatch(t *testing.T, in, out string, graded *atomic.Int32) *Batch {
	t.Helper()
	root := t.TempDir()
	for name, text := range map[string]string{
		"go.mod": "module calc\n", "labs/calc.toml": "", "calc/add.go": "stub", "calc/mul.go": "stub", "calc/calc_test.go": "tests",
		"calc/add_solution.go": "the reference", "calc/testdata/mutants/zero.txtar": "a mutant",
		".ci/run": "the kit's CI", "release/main.go": "the release tool", "docs/instructors.md": "for staff",
		"docs/calc.md": "the handout",
	} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(root, name), []byte(text), 0o644)
	}
	b := &Batch{
		Root: root, Labs: []*catalog.Lab{calcLab}, Selection: report.Selection{Labs: []string{"calc"}, Kit: "kit-1"},
		Par: 1, Jobs: 2, In: in, Out: out, Log: &bytes.Buffer{},
	}
	b.GradeTree = func(ctx context.Context, dir string) ([]*report.Lab, error) {
		graded.Add(1)
		for _, name := range []string{"calc/add_solution.go", "calc/testdata/mutants/zero.txtar", ".ci/run", "release/main.go", "docs/instructors.md"} {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err == nil {
				t.Errorf("the copy of the kit holds %s, which a student's tree has not", name)
			}
		}
		for _, name := range []string{"calc/calc_test.go", "docs/calc.md", "go.mod"} {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
				t.Errorf("the copy of the kit lacks %s: %v", name, err)
			}
		}
		l := &report.Lab{ID: calcLab.ID, Title: calcLab.Title, File: calcLab.File, Spec: calcLab}
		for _, tt := range calcLab.Tests {
			file := map[string]string{"TestAdd": "add.go", "TestMul": "mul.go"}[tt.Name]
			data, _ := os.ReadFile(filepath.Join(dir, "calc", file))
			r := report.NewTest(tt)
			r.SetElapsed(20 * time.Millisecond)
			if strings.Contains(string(data), "done") {
				r.Decide(report.Pass, "")
			} else {
				r.Decide(report.Fail, "not implemented yet")
			}
			l.Tests = append(l.Tests, r)
		}
		l.Total()
		return []*report.Lab{l}, nil
	}
	return b
}

// run runs b and fails t on a setup error.
func run(t *testing.T, b *Batch) *report.Gradebook {
	t.Helper()
	res, err := b.Run(context.Background())
	if err != nil {
		t.Fatalf("batch: %v\n%s", err, b.Log)
	}
	return res.Book
}

// log returns what b printed on its log.
func log(b *Batch) string { return b.Log.(*bytes.Buffer).String() }

// TestBatchResume grades a folder twice: the second run takes every result
// from the first, until a submission changes; -fresh grades all again. It
// checks the gradebook's CSV, JSON and HTML on the way.
func TestBatchResume(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	in, out := filepath.Join(base, "in"), filepath.Join(base, "out")
	intaketest.WriteFiles(t, in, map[string]string{
		"alice/calc/add.go": "done", "alice/calc/mul.go": "done",
		"bob/add.go":    "done",
		"=carol/README": "nothing",
		"notes.txt":     "not a submission",
	})
	intaketest.WriteZip(t, filepath.Join(in, "dave.zip"), intaketest.Entry{Name: "../add.go", Body: "done"})
	var graded atomic.Int32
	b := fakeBatch(t, in, out, &graded)
	if run(t, b); graded.Load() != 2 {
		t.Fatalf("first run: %d graded, want 2\n%s", graded.Load(), log(b))
	}
	stderr := log(b)
	for _, want := range []string{
		"ignoring notes.txt: a submission is a folder, a .zip or a .tar.gz",
		"=carol: broken: no student files: the submission should hold calc/add.go, calc/mul.go",
		"alice: 5/5 (", "bob: 3/5 (",
		`dave: broken: entry "../add.go" has a .. component`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the progress lines lack %q:\n%s", want, stderr)
		}
	}

	// The gradebook.
	data, err := os.ReadFile(filepath.Join(out, "gradebook.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("gradebook.csv: %v\n%s", err, data)
	}
	want := [][]string{
		{"id", "total", "max", "calc", "calc/TestAdd", "calc/TestMul", "status", "notes"},
		{"'=carol", "0", "5", "", "", "", "broken", "no student files: the submission should hold calc/add.go, calc/mul.go"},
		{"alice", "5", "5", "5", "3", "2", "graded", ""},
		{"bob", "3", "5", "3", "3", "0", "graded", "calc/mul.go is missing; the stub was graded"},
		{"dave", "0", "5", "", "", "", "broken", `entry "../add.go" has a .. component, which would put it outside the submission`},
	}
	if got, w := csvString(rows), csvString(want); got != w {
		t.Errorf("gradebook.csv:\n%s\nwant:\n%s", got, w)
	}
	var book report.Gradebook
	data, _ = os.ReadFile(filepath.Join(out, "gradebook.json"))
	if err := json.Unmarshal(data, &book); err != nil {
		t.Fatalf("gradebook.json: %v", err)
	}
	if book.MaxScore != 5 || book.Summary != (report.Summary{Submissions: 4, Graded: 2, Broken: 2}) ||
		len(book.Submissions) != 4 || book.Submissions[1].ID != "alice" || book.Submissions[1].Hash == "" ||
		len(book.Labs) != 1 || len(book.Labs[0].Tests) != 2 || book.Labs[0].Tests[1].Column != "calc/TestMul" {
		t.Errorf("gradebook.json:\n%s", data)
	}
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	for _, want := range []string{"<td>bob</td><td class=\"num\">3/5</td>", "<title>90-100%: 1</title>", "<title>60-69%: 1</title>",
		"<code>calc/TestMul</code></td><td class=\"num\">2</td><td class=\"num\">1/2</td>", "dave.zip"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}

	// A second run grades nothing; a changed submission is graded again.
	if run(t, b); graded.Load() != 2 {
		t.Fatalf("second run: %d graded in all, want still 2\n%s", graded.Load(), log(b))
	}
	if !strings.Contains(log(b), "alice: 5/5 (unchanged since the last run)") {
		t.Errorf("the second run must say alice is unchanged:\n%s", log(b))
	}
	intaketest.WriteFiles(t, in, map[string]string{"bob/mul.go": "done"})
	if run(t, b); graded.Load() != 3 {
		t.Fatalf("after bob's change: %d graded in all, want 3\n%s", graded.Load(), log(b))
	}
	data, _ = os.ReadFile(filepath.Join(out, "gradebook.csv"))
	if !strings.Contains(string(data), "\nbob,5,5,5,3,2,graded,\n") {
		t.Errorf("bob's new grade is not in the gradebook:\n%s", data)
	}
	// Changed tests (a new hash of the protected files) grade all again.
	b.Selection.Kit = "kit-2"
	if run(t, b); graded.Load() != 5 {
		t.Fatalf("after the tests changed: %d graded in all, want 5\n%s", graded.Load(), log(b))
	}
	b.Fresh = true
	if run(t, b); graded.Load() != 7 {
		t.Fatalf("-fresh: %d graded in all, want 7\n%s", graded.Load(), log(b))
	}
}

func csvString(rows [][]string) string {
	var lines []string
	for _, r := range rows {
		lines = append(lines, strings.Join(r, " | "))
	}
	return strings.Join(lines, "\n")
}

// TestBatchProgressBar draws the bar a terminal sees.
func TestBatchProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := &progressBar{w: &buf, line: progress.Force(&buf)}
	p.start(4)
	p.finished(&report.Record{ID: "a", Status: report.StatusBroken, Reason: "no student files"})
	p.finished(&report.Record{ID: "b", Status: report.StatusGraded})
	p.end()
	if !strings.Contains(buf.String(), "\r\x1b[K[##########..........] 2/4 submissions, 1 broken, ETA ") ||
		!strings.Contains(buf.String(), "\r\x1b[Kbatch: [1/4] a: broken: no student files\n") || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("progress bar: %q", buf.String())
	}
}

// TestBatchError grades a submission whose grading fails for a reason that
// is not the student's: it is counted as an error but not recorded, and the
// next run tries it again.
func TestBatchError(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	in, out := filepath.Join(base, "in"), filepath.Join(base, "out")
	intaketest.WriteFiles(t, in, map[string]string{"alice/add.go": "done", "bob/add.go": "done"})
	var graded atomic.Int32
	b := fakeBatch(t, in, out, &graded)
	fake := b.GradeTree
	b.GradeTree = func(ctx context.Context, dir string) ([]*report.Lab, error) {
		if data, _ := os.ReadFile(filepath.Join(dir, "calc", "mul.go")); string(data) == "stub" && graded.Load() == 0 {
			graded.Add(1)
			return nil, errors.New("the go command failed: disk full")
		}
		return fake(ctx, dir)
	}
	b.Jobs = 1
	if book := run(t, b); book.Summary.Errors != 1 {
		t.Fatalf("%d submissions not graded (error), want 1\n%s", book.Summary.Errors, log(b))
	}
	data, _ := os.ReadFile(filepath.Join(out, "gradebook.csv"))
	if !strings.Contains(string(data), "\nalice,,5,,,,error,the go command failed: disk full\nbob,3,5,3,3,0,graded,") {
		t.Errorf("gradebook.csv:\n%s", data)
	}
	if _, err := os.Stat(filepath.Join(out, "results", "alice.json")); err == nil {
		t.Errorf("a submission that was not graded has a result")
	}
	if book := run(t, b); book.Summary.Errors != 0 || graded.Load() != 3 {
		t.Errorf("second run: %d errors, %d graded in all, want 0 and 3 (alice again, bob unchanged)", book.Summary.Errors, graded.Load())
	}
}

func TestParseShard(t *testing.T) {
	for in, want := range map[string]Shard{"": {}, "1/1": {1, 1}, "3/4": {3, 4}} {
		if got, err := ParseShard(in); err != nil || got != want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0/4", "5/4", "4", "a/b", "1/0", "-1/3"} {
		if _, err := ParseShard(bad); err == nil || !strings.Contains(err.Error(), "want K/N with 1 <= K <= N") {
			t.Errorf("ParseShard(%q): %v, want an error", bad, err)
		}
	}
}
