package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
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
func fakeBatch(t *testing.T, in, out string, graded *atomic.Int32) *batch {
	t.Helper()
	root := t.TempDir()
	for name, text := range map[string]string{
		"go.mod": "module calc\n", "labs/calc.toml": "", "calc/add.go": "stub", "calc/mul.go": "stub", "calc/calc_test.go": "tests",
		"calc/add_solution.go": "the reference",
	} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(root, name), []byte(text), 0o644)
	}
	var stderr bytes.Buffer
	b := &batch{
		root: root, labs: []*catalog.Lab{calcLab}, student: calcLab.StudentFiles,
		selection: report.Selection{Labs: []string{"calc"}, Kit: "kit-1"}, par: 1, jobs: 2, in: in, out: out,
		stdout: io.Discard, stderr: &stderr, progress: newBatchProgress(&stderr),
	}
	b.gradeTree = func(ctx context.Context, dir string) ([]*report.Lab, error) {
		graded.Add(1)
		if _, err := os.Stat(filepath.Join(dir, "calc", "add_solution.go")); err == nil {
			t.Errorf("the copy of the kit holds the reference solution")
		}
		if _, err := os.Stat(filepath.Join(dir, "calc", "calc_test.go")); err != nil {
			t.Errorf("the copy of the kit lacks the tests: %v", err)
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

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBatchResume grades a folder twice: the second run takes every result
// from the first, until a submission changes; -fresh grades all again. It
// checks the gradebook's CSV, JSON and HTML on the way.
func TestBatchResume(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	in, out := filepath.Join(base, "in"), filepath.Join(base, "out")
	writeFiles(t, in, map[string]string{
		"alice/calc/add.go": "done", "alice/calc/mul.go": "done",
		"bob/add.go":    "done",
		"=carol/README": "nothing",
		"notes.txt":     "not a submission",
	})
	intaketest.WriteZip(t, filepath.Join(in, "dave.zip"), intaketest.Entry{Name: "../add.go", Body: "done"})
	var graded atomic.Int32
	b := fakeBatch(t, in, out, &graded)
	if code := b.run(context.Background()); code != exitOK || graded.Load() != 2 {
		t.Fatalf("first run: exit %d, %d graded, want 0 and 2\n%s", code, graded.Load(), b.stderr)
	}
	stderr := b.stderr.(*bytes.Buffer).String()
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
	if code := b.run(context.Background()); code != exitOK || graded.Load() != 2 {
		t.Fatalf("second run: exit %d, %d graded in all, want 0 and still 2\n%s", code, graded.Load(), b.stderr)
	}
	if !strings.Contains(b.stderr.(*bytes.Buffer).String(), "alice: 5/5 (unchanged since the last run)") {
		t.Errorf("the second run must say alice is unchanged:\n%s", b.stderr)
	}
	writeFiles(t, in, map[string]string{"bob/mul.go": "done"})
	if code := b.run(context.Background()); code != exitOK || graded.Load() != 3 {
		t.Fatalf("after bob's change: exit %d, %d graded in all, want 0 and 3\n%s", code, graded.Load(), b.stderr)
	}
	data, _ = os.ReadFile(filepath.Join(out, "gradebook.csv"))
	if !strings.Contains(string(data), "\nbob,5,5,5,3,2,graded,\n") {
		t.Errorf("bob's new grade is not in the gradebook:\n%s", data)
	}
	// Changed tests (a new hash of the protected files) grade all again.
	b.selection.Kit = "kit-2"
	if code := b.run(context.Background()); code != exitOK || graded.Load() != 5 {
		t.Fatalf("after the tests changed: exit %d, %d graded in all, want 0 and 5\n%s", code, graded.Load(), b.stderr)
	}
	b.fresh = true
	if code := b.run(context.Background()); code != exitOK || graded.Load() != 7 {
		t.Fatalf("-fresh: exit %d, %d graded in all, want 0 and 7\n%s", code, graded.Load(), b.stderr)
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
	p := &batchProgress{w: &buf, line: progress.Force(&buf)}
	p.start(4)
	p.finished(&report.Record{ID: "a", Status: report.StatusBroken, Reason: "no student files"})
	p.finished(&report.Record{ID: "b", Status: report.StatusGraded})
	p.end()
	if !strings.Contains(buf.String(), "\r\x1b[K[##########..........] 2/4 submissions, 1 broken, ETA ") ||
		!strings.Contains(buf.String(), "\r\x1b[Kbatch: [1/4] a: broken: no student files\n") || !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("progress bar: %q", buf.String())
	}
}

// TestBatchFlags checks the usage errors of grader batch: exit status 2, and
// a message that says what to do.
func TestBatchFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"batch"}, "name the folder of submissions"},
		{[]string{"batch", dir, dir}, "unexpected argument"},
		{[]string{"batch", "-j", "0", dir}, "-j 0: grade at least one submission at a time"},
		{[]string{"batch", dir, "-p", "0"}, "-p 0: run at least one process at a time"},
		{[]string{"batch", "-run", "(", dir}, "error parsing regexp"},
		{[]string{"batch", "-lab", "nope", dir}, `unknown lab "nope"`},
		{[]string{"batch", "-lab", "crawler", "-run", "NoSuchTest", dir}, `-run "NoSuchTest" matches no graded test of crawler`},
		{[]string{"batch", file}, "is not a folder"},
		{[]string{"batch", "-out", filepath.Join(dir, "out"), dir}, "holds no submissions"},
	} {
		var stdout, stderr bytes.Buffer
		if code := cli(context.Background(), tc.args, &stdout, &stderr); code != exitSetup || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: exit %d, want 2 and %q:\n%s", tc.args, code, tc.want, stderr.String())
		}
	}
}

// TestBatchCrawler grades a tiny class against the real kit's crawler lab,
// two tests of it: the reference, zipped under a top folder, earns full
// marks; the stubs, in a folder, nothing; a tarball that escapes is broken.
//
// It does not run in parallel with the other tests: it adds no load to
// those that watch the clock.
func TestBatchCrawler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the crawler lab's tests")
	}
	root, err := findRoot("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "crawler", "serial_solution.go")); err != nil {
		t.Skip("this tree has no reference solutions to submit")
	}
	base := t.TempDir()
	in, out := filepath.Join(base, "submissions"), filepath.Join(base, "grades")
	var ref []intaketest.Entry
	stubs := map[string]string{}
	buildLine := regexp.MustCompile(`(?m)^//go:build .*\n`)
	for _, name := range []string{"serial", "mutex", "channel", "pool"} {
		sol, err := os.ReadFile(filepath.Join(root, "crawler", name+"_solution.go"))
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, intaketest.Entry{Name: "ref-lab1/crawler/" + name + ".go", Body: buildLine.ReplaceAllString(string(sol), "")})
		stub, err := os.ReadFile(filepath.Join(root, "crawler", name+".go"))
		if err != nil {
			t.Fatal(err)
		}
		stubs["stub/"+name+".go"] = string(stub)
	}
	writeFiles(t, in, stubs)
	intaketest.WriteZip(t, filepath.Join(in, "ref.zip"), ref...)
	// A submission whose init writes into the submissions, the gradebook's
	// folder, the kit, and any other submission's copy it can find: the
	// sandbox must keep every write inside its own test.
	evil := strings.Replace(stubs["stub/serial.go"], "package crawler\n", "package crawler\n\n"+
		"import (\n\t\"os\"\n\t\"path/filepath\"\n)\n\n"+
		"func init() {\n\tdirs, _ := filepath.Glob(\"/tmp/grader-batch-*/*/crawler\")\n"+
		fmt.Sprintf("\tfor _, d := range append(dirs, %q, %q, %q, %q) {\n", in, out, root, filepath.Join(root, "crawler"))+
		"\t\tos.MkdirAll(d, 0o755)\n\t\tos.WriteFile(filepath.Join(d, \"labkit-canary\"), []byte(\"escaped\"), 0o644)\n\t}\n}\n", 1)
	writeFiles(t, in, map[string]string{"evil/serial.go": evil})
	defer os.Remove(filepath.Join(root, "labkit-canary"))
	defer os.Remove(filepath.Join(root, "crawler", "labkit-canary"))
	intaketest.WriteTarGz(t, filepath.Join(in, "sneaky.tar.gz"), intaketest.Entry{Name: "crawler/serial.go", Body: "package crawler\n"},
		intaketest.Entry{Name: "../../.bashrc", Body: "echo owned"})

	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), []string{"batch", "-lab", "crawler", "-run", "^(TestSerialFakeFetcher|TestWorker)$", "-p", "2", in}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, dir := range []string{in, out, root, filepath.Join(root, "crawler")} {
		if _, err := os.Stat(filepath.Join(dir, "labkit-canary")); err == nil {
			t.Errorf("a submission's code wrote into %s", dir)
		}
	}
	if !strings.Contains(stdout.String(), "Batch: 4 submissions: 3 graded, 1 broken") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "gradebook.csv"))
	if err != nil {
		t.Fatalf("the gradebook goes beside the submissions by default: %v", err)
	}
	want := "id,total,max,crawler,crawler/TestSerialFakeFetcher,crawler/TestWorker,status,notes\n" +
		"evil,0,11,0,0,0,graded,crawler/mutex.go is missing; the stub was graded; crawler/channel.go is missing; the stub was graded; crawler/pool.go is missing; the stub was graded\n" +
		"ref,11,11,11,5,6,graded,\n" +
		"sneaky,0,11,,,,broken,\"entry \"\"../../.bashrc\"\" has a .. component, which would put it outside the submission\"\n" +
		"stub,0,11,0,0,0,graded,\n"
	if string(data) != want {
		t.Errorf("gradebook.csv:\n%s\nwant:\n%s\nstderr:\n%s", data, want, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(base, ".bashrc")); err == nil {
		t.Errorf("the sneaky archive wrote outside the submission")
	}
	var rec report.Record
	data, _ = os.ReadFile(filepath.Join(out, "results", "stub.json"))
	if err := json.Unmarshal(data, &rec); err != nil || rec.Labs[0].Tests[0].Result != report.Fail ||
		!strings.Contains(rec.Labs[0].Tests[0].Reason, "not implemented") {
		t.Errorf("results/stub.json (%v):\n%s", err, data)
	}
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	for _, want := range []string{"<td>ref</td><td class=\"num\">11/11</td>", "sneaky.tar.gz"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestBatchError grades a submission whose grading fails for a reason that
// is not the student's: it is not recorded, the batch exits with status 1,
// and the next run tries it again.
func TestBatchError(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	in, out := filepath.Join(base, "in"), filepath.Join(base, "out")
	writeFiles(t, in, map[string]string{"alice/add.go": "done", "bob/add.go": "done"})
	var graded atomic.Int32
	b := fakeBatch(t, in, out, &graded)
	fake := b.gradeTree
	b.gradeTree = func(ctx context.Context, dir string) ([]*report.Lab, error) {
		if data, _ := os.ReadFile(filepath.Join(dir, "calc", "mul.go")); string(data) == "stub" && graded.Load() == 0 {
			graded.Add(1)
			return nil, errors.New("the go command failed: disk full")
		}
		return fake(ctx, dir)
	}
	b.jobs = 1
	if code := b.run(context.Background()); code != exitFailed || !strings.Contains(b.stderr.(*bytes.Buffer).String(), "1 submission could not be graded") {
		t.Fatalf("exit %d, want 1\n%s", code, b.stderr)
	}
	data, _ := os.ReadFile(filepath.Join(out, "gradebook.csv"))
	if !strings.Contains(string(data), "\nalice,,5,,,,error,the go command failed: disk full\nbob,3,5,3,3,0,graded,") {
		t.Errorf("gradebook.csv:\n%s", data)
	}
	if _, err := os.Stat(filepath.Join(out, "results", "alice.json")); err == nil {
		t.Errorf("a submission that was not graded has a result")
	}
	if code := b.run(context.Background()); code != exitOK || graded.Load() != 3 {
		t.Errorf("second run: exit %d, %d graded in all, want 0 and 3 (alice again, bob unchanged)", code, graded.Load())
	}
}

// TestShardsAndMerge grades a folder in three shards, as three machines
// would, and joins their gradebooks: every submission is graded once, and
// the joined gradebook is the one a single batch writes.
func TestShardsAndMerge(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	in := filepath.Join(base, "in")
	files := map[string]string{}
	for i := range 12 {
		files[fmt.Sprintf("s%02d/add.go", i)] = "done"
	}
	writeFiles(t, in, files)

	var graded atomic.Int32
	whole := fakeBatch(t, in, filepath.Join(base, "whole"), &graded)
	if code := whole.run(context.Background()); code != exitOK {
		t.Fatalf("the whole folder: exit %d\n%s", code, whole.stderr)
	}
	var dirs []string
	seen := 0
	for k := 1; k <= 3; k++ {
		out := filepath.Join(base, fmt.Sprintf("shard-%d", k))
		b := fakeBatch(t, in, out, &graded)
		b.shard = shard{k, 3}
		if code := b.run(context.Background()); code != exitOK {
			t.Fatalf("shard %d: exit %d\n%s", k, code, b.stderr)
		}
		var book report.Gradebook
		data, _ := os.ReadFile(filepath.Join(out, "gradebook.json"))
		if err := json.Unmarshal(data, &book); err != nil || book.Shard != fmt.Sprintf("%d/3", k) {
			t.Fatalf("shard %d's gradebook (%v):\n%s", k, err, data)
		}
		seen += len(book.Submissions)
		dirs = append(dirs, out)
	}
	if seen != 12 || graded.Load() != 24 {
		t.Errorf("the shards hold %d submissions and graded %d in all with the whole folder, want 12 and 24", seen, graded.Load())
	}

	merged := filepath.Join(base, "merged")
	var stdout, stderr bytes.Buffer
	if code := cli(context.Background(), append([]string{"merge", "-out", merged}, dirs...), &stdout, &stderr); code != exitOK {
		t.Fatalf("merge: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "Batch: 12 submissions: 12 graded, 0 broken") {
		t.Errorf("merge: %s", stdout.String())
	}
	got, _ := os.ReadFile(filepath.Join(merged, "gradebook.csv"))
	want, _ := os.ReadFile(filepath.Join(base, "whole", "gradebook.csv"))
	if string(got) != string(want) {
		t.Errorf("the merged gradebook.csv:\n%s\nwant, as one batch writes it:\n%s", got, want)
	}
	if results, _ := filepath.Glob(filepath.Join(merged, "results", "*.json")); len(results) != 12 {
		t.Errorf("merge wrote %d results, want 12", len(results))
	}

	// Shards that cannot be joined.
	for _, tc := range []struct {
		dirs []string
		want string
	}{
		{[]string{dirs[0], dirs[0]}, "shard 1/3 is given twice"},
		{[]string{dirs[0], filepath.Join(base, "whole")}, "is in"},
		{[]string{filepath.Join(base, "nothing")}, "name the folders grader batch -out wrote"},
	} {
		stderr.Reset()
		if code := cli(context.Background(), append([]string{"merge", "-out", filepath.Join(base, "bad")}, tc.dirs...), io.Discard, &stderr); code != exitSetup ||
			!strings.Contains(stderr.String(), tc.want) {
			t.Errorf("merge %v: exit %d, want 2 and %q:\n%s", tc.dirs, code, tc.want, stderr.String())
		}
	}
	other := fakeBatch(t, in, filepath.Join(base, "other-kit"), &graded)
	other.selection.Kit = "kit-2"
	other.shard = shard{2, 3}
	other.run(context.Background())
	stderr.Reset()
	if code := cli(context.Background(), []string{"merge", "-out", filepath.Join(base, "bad"), dirs[0], filepath.Join(base, "other-kit")}, io.Discard, &stderr); code != exitSetup ||
		!strings.Contains(stderr.String(), "grade every shard with the same flags and the same kit") {
		t.Errorf("merging shards of different kits: exit %d\n%s", code, stderr.String())
	}
}

func TestParseShard(t *testing.T) {
	for in, want := range map[string]shard{"": {}, "1/1": {1, 1}, "3/4": {3, 4}} {
		if got, err := parseShard(in); err != nil || got != want {
			t.Errorf("parseShard(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0/4", "5/4", "4", "a/b", "1/0", "-1/3"} {
		if _, err := parseShard(bad); err == nil || !strings.Contains(err.Error(), "want K/N with 1 <= K <= N") {
			t.Errorf("parseShard(%q): %v, want an error", bad, err)
		}
	}
}
