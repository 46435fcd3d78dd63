package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// good is a well-formed catalogue file for the lab "web" in ./web.
const good = `
title    = "Web crawler"
order    = 1
packages = ["./web"]
handout  = "docs/web.md"
timeout  = "30s"
student_files = ["web/serial.go"]

[[parts]]
id    = "serial"
title = "A. Serial"

[[tests]]
name   = "TestSerial"
part   = "serial"
points = 5

[[tests]]
name    = "TestSerialSlow"
part    = "serial"
points  = 3
timeout = "2m"

[[tests]]
name    = "TestHidden"
part    = "serial"
points  = 2
private = true
`

// tree writes files (path relative to the root -> contents) into a new
// temporary directory, along with the package dirs the catalogues use, and
// returns the root.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range []string{"web/serial.go", "kv/server.go", "kv/client/client.go"} {
		files[f] = "package x\n"
	}
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

func TestLoadGood(t *testing.T) {
	second := strings.NewReplacer(
		`"Web crawler"`, `"Key/value server"`,
		"order    = 1", "order = 2",
		`["./web"]`, `["./kv", "./kv/client"]`,
		`["web/serial.go"]`, `["kv/server.go", "kv/client/client.go"]`,
		`points = 5`, "points = 5\npackage = \"./kv\"",
		`points  = 3`, "points = 3\npackage = \"kv/client\"",
		`points  = 2`, "points = 2\npackage = \"./kv/client\"",
	).Replace(good)
	second = strings.Replace(second, `package = "kv/client"`, `package = "./kv/client"`, 1)
	root := tree(t, map[string]string{"labs/web.toml": good, "labs/kv.toml": second, "labs/README.md": "# Labs\n"})

	labs, err := Load(root)
	if err != nil {
		t.Fatalf("Load of a good catalogue: %v", err)
	}
	if len(labs) != 2 {
		t.Fatalf("Load returned %d labs, want one per .toml file (2)", len(labs))
	}

	web, kv := labs[0], labs[1]
	want := &Lab{
		ID:           "web",
		File:         "labs/web.toml",
		Title:        "Web crawler",
		Order:        1,
		Packages:     []string{"./web"},
		Handout:      "docs/web.md",
		Timeout:      30 * time.Second,
		StudentFiles: []string{"web/serial.go"},
		Limits:       DefaultLimits,
		Parts:        []Part{{ID: "serial", Title: "A. Serial"}},
		Tests: []Test{
			{Name: "TestSerial", Part: "serial", Points: 5, Package: "./web", Timeout: 30 * time.Second, Limits: DefaultLimits},
			{Name: "TestSerialSlow", Part: "serial", Points: 3, Package: "./web", Timeout: 2 * time.Minute, Limits: DefaultLimits},
			{Name: "TestHidden", Part: "serial", Points: 2, Package: "./web", Timeout: 30 * time.Second, Private: true, Limits: DefaultLimits},
		},
	}
	if !reflect.DeepEqual(web, want) {
		t.Errorf("Load read\n%+v\nwant\n%+v", web, want)
	}
	if web.Test("./web", "TestSerial") == nil || web.Test("./kv", "TestSerial") != nil {
		t.Errorf("Test(pkg, name) must find a test only in its own package")
	}
	if kv.ID != "kv" {
		t.Fatalf("the second lab is %s, want kv: labs must come in course order", kv.ID)
	}
	if got := kv.Packages; !reflect.DeepEqual(got, []string{"./kv", "./kv/client"}) {
		t.Errorf("kv.Packages = %q", got)
	}
	if kv.Tests[0].Package != "./kv" || kv.Tests[1].Package != "./kv/client" {
		t.Errorf("tests of a lab with several packages must keep their own package: got %q and %q", kv.Tests[0].Package, kv.Tests[1].Package)
	}
}

func TestLoadDefaultTimeout(t *testing.T) {
	root := tree(t, map[string]string{"labs/web.toml": strings.Replace(good, `timeout  = "30s"`, "", 1)})
	labs, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	l := labs[0]
	if l.Timeout != DefaultTimeout || l.Tests[0].Timeout != DefaultTimeout || l.Tests[1].Timeout != 2*time.Minute {
		t.Errorf("timeouts are %v (lab), %v, %v; want %v, %v, 2m", l.Timeout, l.Tests[0].Timeout, l.Tests[1].Timeout, DefaultTimeout, DefaultTimeout)
	}
}

func TestLoadLimits(t *testing.T) {
	text := strings.Replace(good, "[[parts]]", "[limits]\nmemory = \"512MiB\"\nopen_files = 256\n\n[[parts]]", 1)
	labs, err := Load(tree(t, map[string]string{"labs/web.toml": text}))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultLimits
	want.Memory, want.OpenFiles = 512<<20, 256
	if got := labs[0].Limits; got != want {
		t.Errorf("limits %+v, want %+v: a key the lab sets overrides its default, the others keep theirs", got, want)
	}

	for _, tc := range []struct{ table, want string }{
		{"memory = \"2GB\"", `limits.memory: "2GB" is not a size: write it as a whole number and a unit, such as "2GiB"`},
		{"file_size = \"1KiB\"", "limits.file_size is 1KiB: allow at least 1 MiB"},
		{"processes = 10", "limits.processes is 10: allow at least 64"},
		{"memroy = \"1GiB\"", `unknown key "limits.memroy" (the keys in [limits] are memory, file_size, processes, open_files)`},
	} {
		text := strings.Replace(good, "[[parts]]", "[limits]\n"+tc.table+"\n\n[[parts]]", 1)
		_, err := Load(tree(t, map[string]string{"labs/web.toml": text}))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "labs/web.toml:") {
			t.Errorf("[limits] %s: error %v, want one that says %q with its line", tc.table, err, tc.want)
		}
	}
}

func TestLoadMalformed(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error, each required
	}{
		{
			name:  "typo in a test key",
			files: map[string]string{"labs/web.toml": strings.Replace(good, "points = 5", "pionts = 5", 1)},
			want:  []string{"labs/web.toml:", `unknown key "tests.pionts"`, "name, part, points"},
		},
		{
			name:  "typo in a top-level key",
			files: map[string]string{"labs/web.toml": strings.Replace(good, "handout ", "handot ", 1)},
			want:  []string{"labs/web.toml:5: unknown key \"handot\""},
		},
		{
			name:  "TOML syntax error",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `title    = "Web crawler"`, `title = "Web`, 1)},
			want:  []string{"labs/web.toml:2: invalid TOML"},
		},
		{
			name:  "wrong type",
			files: map[string]string{"labs/web.toml": strings.Replace(good, "points = 5", `points = "five"`, 1)},
			want:  []string{"labs/web.toml:", "points", "incompatible types"},
		},
		{
			name:  "missing title",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `title    = "Web crawler"`, "", 1)},
			want:  []string{"labs/web.toml: missing title"},
		},
		{
			name:  "missing order",
			files: map[string]string{"labs/web.toml": strings.Replace(good, "order    = 1", "", 1)},
			want:  []string{"labs/web.toml: missing order"},
		},
		{
			name:  "missing packages",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `packages = ["./web"]`, "", 1)},
			want:  []string{"labs/web.toml: missing packages"},
		},
		{
			name:  "missing student files",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `student_files = ["web/serial.go"]`, "", 1)},
			want:  []string{"labs/web.toml: missing student_files"},
		},
		{
			name:  "missing tests",
			files: map[string]string{"labs/web.toml": good[:strings.Index(good, "[[tests]]")]},
			want:  []string{"labs/web.toml: missing tests"},
		},
		{
			name: "duplicate order",
			files: map[string]string{
				"labs/web.toml":  good,
				"labs/web2.toml": good,
			},
			want: []string{"labs/web2.toml: order 1 is also the order of labs/web.toml"},
		},
		{
			name:  "duplicate test",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `"TestSerialSlow"`, `"TestSerial"`, 1)},
			want:  []string{"labs/web.toml:18: test TestSerial in ./web is listed twice"},
		},
		{
			name:  "zero points",
			files: map[string]string{"labs/web.toml": strings.Replace(good, "points = 5", "points = 0", 1)},
			want:  []string{"labs/web.toml:16: test TestSerial has no points"},
		},
		{
			name:  "negative points",
			files: map[string]string{"labs/web.toml": strings.Replace(good, "points = 5", "points = -1", 1)},
			want:  []string{"test TestSerial: points is -1"},
		},
		{
			name:  "unknown part",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `part   = "serial"`, `part = "serail"`, 1)},
			want:  []string{`labs/web.toml:15: test TestSerial names part "serail", which is not declared: the parts are "serial"`},
		},
		{
			name:  "no part",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `part   = "serial"`, ``, 1)},
			want:  []string{`test TestSerial has no part`},
		},
		{
			name:  "unknown package",
			files: map[string]string{"labs/web.toml": strings.Replace(good, "points = 5", "points = 5\npackage = \"./kv\"", 1)},
			want:  []string{`test TestSerial names package "./kv", which is not one of the lab's packages`},
		},
		{
			name:  "package of a multi-package lab missing",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `["./web"]`, `["./web", "./kv"]`, 1)},
			want:  []string{"test TestSerial has no package: the lab has several"},
		},
		{
			name:  "package path without ./",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `["./web"]`, `["web"]`, 1)},
			want:  []string{`package "web" must be a directory path from the repository root that starts with "./"`},
		},
		{
			name:  "package that does not exist",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `["./web"]`, `["./nope"]`, 1)},
			want:  []string{`package "./nope": directory nope does not exist`},
		},
		{
			name:  "bad lab timeout",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `"30s"`, `"30"`, 1)},
			want:  []string{`labs/web.toml:6: timeout "30" is not a duration`},
		},
		{
			name:  "bad test timeout",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `"2m"`, `"soon"`, 1)},
			want:  []string{`labs/web.toml:22: test TestSerialSlow: timeout "soon" is not a duration`},
		},
		{
			name:  "negative timeout",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `"2m"`, `"-1s"`, 1)},
			want:  []string{`timeout "-1s" must be more than zero`},
		},
		{
			name:  "student file that does not exist",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `"web/serial.go"`, `"web/mutex.go"`, 1)},
			want:  []string{"labs/web.toml:7: student file web/mutex.go does not exist"},
		},
		{
			name:  "student file outside the lab's packages",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `"web/serial.go"`, `"web/serial.go", "kv/server.go"`, 1)},
			want:  []string{"student file kv/server.go is not in one of the lab's packages"},
		},
		{
			name:  "test name that is not a test function",
			files: map[string]string{"labs/web.toml": strings.Replace(good, `"TestSerial"`, `"Serial"`, 1)},
			want:  []string{`test "Serial": a name must be a top-level Go test function`},
		},
		{
			name:  "duplicate part",
			files: map[string]string{"labs/web.toml": strings.Replace(good, "[[tests]]", "[[parts]]\nid = \"serial\"\ntitle = \"again\"\n\n[[tests]]", 1)},
			want:  []string{`part "serial" is declared twice`},
		},
		{
			name:  "no catalogue files",
			files: map[string]string{"labs/README.md": "# Labs\n"},
			want:  []string{"no labs:", "holds no .toml file"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tree(t, tt.files))
			if err == nil {
				t.Fatal("Load accepted a catalogue with this problem")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the error must say what is wrong and where:\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	bad := strings.NewReplacer(`title    = "Web crawler"`, "", "points = 5", "points = 0", `"2m"`, `"later"`).Replace(good)
	_, err := Load(tree(t, map[string]string{"labs/web.toml": bad}))
	for _, w := range []string{"missing title", "TestSerial has no points", `timeout "later"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Load must report every problem: got %v, want it to contain %q", err, w)
		}
	}
}

func TestLoadNoCatalogue(t *testing.T) {
	_, err := Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "no lab catalogue") {
		t.Errorf("Load of a tree without labs/: got %v, want an error about the missing catalogue", err)
	}
}

// TestRepositoryCatalogue loads the kit's own catalogue, and checks that
// its index, labs/README.md, lists every lab in course order.
func TestRepositoryCatalogue(t *testing.T) {
	root := filepath.Join("..", "..")
	labs, err := Load(root)
	if err != nil {
		t.Fatalf("the catalogue in labs/ must load:\n%v", err)
	}
	index, err := os.ReadFile(filepath.Join(root, Dir, "README.md"))
	if err != nil {
		t.Fatalf("the catalogue needs its index: %v", err)
	}
	last := -1
	for _, l := range labs {
		at := strings.Index(string(index), "("+l.ID+".toml)")
		switch {
		case at < 0:
			t.Errorf("%s/README.md does not list %s: add a line for it, as [`%s.toml`](%s.toml)", Dir, l.File, l.ID, l.ID)
		case at < last:
			t.Errorf("%s/README.md lists %s out of course order (its order is %d)", Dir, l.File, l.Order)
		default:
			last = at
		}
	}
}

func TestLoadNamesTheLineOfEachTypo(t *testing.T) {
	bad := strings.NewReplacer("points = 5", "pionts = 5", "points  = 3", "pionts  = 3").Replace(good)
	_, err := Load(tree(t, map[string]string{"labs/web.toml": bad}))
	if err == nil {
		t.Fatal("a catalogue with two misspelt keys must not load")
	}
	lines := strings.Split(bad, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "pionts") {
			want := fmt.Sprintf("labs/web.toml:%d: unknown key", i+1)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("each misspelt key must be reported at its own line: want %q in\n%v", want, err)
			}
		}
	}
}
