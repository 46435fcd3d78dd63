package mutant

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const solution = "//go:build solution\n\npackage web\n\nfunc Serial() {\n\tmark()\n\tfetch()\n}\n"

// tree writes files (relative path -> contents) under a new root, beside a
// package ./web whose serial_solution.go the mutants change.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files["web/serial_solution.go"] = solution
	files["web/fetch.go"] = "package web\n\nfunc fetch() {}\n"
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestFind(t *testing.T) {
	root := tree(t, map[string]string{
		"web/testdata/mutants/no-map.txtar": "Mutant: Serial forgets what it fetched.\n" +
			"Must fail: TestSerialShapes, TestSerialMap\nMust fail: TestSerialLarge TestSerialMap\n" +
			"-- serial_solution.go.old --\n\tmark()\n-- serial_solution.go.new --\n",
		"web/testdata/mutants/both.txtar": "Mutant: two files.\nMust fail: TestA\n" +
			"-- serial_solution.go.old --\n\tfetch()\n-- serial_solution.go.new --\n\tfetch()\n\tfetch()\n" +
			"-- fetch.go.old --\nfunc fetch() {}\n-- fetch.go.new --\nfunc fetch() { panic(0) }\n",
	})
	ms, err := Find(root, "./web")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("Find returned %d mutants, want 2", len(ms))
	}
	both, noMap := ms[0], ms[1]
	want := &Mutant{
		Name:     "no-map",
		Package:  "./web",
		Path:     "web/testdata/mutants/no-map.txtar",
		Bug:      "Serial forgets what it fetched.",
		MustFail: []string{"TestSerialShapes", "TestSerialMap", "TestSerialLarge"},
		Changes:  []Change{{File: "web/serial_solution.go", Old: "\tmark()\n", New: ""}},
	}
	if !reflect.DeepEqual(noMap, want) {
		t.Errorf("Find read\n%+v\nwant\n%+v", noMap, want)
	}
	files, err := both.Apply(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := files["web/serial_solution.go"]; !strings.Contains(got, "\tfetch()\n\tfetch()\n") || !strings.Contains(got, "mark()") {
		t.Errorf("applied, serial_solution.go reads\n%s", got)
	}
	if got := files["web/fetch.go"]; got != "package web\n\nfunc fetch() { panic(0) }\n" {
		t.Errorf("applied, fetch.go reads %q", got)
	}

	dir := t.TempDir()
	data, err := noMap.Overlay(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	var o struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatal(err)
	}
	patched := o.Replace[filepath.Join(root, "web", "serial_solution.go")]
	if filepath.Dir(patched) != dir {
		t.Fatalf("the overlay does not replace serial_solution.go by a file in %s: %s", dir, data)
	}
	if b, _ := os.ReadFile(patched); strings.Contains(string(b), "mark()") {
		t.Errorf("the patched file still marks:\n%s", b)
	}
	if _, err := noMap.Overlay("relative", dir); err == nil {
		t.Error("Overlay accepted a relative root")
	}
}

func TestFindNone(t *testing.T) {
	ms, err := Find(t.TempDir(), "./web")
	if err != nil || ms != nil {
		t.Errorf("a package without mutants: %v, %v; want nothing and no error", ms, err)
	}
}

func TestFindMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"no-bug", "Must fail: TestA\n-- serial_solution.go.old --\n\tmark()\n-- serial_solution.go.new --\n", `no "Mutant: <the bug in one line>" line`},
		{"no-tests", "Mutant: x\n-- serial_solution.go.old --\n\tmark()\n-- serial_solution.go.new --\n", `no "Must fail: TestA, TestB" line`},
		{"bad-test", "Mutant: x\nMust fail: Serial\n-- serial_solution.go.old --\n\tmark()\n-- serial_solution.go.new --\n", `"Serial" in the "Must fail:" line is not a test function name`},
		{"odd", "Mutant: x\nMust fail: TestA\n-- serial_solution.go.old --\n\tmark()\n", "a mutant is pairs of files"},
		{"unpaired", "Mutant: x\nMust fail: TestA\n-- serial_solution.go.old --\n\tmark()\n-- fetch.go.new --\n", "each change is a pair"},
		{"stale", "Mutant: x\nMust fail: TestA\n-- serial_solution.go.old --\n\tmarkAll()\n-- serial_solution.go.new --\n", "found 0 times in web/serial_solution.go"},
		{"ambiguous", "Mutant: x\nMust fail: TestA\n-- serial_solution.go.old --\n\t\n-- serial_solution.go.new --\n", "found"},
		{"no-file", "Mutant: x\nMust fail: TestA\n-- nothing.go.old --\nx\n-- nothing.go.new --\n", "has no file nothing.go to change"},
	} {
		root := tree(t, map[string]string{"web/testdata/mutants/" + tc.name + ".txtar": tc.text})
		_, err := Find(root, "./web")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.name+".txtar") {
			t.Errorf("%s: error %v, want one that names the patch and says %q", tc.name, err, tc.want)
		}
	}
	root := tree(t, map[string]string{"web/testdata/mutants/old-style/serial_solution.go": solution})
	if _, err := Find(root, "./web"); err == nil || !strings.Contains(err.Error(), "a mutant is a patch, <name>.txtar") {
		t.Errorf("a mutant folder of whole files: error %v, want one that asks for a patch", err)
	}
}
