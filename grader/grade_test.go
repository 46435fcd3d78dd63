package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golabs/internal/grading"
	"golabs/internal/grading/gradingtest"
	"golabs/internal/report"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGradescopeCLISetupFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), []string{"-root", dir, "-gradescope", path}, &stdout, &stderr)
	assert.Equal(t, exitSetup, code)
	rep := readGradescope(t, path)
	assert.Contains(t, rep.Output, "not the kit's repository", "the results say why the grader could not grade")
}

// TestReportFilesCLI grades the fixture kit with every report at once.
func TestReportFilesCLI(t *testing.T) {
	t.Parallel()
	root, _ := fixture.Get(t)
	dir := t.TempDir()
	gs, ju := filepath.Join(dir, "results.json"), filepath.Join(dir, "junit.xml")
	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), []string{"-root", root, "-lab", "calc,broken", "-tags", "solution", "-private",
		"-markdown", "-gradescope", gs, "-junit", ju}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stderr:\n%s", stderr.String())
	md := stdout.String()
	assert.True(t, strings.HasSuffix(md, "\n**Score: 6/11**\n"), "the Markdown report ends with the score:\n%s", md)
	assert.Contains(t, md, "## Lab 4: Calculator (`calc`): 6/6\n")
	assert.Contains(t, md, "`./broken` did not compile:")

	rep := readGradescope(t, gs)
	assert.Equal(t, 6.0, rep.Score)
	names := map[string]gradescopeTest{}
	for _, gt := range rep.Tests {
		names[gt.Name] = gt
	}
	assert.Equal(t, "after_published", names["calc: TestHidden (Addition)"].Visibility)
	assert.Equal(t, "visible", names["calc: TestAdd (Addition)"].Visibility)
	assert.Equal(t, "passed", names["calc: TestAdd (Addition)"].Status)
	for _, name := range []string{"broken: TestF", "broken: TestG"} {
		assert.Contains(t, names[name].Output, "undefinedThing", "%s: the build error is in each test's output", name)
	}

	data, err := os.ReadFile(ju)
	require.NoError(t, err)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
	}
	require.NoError(t, xml.Unmarshal(data, &suites))
	assert.Equal(t, 5, suites.Tests)
	assert.Equal(t, 2, suites.Errors)
	assert.Equal(t, 0, suites.Failures)
}

// gradescopeTest and gradescopeResults are what these tests read of a
// results.json; package report's tests hold it to Gradescope's schema.
type (
	gradescopeTest struct {
		Name, Status, Output, Visibility string
	}
	gradescopeResults struct {
		Score  float64
		Output string
		Tests  []gradescopeTest
	}
)

func readGradescope(t *testing.T, path string) gradescopeResults {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var rep gradescopeResults
	require.NoError(t, json.Unmarshal(data, &rep), "results.json is not valid JSON:\n%s", data)
	return rep
}

func TestIntegrity(t *testing.T) {
	t.Parallel()
	root := gradingtest.Copy(t)
	code, _, stderr := runCLI(root, "manifest")
	require.Equal(t, exitOK, code, stderr)
	const warning = "warning: protected file calc/calc_test.go was modified; official grading uses the pristine copy"

	// A changed test file is named, and grading goes on. A change to a
	// lab that is not graded is none of this run's business.
	restore := edit(t, root, "calc/calc_test.go")
	edit(t, root, "fix/fix_test.go")
	code, stdout, stderr := runCLI(root, "-lab", "calc", "-tags", "solution")
	assert.Equal(t, exitOK, code, "a changed protected file is a warning, not an error:\n%s", stderr)
	assert.Contains(t, stderr, warning)
	assert.True(t, strings.HasPrefix(stdout, warning+"\n"), "the warning must open the report:\n%s", stdout)
	assert.True(t, strings.HasSuffix(stdout, "\nScore: 5/5\n"), "the lab must still be graded:\n%s", stdout)
	assert.NotContains(t, stdout+stderr, "fix/fix_test.go", "lab fix is not graded: its files are not checked")

	code, stdout, _ = runCLI(root, "-lab", "calc", "-tags", "solution", "-json")
	require.Equal(t, exitOK, code)
	var rep report.Report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
	require.NotNil(t, rep.Integrity, "the JSON report must hold the integrity check:\n%s", stdout)
	assert.Equal(t, report.IntegrityChanged, rep.Integrity.Status)
	assert.Equal(t, []string{"calc/calc_test.go"}, rep.Integrity.Modified)
	assert.Equal(t, []string{strings.TrimPrefix(warning, "warning: ")}, rep.Integrity.Warnings)
	assert.Equal(t, 5, rep.Score)

	// -strict refuses, before anything is built.
	code, stdout, stderr = runCLI(root, "-lab", "calc", "-tags", "solution", "-strict")
	assert.Equal(t, exitRefused, code, "-strict with a modified protected file:\n%s", stderr)
	assert.Empty(t, stdout, "-strict must grade nothing when it refuses")
	assert.Contains(t, stderr, "calc/calc_test.go (modified)")
	assert.Contains(t, stderr, "git checkout -- calc/calc_test.go")

	// A missing protected file is refused too.
	restore()
	require.NoError(t, os.Rename(filepath.Join(root, "calc", "calc_test.go"), filepath.Join(root, "calc_test.go.away")))
	code, _, stderr = runCLI(root, "-lab", "calc", "-strict")
	assert.Equal(t, exitRefused, code)
	assert.Contains(t, stderr, "calc/calc_test.go (missing)")
	require.NoError(t, os.Rename(filepath.Join(root, "calc_test.go.away"), filepath.Join(root, "calc", "calc_test.go")))

	// With every protected file intact, -strict grades, and fails on a
	// missed point.
	code, stdout, stderr = runCLI(root, "-lab", "calc", "-strict")
	assert.Equal(t, exitFailed, code, "-strict on the stubs, which earn nothing:\n%s\n%s", stdout, stderr)
	assert.True(t, strings.HasSuffix(stdout, "\nScore: 0/5\n"), stdout)
	assert.Contains(t, stderr, "grader: -strict: 5 points missed")
	assert.NotContains(t, stdout, "warning:")

	code, stdout, stderr = runCLI(root, "-lab", "calc", "-strict", "-tags", "solution")
	assert.Equal(t, exitOK, code, "-strict on the reference, which earns everything:\n%s\n%s", stdout, stderr)

	// Without a manifest: a warning, and a refusal under -strict.
	require.NoError(t, os.Remove(filepath.Join(root, "labs", "manifest.sha256")))
	in := grading.CheckIntegrity(root, fixtureLabs(t, root, "calc"))
	assert.Equal(t, report.IntegrityNoManifest, in.Status)
	assert.Equal(t, []string{"no manifest: cannot check the protected files (labs/manifest.sha256 does not exist)"}, in.Warnings)
	code, stdout, stderr = runCLI(root, "-lab", "calc", "-strict")
	assert.Equal(t, exitRefused, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "no manifest")
	assert.Contains(t, stderr, "git checkout -- labs/manifest.sha256")
}

func TestCLI(t *testing.T) {
	t.Parallel()
	root, _ := fixture.Get(t)
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), append([]string{"-root", root}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, stdout, stderr := run("-lab", "fix", "-run", "^Test(Pass|Fail)$")
	if code != exitOK || !strings.HasSuffix(stdout, "\nScore: 1/3\n") {
		t.Errorf("grading: exit %d, want 0, and a last line Score: 1/3\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, row := range []string{`(?m)^\s+TestPass\s+1/1\s+PASS\b`, `(?m)^\s+TestFail\s+0/2\s+FAIL\b`} {
		if !regexp.MustCompile(row).MatchString(stdout) {
			t.Errorf("the table must show each test's points earned of its max and its result (%s):\n%s", row, stdout)
		}
	}

	code, stdout, _ = run("-lab", "fix", "-run", "^TestFail$", "-json", "-v")
	var rep report.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != exitOK {
		t.Fatalf("-json: exit %d, %v:\n%s", code, err, stdout)
	}
	if rep.Score != 0 || rep.MaxScore != 2 || len(rep.Labs) != 1 || len(rep.Labs[0].Tests) != 1 ||
		rep.Labs[0].Tests[0].Result != report.Fail || !strings.Contains(rep.Labs[0].Tests[0].Output, "check the carry") {
		t.Errorf("-json report: %+v", rep)
	}

	code, stdout, _ = run("-lab", "calc", "-tags", "solution", "-private")
	if code != exitOK || !strings.HasSuffix(stdout, "\nScore: 6/6\n") {
		t.Errorf("-private must grade the hidden test: exit %d\n%s", code, stdout)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-lab", "nope"}, `unknown lab "nope": the labs are fix, broken, mismatch, calc, initexit`},
		{[]string{"-lab", "fix", "-run", "NoSuchTest"}, `-run "NoSuchTest" matches no graded test of fix`},
		{[]string{"-run", "("}, "-run \"(\": error parsing regexp"},
		{[]string{"-p", "0"}, "-p 0: run at least one process at a time"},
		{[]string{"-lab", "mismatch"}, "test TestUngraded in ./mismatch has no points in labs/mismatch.toml"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		code, _, stderr := run(tt.args...)
		if code != exitSetup || !strings.Contains(stderr, tt.want) {
			t.Errorf("grader %s: exit %d, want %d with %q; stderr:\n%s", strings.Join(tt.args, " "), code, exitSetup, tt.want, stderr)
		}
	}

	var stdout2, stderr2 bytes.Buffer
	code = cli(context.Background(), []string{"list", "-root", root}, &stdout2, &stderr2)
	if code != exitOK || !strings.HasPrefix(stdout2.String(), "./fix\n./broken\n./mismatch\n./calc\n./initexit\n./cheat\n./cheatok\n") {
		t.Errorf("grader list: exit %d\n%s%s", code, stdout2.String(), stderr2.String())
	}
}

func TestCLIMissingCompiler(t *testing.T) {
	root, _ := fixture.Get(t) // before CC is spoilt: the fixture's grader needs a compiler
	t.Setenv("CC", "no-such-compiler")
	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), []string{"-root", root, "-lab", "fix"}, &stdout, &stderr)
	if code != exitSetup || !strings.Contains(stderr.String(), "the race detector needs cgo and a C compiler") {
		t.Errorf("without a C compiler: exit %d\n%s", code, stderr.String())
	}
}
