package mutant

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const solution = "//go:build solution\n\npackage web\n\nfunc Serial() {}\n"

// tree writes files (relative path -> contents) under a new root, beside a
// package ./web whose serial_solution.go the mutants replace.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files["web/serial_solution.go"] = solution
	files["web/fetch.go"] = "package web\n"
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
		"web/testdata/mutants/no-map/serial_solution.go": `//go:build solution

// Mutant: Serial forgets what it fetched.
// Must fail: TestSerialShapes, TestSerialMap
// Must fail: TestSerialLarge TestSerialMap
package web
`,
		"web/testdata/mutants/both/serial_solution.go": "//go:build solution\n\n// Mutant: two files.\n// Must fail: TestA\npackage web\n",
		"web/testdata/mutants/both/fetch.go":           "// Mutant: two files.\n// Must fail: TestB\n\npackage web\n",
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
		Dir:      "web/testdata/mutants/no-map",
		Bug:      "Serial forgets what it fetched.",
		MustFail: []string{"TestSerialShapes", "TestSerialMap", "TestSerialLarge"},
		Files:    []File{{Path: "web/testdata/mutants/no-map/serial_solution.go", Replaces: "web/serial_solution.go"}},
	}
	if !reflect.DeepEqual(noMap, want) {
		t.Errorf("Find read\n%+v\nwant\n%+v", noMap, want)
	}
	if got := both.MustFail; !reflect.DeepEqual(got, []string{"TestB", "TestA"}) || len(both.Files) != 2 {
		t.Errorf("a mutant of two files must fail the tests of both headers and replace both files: got %q, %d files", got, len(both.Files))
	}

	data, err := noMap.Overlay(root)
	if err != nil {
		t.Fatal(err)
	}
	var o struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatal(err)
	}
	from := filepath.Join(root, "web", "serial_solution.go")
	if got := o.Replace[from]; got != filepath.Join(root, "web", "testdata", "mutants", "no-map", "serial_solution.go") || len(o.Replace) != 1 {
		t.Errorf("overlay %s does not replace %s with the mutant", data, from)
	}
}

func TestFindNone(t *testing.T) {
	ms, err := Find(tree(t, map[string]string{}), "./web")
	if err != nil || len(ms) != 0 {
		t.Errorf("a package without mutants: got %v, %v; want none and no error", ms, err)
	}
}

func TestFindMalformed(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no Mutant line", map[string]string{"x/serial_solution.go": "//go:build solution\n\n// Must fail: TestA\npackage web\n"},
			`web/testdata/mutants/x/serial_solution.go: no "// Mutant: <the bug in one line>" comment`},
		{"no Must fail line", map[string]string{"x/serial_solution.go": "//go:build solution\n\n// Mutant: bug.\npackage web\n"},
			`web/testdata/mutants/x/serial_solution.go: no "// Must fail: TestA, TestB" comment`},
		{"empty Must fail line", map[string]string{"x/serial_solution.go": "//go:build solution\n\n// Mutant: bug.\n// Must fail:\npackage web\n"},
			`the "Must fail:" line names no test`},
		{"not a test name", map[string]string{"x/serial_solution.go": "//go:build solution\n\n// Mutant: bug.\n// Must fail: Serial\npackage web\n"},
			`"Serial" in the "Must fail:" line is not a test function name`},
		{"header below the package clause", map[string]string{"x/serial_solution.go": "//go:build solution\n\npackage web\n\n// Mutant: bug.\n// Must fail: TestA\n"},
			`no "// Mutant:`},
		{"no counterpart", map[string]string{"x/mutex_solution.go": "//go:build solution\n\n// Mutant: bug.\n// Must fail: TestA\npackage web\n"},
			`web/testdata/mutants/x/mutex_solution.go: ./web has no file mutex_solution.go to replace`},
		{"constraint differs", map[string]string{"x/serial_solution.go": "// Mutant: bug.\n// Must fail: TestA\npackage web\n"},
			`build constraint "" differs from "//go:build solution" in web/serial_solution.go`},
		{"not Go", map[string]string{"x/notes.txt": "hello"},
			`web/testdata/mutants/x/notes.txt: a mutant holds only .go files`},
		{"no package clause", map[string]string{"x/serial_solution.go": "//go:build solution\n\n// Mutant: bug.\n// Must fail: TestA\n"},
			`web/testdata/mutants/x/serial_solution.go:`},
		{"file instead of a directory", map[string]string{"serial_solution.go": solution},
			`web/testdata/mutants/serial_solution.go: a mutant is a directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for name, text := range tt.files {
				files["web/testdata/mutants/"+name] = text
			}
			ms, err := Find(tree(t, files), "./web")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Find: got %v\nwant an error containing %q", err, tt.want)
			}
			if len(ms) != 0 {
				t.Errorf("Find returned a malformed mutant: %+v", ms[0])
			}
		})
	}
}
