package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
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
)

// An archiveEntry is one entry of an archive made by a test.
type archiveEntry struct {
	name string
	body string
	size int    // if > 0, a body of this many zero bytes instead
	kind string // "" for a file, "dir", "symlink" or "hardlink"
}

func (e archiveEntry) content() []byte {
	if e.size > 0 {
		return make([]byte, e.size)
	}
	return []byte(e.body)
}

func writeZip(t *testing.T, file string, entries ...archiveEntry) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		switch e.kind {
		case "dir":
			h.SetMode(os.ModeDir | 0o755)
		case "symlink":
			h.SetMode(os.ModeSymlink | 0o777)
		default:
			h.SetMode(0o644)
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if e.kind != "dir" {
			f.Write(e.content())
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeTarGz(t *testing.T, file string, entries ...archiveEntry) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	w := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Typeflag: tar.TypeReg}
		body := e.content()
		switch e.kind {
		case "dir":
			h.Typeflag, body = tar.TypeDir, nil
		case "symlink":
			h.Typeflag, h.Linkname, body = tar.TypeSymlink, e.body, nil
		case "hardlink":
			h.Typeflag, h.Linkname, body = tar.TypeLink, e.body, nil
		}
		h.Size = int64(len(body))
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSubmissionSafety reads tiny archives and folders that try to escape
// the submission, smuggle a link or flood the disk: each is broken, with a
// reason that says which entry and why.
func TestSubmissionSafety(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	student := []string{"calc/add.go"}
	good := archiveEntry{name: "calc/add.go", body: "package calc\n"}
	// Small limits, so that the archives stay tiny; the real ones are the
	// same code with larger numbers.
	lim := limits{file: 1000, total: 2500, entries: 20}
	big := archiveEntry{name: "calc/add.go", size: 1001}
	for _, tc := range []struct {
		name    string
		entries []archiveEntry
		want    string // "" if the submission is fine
	}{
		{"fine", []archiveEntry{{name: "alice/", kind: "dir"}, {name: "alice/calc/add.go", body: "package calc\n"}}, ""},
		{"traversal", []archiveEntry{good, {name: "calc/../../evil.go", body: "x"}}, `"calc/../../evil.go" has a .. component`},
		{"absolute", []archiveEntry{good, {name: "/etc/evil.go", body: "x"}}, `"/etc/evil.go" is an absolute path`},
		{"symlink", []archiveEntry{{name: "calc/add.go", body: "/etc/passwd", kind: "symlink"}}, `"calc/add.go" is a symbolic link`},
		{"oversized", []archiveEntry{big}, `"calc/add.go" is 1001 bytes, over the limit of 1000 bytes per file`},
	} {
		for _, kind := range []string{"zip", "tgz"} {
			file := filepath.Join(dir, tc.name+"."+kind)
			if kind == "zip" {
				writeZip(t, file, tc.entries...)
			} else {
				writeTarGz(t, file, tc.entries...)
			}
			sub := &submission{id: tc.name, source: filepath.Base(file), path: file, kind: kind}
			files, err := sub.read(student, lim)
			checkBroken(t, tc.name+"."+kind, files, err, tc.want)
		}
	}

	// Archive-specific ways to cheat, and archives that do not open.
	zipBackslash := filepath.Join(dir, "backslash.zip")
	writeZip(t, zipBackslash, archiveEntry{name: `..\evil.go`, body: "x"})
	hardlink := filepath.Join(dir, "hardlink.tgz")
	writeTarGz(t, hardlink, good, archiveEntry{name: "calc/mul.go", body: "/etc/passwd", kind: "hardlink"})
	garbage := filepath.Join(dir, "garbage.zip")
	os.WriteFile(garbage, []byte("not a zip"), 0o644)
	garbageTgz := filepath.Join(dir, "garbage.tgz")
	os.WriteFile(garbageTgz, []byte("not gzip"), 0o644)
	var entries []archiveEntry
	for i := range 3 {
		entries = append(entries, archiveEntry{name: "f" + string(rune('a'+i)), size: 999})
	}
	tooMuch := filepath.Join(dir, "toomuch.zip")
	writeZip(t, tooMuch, entries...)
	entries = nil
	for i := range 21 {
		entries = append(entries, archiveEntry{name: strings.Repeat("d/", i+1), kind: "dir"})
	}
	tooMany := filepath.Join(dir, "toomany.tgz")
	writeTarGz(t, tooMany, entries...)
	for _, tc := range []struct {
		file, kind, want string
	}{
		{zipBackslash, "zip", `"..\\evil.go" has a .. component`},
		{hardlink, "tgz", `"calc/mul.go" is a hard link`},
		{garbage, "zip", "cannot open garbage.zip as a zip archive"},
		{garbageTgz, "tgz", "cannot open garbage.tgz as a gzip-compressed tar archive"},
		{tooMuch, "zip", "the submission holds more than 2500 bytes, the limit"},
		{tooMany, "tgz", "more than 20 entries"},
	} {
		sub := &submission{id: "x", source: filepath.Base(tc.file), path: tc.file, kind: tc.kind}
		files, err := sub.read(student, lim)
		checkBroken(t, filepath.Base(tc.file), files, err, tc.want)
	}

	// A folder submission may not hold links either.
	folder := filepath.Join(dir, "folder")
	os.MkdirAll(filepath.Join(folder, "calc"), 0o755)
	os.WriteFile(filepath.Join(folder, "calc", "add.go"), []byte("package calc\n"), 0o644)
	sub := &submission{id: "folder", source: "folder", path: folder, kind: "dir"}
	files, err := sub.read(student, lim)
	checkBroken(t, "folder", files, err, "")
	if err := os.Symlink("/etc/passwd", filepath.Join(folder, "calc", "mul.go")); err != nil {
		t.Fatal(err)
	}
	files, err = sub.read(student, lim)
	checkBroken(t, "folder with a link", files, err, `"calc/mul.go" is a symbolic link`)
}

func checkBroken(t *testing.T, name string, files map[string][]byte, err error, want string) {
	t.Helper()
	var se *submissionError
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v, want it read", name, err)
	case want == "" && len(files) != 1:
		t.Errorf("%s: kept %v, want the one student file", name, files)
	case want != "" && (!errors.As(err, &se) || !strings.Contains(err.Error(), want)):
		t.Errorf("%s: error %v, want a broken submission: %s", name, err, want)
	}
}

// TestLocate holds the rules that find student files in a submission.
func TestLocate(t *testing.T) {
	student := []string{"crawler/serial.go", "crawler/mutex.go", "kv/server.go", "rpcfail/server.go"}
	for _, tc := range []struct {
		name  string
		files []string
		found map[string]string
		notes []string
	}{
		{
			name:  "at the catalogue paths",
			files: []string{"crawler/serial.go", "crawler/mutex.go", "kv/server.go", "rpcfail/server.go", "README.md"},
			found: map[string]string{"crawler/serial.go": "crawler/serial.go", "crawler/mutex.go": "crawler/mutex.go", "kv/server.go": "kv/server.go", "rpcfail/server.go": "rpcfail/server.go"},
		},
		{
			name:  "under a top folder",
			files: []string{"golabs-alice/crawler/serial.go", "golabs-alice/kv/server.go", "golabs-alice/rpcfail/server.go", "__MACOSX/golabs-alice/crawler/._serial.go"},
			found: map[string]string{"crawler/serial.go": "golabs-alice/crawler/serial.go", "kv/server.go": "golabs-alice/kv/server.go", "rpcfail/server.go": "golabs-alice/rpcfail/server.go"},
			notes: []string{"crawler/mutex.go is missing; the stub was graded"},
		},
		{
			name:  "flat, by unique base name",
			files: []string{"serial.go", "mutex.go", "server.go"},
			found: map[string]string{"crawler/serial.go": "serial.go", "crawler/mutex.go": "mutex.go"},
			notes: []string{
				"kv/server.go: server.go is not at that path, and another student file has its name; the stub was graded",
				"rpcfail/server.go: server.go is not at that path, and another student file has its name; the stub was graded",
			},
		},
		{
			name:  "nested under one folder, flat",
			files: []string{"alice/serial.go", "alice/notes.txt"},
			found: map[string]string{"crawler/serial.go": "alice/serial.go"},
			notes: []string{"crawler/mutex.go is missing; the stub was graded", "kv/server.go is missing; the stub was graded", "rpcfail/server.go is missing; the stub was graded"},
		},
		{
			name:  "ambiguous",
			files: []string{"v1/crawler/serial.go", "v2/crawler/serial.go", "a/mutex.go", "b/mutex.go", "crawler/serial.go.orig"},
			found: map[string]string{},
			notes: []string{
				"crawler/serial.go is in several places (v1/crawler/serial.go, v2/crawler/serial.go); the stub was graded",
				"crawler/mutex.go: several files are named mutex.go (a/mutex.go, b/mutex.go), none at crawler/mutex.go; the stub was graded",
				"kv/server.go is missing; the stub was graded", "rpcfail/server.go is missing; the stub was graded",
			},
		},
		{
			name:  "the exact path wins",
			files: []string{"crawler/serial.go", "old/crawler/serial.go"},
			found: map[string]string{"crawler/serial.go": "crawler/serial.go"},
			notes: []string{"crawler/mutex.go is missing; the stub was graded", "kv/server.go is missing; the stub was graded", "rpcfail/server.go is missing; the stub was graded"},
		},
	} {
		found, notes := locate(student, tc.files)
		if !equalMaps(found, tc.found) || strings.Join(notes, "\n") != strings.Join(tc.notes, "\n") {
			t.Errorf("%s: locate(%q)\n got %v\n     %q\nwant %v\n     %q", tc.name, tc.files, found, notes, tc.found, tc.notes)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

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
		selection: "labs=calc run= private=false", par: 1, jobs: 2, in: in, out: out,
		stdout: io.Discard, stderr: &stderr, progress: newBatchProgress(&stderr),
	}
	b.gradeTree = func(ctx context.Context, dir string) ([]*labResult, error) {
		graded.Add(1)
		if _, err := os.Stat(filepath.Join(dir, "calc", "add_solution.go")); err == nil {
			t.Errorf("the copy of the kit holds the reference solution")
		}
		if _, err := os.Stat(filepath.Join(dir, "calc", "calc_test.go")); err != nil {
			t.Errorf("the copy of the kit lacks the tests: %v", err)
		}
		lr := &labResult{lab: calcLab}
		for _, tt := range calcLab.Tests {
			file := map[string]string{"TestAdd": "add.go", "TestMul": "mul.go"}[tt.Name]
			data, _ := os.ReadFile(filepath.Join(dir, "calc", file))
			r := &result{test: tt, outcome: fail, reason: "not implemented yet", elapsed: 20 * time.Millisecond}
			if strings.Contains(string(data), "done") {
				r.outcome, r.reason = pass, ""
			}
			lr.results = append(lr.results, r)
		}
		return []*labResult{lr}, nil
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
	writeZip(t, filepath.Join(in, "dave.zip"), archiveEntry{name: "../add.go", body: "done"})
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
	var book gradebook
	data, _ = os.ReadFile(filepath.Join(out, "gradebook.json"))
	if err := json.Unmarshal(data, &book); err != nil {
		t.Fatalf("gradebook.json: %v", err)
	}
	if book.MaxScore != 5 || book.Summary != (gradebookSummary{Submissions: 4, Graded: 2, Broken: 2}) ||
		len(book.Submissions) != 4 || book.Submissions[1].ID != "alice" || book.Submissions[1].Hash == "" ||
		len(book.Labs) != 1 || len(book.Labs[0].Tests) != 2 || book.Labs[0].Tests[1].Column != "calc/TestMul" {
		t.Errorf("gradebook.json:\n%s", data)
	}
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	checkReport(t, string(page), "<td>bob</td><td class=\"num\">3/5</td>", "<title>90-100%: 1</title>", "<title>60-69%: 1</title>",
		"<code>calc/TestMul</code></td><td class=\"num\">2</td><td class=\"num\">1/2</td>", "dave.zip")

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
	b.fresh = true
	if code := b.run(context.Background()); code != exitOK || graded.Load() != 5 {
		t.Fatalf("-fresh: exit %d, %d graded in all, want 0 and 5\n%s", code, graded.Load(), b.stderr)
	}
}

func csvString(rows [][]string) string {
	var lines []string
	for _, r := range rows {
		lines = append(lines, strings.Join(r, " | "))
	}
	return strings.Join(lines, "\n")
}

// checkReport checks that the HTML page is whole, self-contained, and holds
// each of the snippets.
func checkReport(t *testing.T, page string, snippets ...string) {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("report.html is not a whole page:\n%s", page)
	}
	for _, tag := range []string{"table", "svg", "tr", "td", "th", "style", "head", "body", "code", "text", "title"} {
		open := len(regexp.MustCompile(`<`+tag+`[ >]`).FindAllString(page, -1))
		if closed := strings.Count(page, "</"+tag+">"); open != closed || (tag == "table" && open == 0) {
			t.Errorf("report.html has %d <%s> and %d </%s>", open, tag, closed, tag)
		}
	}
	// No reference to the network: no link, script, image or font to load.
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", `src="`, `href="`, "@import", "url(", "http://", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html holds %q: it must open offline and run nothing", bad)
		}
	}
	for _, s := range snippets {
		if !strings.Contains(page, s) {
			t.Errorf("report.html lacks %q:\n%s", s, page)
		}
	}
}

// TestBatchReportEscapes renders a report whose ids and reasons come from
// a malicious submission: they are shown, escaped, never run.
func TestBatchReportEscapes(t *testing.T) {
	book := &gradebook{
		Selection: "labs=calc", MaxScore: 5,
		Labs: []gradebookLab{{ID: "calc", MaxScore: 5, Tests: []gradebookTest{{Name: "TestAdd", Package: "./calc", MaxPoints: 5, Column: "calc/TestAdd"}}}},
		Submissions: []*batchRecord{
			{ID: "<script>alert(1)</script>", Source: "x.zip", Status: statusBroken, Reason: `entry "<img src=x onerror=alert(1)>" is a symbolic link`},
			{ID: "eve", Status: statusGraded, Score: 0, MaxScore: 5, Notes: []string{"<b>bold</b>"}, Labs: []jsonLab{{ID: "calc", MaxScore: 5,
				Tests: []jsonTest{{Name: "TestAdd", Package: "./calc", MaxPoints: 5, Result: fail, Reason: "</td></tr></table><script>", Seconds: 1.5}}}}},
		},
	}
	page, err := book.html()
	if err != nil {
		t.Fatal(err)
	}
	checkReport(t, string(page), "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;",
		"&lt;b&gt;bold&lt;/b&gt;", "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;", "<td class=\"num\">1.50s</td>")
}

// TestBatchProgressBar draws the bar a terminal sees.
func TestBatchProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := &batchProgress{w: &buf, tty: true}
	p.start(4)
	p.finished(&batchRecord{ID: "a", Status: statusBroken, Reason: "no student files"})
	p.finished(&batchRecord{ID: "b", Status: statusGraded})
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
	var ref []archiveEntry
	stubs := map[string]string{}
	buildLine := regexp.MustCompile(`(?m)^//go:build .*\n`)
	for _, name := range []string{"serial", "mutex", "channel", "pool"} {
		sol, err := os.ReadFile(filepath.Join(root, "crawler", name+"_solution.go"))
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, archiveEntry{name: "ref-lab1/crawler/" + name + ".go", body: buildLine.ReplaceAllString(string(sol), "")})
		stub, err := os.ReadFile(filepath.Join(root, "crawler", name+".go"))
		if err != nil {
			t.Fatal(err)
		}
		stubs["stub/"+name+".go"] = string(stub)
	}
	writeFiles(t, in, stubs)
	writeZip(t, filepath.Join(in, "ref.zip"), ref...)
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
	writeTarGz(t, filepath.Join(in, "sneaky.tar.gz"), archiveEntry{name: "crawler/serial.go", body: "package crawler\n"},
		archiveEntry{name: "../../.bashrc", body: "echo owned"})

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
	var rec batchRecord
	data, _ = os.ReadFile(filepath.Join(out, "results", "stub.json"))
	if err := json.Unmarshal(data, &rec); err != nil || rec.Labs[0].Tests[0].Result != fail ||
		!strings.Contains(rec.Labs[0].Tests[0].Reason, "not implemented") {
		t.Errorf("results/stub.json (%v):\n%s", err, data)
	}
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	checkReport(t, string(page), "<td>ref</td><td class=\"num\">11/11</td>", "sneaky.tar.gz")
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
	b.gradeTree = func(ctx context.Context, dir string) ([]*labResult, error) {
		if data, _ := os.ReadFile(filepath.Join(dir, "calc", "mul.go")); string(data) == "stub" && graded.Load() == 0 {
			graded.Add(1)
			return nil, errors.New("the go command failed: disk full")
		}
		return fake(ctx, dir)
	}
	b.jobs = 1
	if code := b.run(context.Background()); code != exitCheck || !strings.Contains(b.stderr.(*bytes.Buffer).String(), "1 submission could not be graded") {
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
