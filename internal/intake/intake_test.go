package intake

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golabs/internal/intake/intaketest"
)

// TestSubmissionSafety reads tiny archives and folders that try to escape
// the submission, smuggle a link or flood the disk: each is broken, with a
// reason that says which entry and why.
func TestSubmissionSafety(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	student := []string{"calc/add.go"}
	good := intaketest.Entry{Name: "calc/add.go", Body: "package calc\n"}
	// Small limits, so that the archives stay tiny; the real ones are the
	// same code with larger numbers.
	lim := Limits{File: 1000, Total: 2500, Entries: 20}
	big := intaketest.Entry{Name: "calc/add.go", Size: 1001}
	for _, tc := range []struct {
		name    string
		entries []intaketest.Entry
		want    string // "" if the submission is fine; "passed over ..." if an entry is
	}{
		{"fine", []intaketest.Entry{{Name: "alice/", Kind: "dir"}, {Name: "alice/calc/add.go", Body: "package calc\n"}}, ""},
		{"traversal", []intaketest.Entry{good, {Name: "calc/../../evil.go", Body: "x"}}, `"calc/../../evil.go" has a .. component`},
		{"absolute", []intaketest.Entry{good, {Name: "/etc/evil.go", Body: "x"}}, `"/etc/evil.go" is an absolute path`},
		{"symlink", []intaketest.Entry{{Name: "calc/add.go", Body: "/etc/passwd", Kind: "symlink"}}, `"calc/add.go" is a symbolic link`},
		{"oversized", []intaketest.Entry{big}, `"calc/add.go" is 1001 bytes, over the limit of 1000 bytes per file`},
		// An entry that breaks a rule but cannot be a student file costs
		// only itself: a built binary, a link in a project's folder.
		{"stray binary", []intaketest.Entry{good, {Name: "calc/calc.test", Size: 1001}}, `passed over entry "calc/calc.test" is 1001 bytes`},
		{"stray link", []intaketest.Entry{good, {Name: "README", Body: "/etc/passwd", Kind: "symlink"}}, `passed over entry "README" is a symbolic link`},
		{"link named as a student file", []intaketest.Entry{good, {Name: "old/add.go", Body: "/etc/passwd", Kind: "symlink"}}, `"old/add.go" is a symbolic link`},
	} {
		for _, kind := range []string{"zip", "tgz"} {
			file := filepath.Join(dir, tc.name+"."+kind)
			if kind == "zip" {
				intaketest.WriteZip(t, file, tc.entries...)
			} else {
				intaketest.WriteTarGz(t, file, tc.entries...)
			}
			sub := &Submission{ID: tc.name, Source: filepath.Base(file), Path: file, Kind: kind}
			files, skipped, err := sub.Read(student, lim)
			checkBroken(t, tc.name+"."+kind, files, skipped, err, tc.want)
		}
	}

	// Archive-specific ways to cheat, and archives that do not open.
	zipBackslash := filepath.Join(dir, "backslash.zip")
	intaketest.WriteZip(t, zipBackslash, intaketest.Entry{Name: `..\evil.go`, Body: "x"})
	hardlink := filepath.Join(dir, "hardlink.tgz")
	intaketest.WriteTarGz(t, hardlink, good, intaketest.Entry{Name: "calc/mul.go", Body: "/etc/passwd", Kind: "hardlink"})
	garbage := filepath.Join(dir, "garbage.zip")
	os.WriteFile(garbage, []byte("not a zip"), 0o644)
	garbageTgz := filepath.Join(dir, "garbage.tgz")
	os.WriteFile(garbageTgz, []byte("not gzip"), 0o644)
	var entries []intaketest.Entry
	for i := range 3 {
		entries = append(entries, intaketest.Entry{Name: "f" + string(rune('a'+i)), Size: 999})
	}
	tooMuch := filepath.Join(dir, "toomuch.zip")
	intaketest.WriteZip(t, tooMuch, entries...)
	entries = nil
	for i := range 21 {
		entries = append(entries, intaketest.Entry{Name: strings.Repeat("d/", i+1), Kind: "dir"})
	}
	tooMany := filepath.Join(dir, "toomany.tgz")
	intaketest.WriteTarGz(t, tooMany, entries...)
	// Entries passed over still cost what a tar archive makes the reader
	// decompress to get past them.
	bomb := filepath.Join(dir, "bomb.tgz")
	intaketest.WriteTarGz(t, bomb, good, intaketest.Entry{Name: "z1", Size: 1500}, intaketest.Entry{Name: "z2", Size: 1500})
	for _, tc := range []struct {
		file, kind, want string
	}{
		{zipBackslash, "zip", `"..\\evil.go" has a .. component`},
		{hardlink, "tgz", `passed over entry "calc/mul.go" is a hard link`},
		{garbage, "zip", "cannot open garbage.zip as a zip archive"},
		{garbageTgz, "tgz", "cannot open garbage.tgz as a gzip-compressed tar archive"},
		{tooMuch, "zip", "the submission holds more than 2500 bytes, the limit"},
		{tooMany, "tgz", "more than 20 entries"},
		{bomb, "tgz", "the submission holds more than 2500 bytes, the limit"},
	} {
		sub := &Submission{ID: "x", Source: filepath.Base(tc.file), Path: tc.file, Kind: tc.kind}
		files, skipped, err := sub.Read(student, lim)
		checkBroken(t, filepath.Base(tc.file), files, skipped, err, tc.want)
	}

	// A folder submission may not hold links either.
	folder := filepath.Join(dir, "folder")
	os.MkdirAll(filepath.Join(folder, "calc"), 0o755)
	os.WriteFile(filepath.Join(folder, "calc", "add.go"), []byte("package calc\n"), 0o644)
	sub := &Submission{ID: "folder", Source: "folder", Path: folder, Kind: "dir"}
	files, skipped, err := sub.Read(student, lim)
	checkBroken(t, "folder", files, skipped, err, "")
	if err := os.Symlink("/etc/passwd", filepath.Join(folder, "calc", "mul.go")); err != nil {
		t.Fatal(err)
	}
	files, skipped, err = sub.Read(student, lim)
	checkBroken(t, "folder with a link", files, skipped, err, `passed over entry "calc/mul.go" is a symbolic link`)
	if err := os.Symlink("/etc/passwd", filepath.Join(folder, "add.go")); err != nil {
		t.Fatal(err)
	}
	files, skipped, err = sub.Read(student, lim)
	checkBroken(t, "folder with a link named as a student file", files, skipped, err, `"add.go" is a symbolic link`)
}

func checkBroken(t *testing.T, name string, files map[string][]byte, skipped []string, err error, want string) {
	t.Helper()
	var se *BrokenError
	switch {
	case (want == "" || strings.HasPrefix(want, "passed over ")) && err != nil:
		t.Errorf("%s: %v, want it read", name, err)
	case (want == "" || strings.HasPrefix(want, "passed over ")) && len(files) != 1:
		t.Errorf("%s: kept %v, want the one student file", name, files)
	case want == "" && len(skipped) > 0:
		t.Errorf("%s: passed over %q, want nothing passed over", name, skipped)
	case strings.HasPrefix(want, "passed over "):
		if len(skipped) != 1 || !strings.Contains(skipped[0], want) {
			t.Errorf("%s: passed over %q, want a note that says %q", name, skipped, want)
		}
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
		found, notes := Locate(student, tc.files)
		if !equalMaps(found, tc.found) || strings.Join(notes, "\n") != strings.Join(tc.notes, "\n") {
			t.Errorf("%s: Locate(%q)\n got %v\n     %q\nwant %v\n     %q", tc.name, tc.files, found, notes, tc.found, tc.notes)
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

// TestTake takes a submission in: the student files found go over the
// stubs of a tree, by their catalogue paths; a submission with none of them
// is broken.
func TestTake(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sub := filepath.Join(dir, "alice.zip")
	intaketest.WriteZip(t, sub, intaketest.Entry{Name: "alice/calc/add.go", Body: "package calc // alice\n"},
		intaketest.Entry{Name: "alice/notes.txt", Body: "not a student file"})
	s, err := Open(sub)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "alice" || s.Kind != "zip" {
		t.Errorf("Open(%s) = %+v, want id alice, kind zip", sub, s)
	}
	taken, err := s.Take([]string{"calc/add.go", "calc/mul.go"}, DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(taken.Files) != 1 || taken.Hash == "" || len(taken.Notes) != 1 || taken.Notes[0] != "calc/mul.go is missing; the stub was graded" {
		t.Errorf("Take: %d files, hash %q, notes %q", len(taken.Files), taken.Hash, taken.Notes)
	}
	tree := filepath.Join(dir, "kit")
	os.MkdirAll(filepath.Join(tree, "calc"), 0o755)
	os.WriteFile(filepath.Join(tree, "calc", "add.go"), []byte("stub"), 0o644)
	os.WriteFile(filepath.Join(tree, "calc", "mul.go"), []byte("stub"), 0o644)
	if err := taken.Place(tree); err != nil {
		t.Fatal(err)
	}
	if add, _ := os.ReadFile(filepath.Join(tree, "calc", "add.go")); string(add) != "package calc // alice\n" {
		t.Errorf("calc/add.go = %q, want the submission's", add)
	}
	if mul, _ := os.ReadFile(filepath.Join(tree, "calc", "mul.go")); string(mul) != "stub" {
		t.Errorf("calc/mul.go = %q, want the stub kept", mul)
	}
	if _, err := os.Stat(filepath.Join(tree, "notes.txt")); err == nil {
		t.Errorf("a file that is no student file was written")
	}

	empty := filepath.Join(dir, "bob")
	os.MkdirAll(empty, 0o755)
	s, err = Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Take([]string{"calc/add.go"}, DefaultLimits)
	var broken *BrokenError
	if !errors.As(err, &broken) || !strings.Contains(err.Error(), "no student files: the submission should hold calc/add.go") {
		t.Errorf("an empty submission: %v, want it broken", err)
	}
	if _, err := Open(filepath.Join(dir, "notes.txt")); err == nil {
		t.Errorf("Open of a file that is no submission must fail")
	}
}
