package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golabs/internal/catalog"
	"golabs/internal/sandbox"
)

// The fixture is a small kit of its own, generated into a temporary
// directory: a module "fixture" with labs whose tests pass, fail, race,
// panic, hang, exit and lie in every way the grader must classify.
var fixtureFiles = map[string]string{
	"go.mod": "module fixture\n\ngo 1.25\n",

	// Lab "fix": one test per verdict.
	"labs/fix.toml": `
title = "Verdicts"
order = 1
packages = ["./fix"]
timeout = "30s"
student_files = ["fix/fix.go"]

[[tests]]
name = "TestPass"
points = 1
[[tests]]
name = "TestFail"
points = 2
[[tests]]
name = "TestSubtests"
points = 1
[[tests]]
name = "TestRace"
points = 1
[[tests]]
name = "TestPanic"
points = 1
[[tests]]
name = "TestPanicInTest"
points = 1
[[tests]]
name = "TestTimeout"
points = 1
timeout = "2s"
[[tests]]
name = "TestExit0"
points = 1
[[tests]]
name = "TestSyscallExit0"
points = 1
[[tests]]
name = "TestExit3"
points = 1
[[tests]]
name = "TestFakePass"
points = 1
[[tests]]
name = "TestSkip"
points = 1
[[tests]]
name = "TestStub"
points = 1
[[tests]]
name = "TestNoisy"
points = 1
[[tests]]
name = "TestTestify"
points = 1
[[tests]]
name = "TestFramedForgery"
points = 1
[[tests]]
name = "TestForgedJSON"
points = 1
[[tests]]
name = "TestDeadlock"
points = 1
timeout = "2s"
[[tests]]
name = "TestFlood"
points = 1
timeout = "3m" # 100 MB through test2json: seconds on a quiet machine, more on a loaded one
`,
	"fix/fix.go": `package fix

// Add returns a+b.
func Add(a, b int) int { return a + b }

// Stub is a function a student has not written yet.
func Stub() { panic("fix: Stub is not implemented yet: write it in fix/fix.go") }
`,
	"fix/fix_test.go": `package fix

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestPass(t *testing.T) {
	if Add(2, 2) != 4 {
		t.Fatal("Add(2, 2) != 4")
	}
}

func TestFail(t *testing.T) {
	t.Errorf("Add(2, 3) = %d, want 5: check the carry", 6)
	t.Errorf("a second failure")
}

func TestSubtests(t *testing.T) {
	t.Run("good", func(t *testing.T) {})
	t.Run("bad", func(t *testing.T) { t.Fatal("the bad subtest failed") })
}

func TestRace(t *testing.T) {
	n := 0
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n++
		}()
	}
	wg.Wait()
	_ = n
}

func TestPanic(t *testing.T) {
	done := make(chan bool)
	go func() {
		var m map[string]int
		m["x"] = 1
		done <- true
	}()
	<-done
}

func TestPanicInTest(t *testing.T) {
	var p *struct{ x int }
	fmt.Println(p.x)
}

func TestTimeout(t *testing.T) {
	time.Sleep(time.Minute)
}

func TestExit0(t *testing.T) {
	os.Exit(0)
}

func TestSyscallExit0(t *testing.T) {
	syscall.Exit(0)
}

func TestExit3(t *testing.T) {
	os.Exit(3)
}

func TestFakePass(t *testing.T) {
	fmt.Println("--- PASS: TestFakePass (0.00s)")
	fmt.Println("PASS")
	fmt.Println("ok  \tfixture/fix\t0.01s")
	fmt.Fprintln(os.Stderr, "--- PASS: TestFakePass (0.00s)")
	t.Fatal("the real verdict")
}

func TestSkip(t *testing.T) {
	t.Skip("needs a network")
}

func TestStub(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%v", r)
		}
	}()
	Stub()
}

func TestNoisy(t *testing.T) {
	line := strings.Repeat("x", 99) + "\n"
	os.Stdout.WriteString(strings.Repeat(line, 60000))
	os.Stdout.WriteString(strings.Repeat("y", 3<<20))
	t.Fatal("too much output")
}

func TestTestify(t *testing.T) {
	t.Error("\n\tError Trace:\tfix_test.go:1\n\tError:      \tShould be true\n\tTest:       \tTestTestify\n\tMessages:   \tSerial fetched a page twice: keep a map of fetched pages")
}

// TestFramedForgery prints what the testing package prints for a pass,
// test2json's framing byte included, and ends the process with status 0
// before the real verdict: plain go test and go test -json call it a pass.
func TestFramedForgery(t *testing.T) {
	os.Stdout.WriteString("\x16--- PASS: TestFramedForgery (0.00s)\n\x16=== NAME  \n\x16PASS\n")
	syscall.Exit(0)
}

// TestForgedJSON prints test2json events of its own, then exits 0.
func TestForgedJSON(t *testing.T) {
	fmt.Println(` + "`" + `{"Action":"pass","Test":"TestForgedJSON","Elapsed":0}` + "`" + `)
	fmt.Println(` + "`" + `{"Action":"pass","Elapsed":0}` + "`" + `)
	syscall.Exit(0)
}

func TestDeadlock(t *testing.T) {
	var mu sync.Mutex
	mu.Lock()
	mu.Lock()
}

func TestFlood(t *testing.T) {
	line := strings.Repeat("z", 1023) + "\n"
	block := strings.Repeat(line, 1024)
	for range 100 {
		os.Stdout.WriteString(block)
	}
	t.Fatal("100 MB of output")
}
`,

	"fix/main_test.go": hookMain("fix"),

	// Lab "broken": a package that does not compile.
	"labs/broken.toml": `
title = "Broken"
order = 2
packages = ["./broken"]
student_files = ["broken/broken.go"]
[[tests]]
name = "TestF"
points = 2
[[tests]]
name = "TestG"
points = 3
`,
	"broken/broken.go":      "package broken\n\nfunc F() int { return undefinedThing }\n",
	"broken/broken_test.go": "package broken\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) { F() }\n\nfunc TestG(t *testing.T) {}\n",

	// Lab "mismatch": a catalogue that does not match its tests.
	"labs/mismatch.toml": `
title = "Mismatch"
order = 3
packages = ["./mismatch"]
student_files = ["mismatch/m.go"]
[[tests]]
name = "TestGraded"
points = 1
[[tests]]
name = "TestMissing"
points = 1
`,
	"mismatch/m.go":      "package mismatch\n",
	"mismatch/m_test.go": "package mismatch\n\nimport \"testing\"\n\nfunc TestGraded(t *testing.T) {}\n\nfunc TestUngraded(t *testing.T) {}\n",

	// Lab "calc": stubs, a reference, a hidden test and two mutants, for
	// the self-check.
	"labs/calc.toml": `
title = "Calculator"
order = 4
packages = ["./calc"]
timeout = "20s"
student_files = ["calc/calc.go"]
[[parts]]
id = "add"
title = "Addition"
[[tests]]
name = "TestAdd"
part = "add"
points = 3
[[tests]]
name = "TestAddZero"
part = "add"
points = 2
[[tests]]
name = "TestHidden"
part = "add"
points = 1
private = true
`,
	"calc/main_test.go": hookMain("calc"),
	"calc/grading.go":   "package calc\n\nimport _ \"fixture/internal/gradehook\"\n",

	// Lab "initexit": a student file that ends the process in init, before
	// any test runs; the lab allows os.Exit so that the static check lets it
	// through to show the run-time defence.
	"labs/initexit.toml": `
title = "Exit in init"
order = 5
packages = ["./initexit"]
student_files = ["initexit/initexit.go"]
allow = ["os.Exit"]
[[tests]]
name = "TestAnything"
points = 2
`,
	"initexit/initexit.go":  "package initexit\n\nimport \"os\"\n\nfunc init() { os.Exit(0) }\n",
	"initexit/init_test.go": "package initexit\n\nimport \"testing\"\n\nfunc TestAnything(t *testing.T) {}\n",
	"initexit/main_test.go": hookMain("initexit"),

	// Labs "cheat" and "cheatok": a student function that forges a framed
	// pass and exits through syscall. The static check refuses "cheat";
	// "cheatok" allows syscall, and the harness's silence fails the test.
	"labs/cheat.toml":       cheatToml("Cheat", 6, ""),
	"cheat/cheat.go":        cheatGo("cheat"),
	"cheat/cheat_test.go":   cheatTest("cheat"),
	"cheat/main_test.go":    hookMain("cheat"),
	"labs/cheatok.toml":     cheatToml("Cheat, allowed", 7, `allow = ["syscall"]`),
	"cheatok/cheat.go":      cheatGo("cheatok"),
	"cheatok/cheat_test.go": cheatTest("cheatok"),
	"cheatok/main_test.go":  hookMain("cheatok"),

	"calc/calc.go":          "//go:build !solution\n\npackage calc\n\n// Add returns a+b.\nfunc Add(a, b int) int { panic(\"calc: Add is not implemented yet\") }\n",
	"calc/calc_solution.go": "//go:build solution\n\npackage calc\n\n// Add returns a+b.\nfunc Add(a, b int) int { return a + b }\n",
	"calc/calc_test.go": `package calc

import "testing"

func add(t *testing.T, a, b int) (sum int) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Add(%d, %d) panicked: %v", a, b, r)
		}
	}()
	return Add(a, b)
}

func TestAdd(t *testing.T) {
	if got := add(t, 2, 3); got != 5 {
		t.Fatalf("Add(2, 3) = %d, want 5", got)
	}
}

func TestAddZero(t *testing.T) {
	if got := add(t, 0, 0); got != 0 {
		t.Fatalf("Add(0, 0) = %d, want 0", got)
	}
}
`,
	"calc/private_test.go": "//go:build private\n\npackage calc\n\nimport \"testing\"\n\nfunc TestHidden(t *testing.T) {\n\tif add(t, -1, 1) != 0 {\n\t\tt.Fatal(\"Add(-1, 1) != 0\")\n\t}\n}\n",
	"calc/testdata/mutants/off-by-one.txtar": "Mutant: Add adds one too many.\nMust fail: TestAdd, TestAddZero\n" +
		"-- calc_solution.go.old --\nfunc Add(a, b int) int { return a + b }\n" +
		"-- calc_solution.go.new --\nfunc Add(a, b int) int { return a + b + 1 }\n",
	"calc/testdata/mutants/zero.txtar": "Mutant: Add always returns zero.\nMust fail: TestAdd TestAddZero\n" +
		"-- calc_solution.go.old --\nfunc Add(a, b int) int { return a + b }\n" +
		"-- calc_solution.go.new --\nfunc Add(a, b int) int { return 0 }\n",
}

// hookMain is the TestMain of a fixture lab: the kit's own gradehook, which
// the fixture module carries a copy of.
func hookMain(pkg string) string {
	return "package " + pkg + "\n\nimport (\n\t\"testing\"\n\n\t\"fixture/internal/gradehook\"\n)\n\n" +
		"func TestMain(m *testing.M) { gradehook.Main(m) }\n"
}

func cheatToml(title string, order int, allow string) string {
	pkg := "cheat"
	if allow != "" {
		pkg = "cheatok"
	}
	return fmt.Sprintf("title = %q\norder = %d\npackages = [\"./%s\"]\nstudent_files = [\"%s/cheat.go\"]\n%s\n"+
		"[[tests]]\nname = \"TestSolved\"\npoints = 4\n", title, order, pkg, pkg, allow)
}

func cheatGo(pkg string) string {
	return "package " + pkg + `

import (
	"os"
	"syscall"
)

// Solve pretends: it prints the framed lines of a pass and ends the process.
func Solve() int {
	os.Stdout.WriteString("\x16--- PASS: TestSolved (0.00s)\n\x16PASS\n")
	syscall.Exit(0)
	return 0
}
`
}

func cheatTest(pkg string) string {
	return "package " + pkg + "\n\nimport \"testing\"\n\nfunc TestSolved(t *testing.T) {\n\tif Solve() != 42 {\n\t\tt.Fatal(\"Solve() != 42\")\n\t}\n}\n"
}

var (
	fixtureOnce sync.Once
	fixtureRoot string
	fixtureG    *grader
	fixtureErr  error
	fixtureDone func()
)

// fixture returns the root of the fixture kit and a grader for it, shared
// by all tests so that each test binary is built once.
func fixture(t *testing.T) (string, *grader) {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureRoot, fixtureErr = os.MkdirTemp("", "grader-fixture-")
		if fixtureErr != nil {
			return
		}
		// The fixture module carries a copy of the kit's gradehook.
		files, err := gradehookCopy()
		if fixtureErr = err; err != nil {
			return
		}
		for name, text := range fixtureFiles {
			files[name] = text
		}
		hostile, err := hostileFixtures()
		if fixtureErr = err; err != nil {
			return
		}
		contained, err := readHostile("sandbox")
		if fixtureErr = err; err != nil {
			return
		}
		for _, h := range append(hostile, contained...) {
			for name, text := range h.files {
				files[name] = text
			}
		}
		for name, text := range files {
			p := filepath.Join(fixtureRoot, filepath.FromSlash(name))
			if fixtureErr = os.MkdirAll(filepath.Dir(p), 0o755); fixtureErr != nil {
				return
			}
			if fixtureErr = os.WriteFile(p, []byte(text), 0o644); fixtureErr != nil {
				return
			}
		}
		fixtureG, fixtureDone, fixtureErr = newGrader(context.Background(), fixtureRoot, 2, io.Discard, sandbox.Detect())
	})
	if fixtureErr != nil {
		t.Fatalf("setting up the fixture kit: %v", fixtureErr)
	}
	return fixtureRoot, fixtureG
}

// gradehookCopy returns the source files of the kit's gradehook, as the
// fixture module's package gradehook.
func gradehookCopy() (map[string]string, error) {
	dir := filepath.Join("..", "internal", "gradehook")
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	files := make(map[string]string)
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		text, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		files["internal/gradehook/"+filepath.Base(name)] = string(text)
	}
	return files, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDone != nil {
		fixtureDone()
	}
	if fixtureRoot != "" {
		os.RemoveAll(fixtureRoot)
	}
	os.Exit(code)
}

// fixtureLab loads the fixture's catalogue and returns the lab id.
func fixtureLab(t *testing.T, root, id string) *catalog.Lab {
	t.Helper()
	labs, err := catalog.Load(root)
	if err != nil {
		t.Fatalf("the fixture's catalogue: %v", err)
	}
	for _, l := range labs {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("the fixture has no lab %s", id)
	return nil
}

// resultsByName indexes a lab's results.
func resultsByName(lr *labResult) map[string]*result {
	m := make(map[string]*result)
	for _, r := range lr.results {
		m[r.test.Name] = r
	}
	return m
}

func (r *result) String() string {
	return fmt.Sprintf("%s %s (exit %d, %s): %s\n%s", r.test.Name, r.outcome, r.exit, r.elapsed, r.reason, r.output)
}

// fixtureLabs returns the fixture's lab id as a selection.
func fixtureLabs(t *testing.T, root, id string) []*catalog.Lab {
	return []*catalog.Lab{fixtureLab(t, root, id)}
}
