package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/catalog"
)

// sampleReport is a grading built by hand: a lab with a verdict of each
// kind (one test hidden, one with a long output) and a lab that did not
// compile.
func sampleReport() []*labResult {
	crawler := &catalog.Lab{
		ID: "crawler", File: "labs/crawler.toml", Title: "Web crawler", Order: 1,
		Packages: []string{"./crawler"},
		Parts:    []catalog.Part{{ID: "serial", Title: "A. Serial crawler"}, {ID: "pool", Title: "D. Pool"}},
	}
	test := func(name, part string, points int, private bool) catalog.Test {
		return catalog.Test{Name: name, Part: part, Points: points, Package: "./crawler", Timeout: time.Minute, Private: private}
	}
	long := strings.Repeat("goroutine 7 [chan receive]:\n\tcrawler.worker(...)\n", 2000) // about 84 KB
	lr := &labResult{lab: crawler, results: []*result{
		{test: test("TestPass", "serial", 5, false), outcome: pass, elapsed: 310 * time.Millisecond, output: "=== RUN TestPass\n--- PASS\n"},
		{test: test("TestFail", "serial", 5, false), outcome: fail, elapsed: time.Second,
			reason: "got a | b\nwant <b> & `c`", output: "=== RUN   TestFail\n    crawler_test.go:9: got a | b\n```\nx ]]> y\n--- FAIL: TestFail\n"},
		{test: test("TestRace", "pool", 4, false), outcome: race, reason: "data race: write at pool.go:12 in crawler.worker",
			output: "WARNING: DATA RACE\n\x1b[31mred\x1b[0m \x00 nul\n"},
		{test: test("TestHang", "pool", 6, false), outcome: timeout, elapsed: time.Minute,
			reason: "timed out after 1m0s; still waiting: crawler.worker", output: long},
		{test: test("TestHidden", "pool", 3, true), outcome: fail, reason: "hidden reason", output: "hidden output\n"},
		{test: test("TestSkip", "pool", 2, false), outcome: skipped, reason: "skipped: needs a network"},
		{test: test("TestExit", "pool", 1, false), outcome: noResult, reason: "the test process exited (status 0) without reporting a result",
			output: "bad \xff\xfe utf-8\n"},
	}}
	kv := &catalog.Lab{ID: "kv", File: "labs/kv.toml", Title: "Key/value server", Order: 2, Packages: []string{"./kv"}}
	broken := &binary{pkg: "./kv", output: "# golabs/kv\nkv/server.go:3:2: undefined: x\nkv/server.go:4:2: undefined: y"}
	kvTest := func(name string) *result {
		return &result{test: catalog.Test{Name: name, Points: 10, Package: "./kv", Timeout: time.Minute},
			outcome: buildFailed, reason: "build failed: " + broken.compileError(), exit: -1}
	}
	return []*labResult{lr, {lab: kv, results: []*result{kvTest("TestGet"), kvTest("TestPut")}, broken: []*binary{broken}}}
}

// The fields of Gradescope's results.json and of each of its tests, with
// the JSON type of each, from its autograder specification.
var (
	gradescopeTopFields = map[string]string{
		"score": "number", "execution_time": "number", "output": "string", "output_format": "string",
		"test_output_format": "string", "test_name_format": "string", "visibility": "string",
		"stdout_visibility": "string", "extra_data": "object", "tests": "array", "leaderboard": "array",
	}
	gradescopeTestFields = map[string]string{
		"score": "number", "max_score": "number", "status": "string", "name": "string", "name_format": "string",
		"number": "string", "output": "string", "output_format": "string", "tags": "array",
		"visibility": "string", "extra_data": "object",
	}
	gradescopeVisibilities = []string{"hidden", "after_due_date", "after_published", "visible"}
	gradescopeFormats      = []string{"text", "html", "simple_format", "md", "ansi"}
)

func jsonType(v any) string {
	switch v.(type) {
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case bool:
		return "boolean"
	}
	return "null"
}

// checkGradescopeSchema fails t if doc has a field the specification does
// not define, a field of the wrong type, or a value outside its set.
func checkGradescopeSchema(t *testing.T, doc map[string]any) {
	t.Helper()
	check := func(where string, obj map[string]any, fields map[string]string) {
		for k, v := range obj {
			want, ok := fields[k]
			if !assert.True(t, ok, "%s: %q is not a field of Gradescope's results.json", where, k) {
				continue
			}
			assert.Equal(t, want, jsonType(v), "%s: the type of %q", where, k)
		}
		for _, k := range []string{"visibility", "stdout_visibility"} {
			if v, ok := obj[k]; ok {
				assert.Contains(t, gradescopeVisibilities, v, "%s: %s", where, k)
			}
		}
		for _, k := range []string{"output_format", "name_format", "test_output_format", "test_name_format"} {
			if v, ok := obj[k]; ok {
				assert.Contains(t, gradescopeFormats, v, "%s: %s", where, k)
			}
		}
	}
	check("results.json", doc, gradescopeTopFields)
	tests, _ := doc["tests"].([]any)
	for i, tt := range tests {
		obj, ok := tt.(map[string]any)
		require.True(t, ok, "tests[%d] is not an object", i)
		check("tests["+obj["name"].(string)+"]", obj, gradescopeTestFields)
		if s, ok := obj["status"]; ok {
			assert.Contains(t, []string{"passed", "failed"}, s)
		}
		assert.LessOrEqual(t, obj["score"], obj["max_score"])
	}
}

func readGradescope(t *testing.T, path string) (map[string]any, gradescopeResults) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, json.Valid(data), "results.json is not valid JSON:\n%s", data)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	var rep gradescopeResults
	require.NoError(t, json.Unmarshal(data, &rep))
	return doc, rep
}

func TestGradescopeReport(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "results.json")
	require.NoError(t, writeGradescope(path, sampleReport(), 136400*time.Millisecond))
	doc, rep := readGradescope(t, path)
	checkGradescopeSchema(t, doc)

	assert.Equal(t, 136, rep.ExecutionTime)
	assert.Equal(t, "visible", rep.Visibility)
	assert.Equal(t, "hidden", rep.StdoutVisibility, "standard output names the hidden tests, so students must not see it")
	require.Len(t, rep.Tests, 9)
	byName := map[string]gradescopeTest{}
	sum := 0.0
	for _, gt := range rep.Tests {
		byName[gt.Name] = gt
		sum += gt.Score
	}
	assert.Equal(t, 5.0, rep.Score)
	assert.Equal(t, sum, rep.Score, "the score is the sum of the tests' scores")

	p := byName["crawler: TestPass (A. Serial crawler)"]
	assert.Equal(t, "passed", p.Status)
	assert.Equal(t, 5.0, p.Score)
	assert.Equal(t, "1.1", p.Number)
	assert.Equal(t, "visible", p.Visibility)

	f := byName["crawler: TestFail (A. Serial crawler)"]
	assert.Equal(t, "failed", f.Status)
	assert.Equal(t, 0.0, f.Score)
	assert.Equal(t, 5.0, f.MaxScore)
	assert.True(t, strings.HasPrefix(f.Output, "FAIL: got a | b\nwant <b> & `c` (1.0s)\n\n=== RUN   TestFail"), "the output starts with the verdict and reason, then the test's output:\n%s", f.Output)

	h := byName["crawler: TestHidden (D. Pool)"]
	assert.Equal(t, "after_published", h.Visibility, "a hidden test is shown only when the grades are published")
	assert.NotContains(t, rep.Output, "hidden reason")
	assert.Contains(t, rep.Output, "crawler (Web crawler): 5/23 on the tests shown now; 1 hidden test worth 3 points")

	hang := byName["crawler: TestHang (D. Pool)"]
	assert.LessOrEqual(t, len(hang.Output), reportOutput+200, "a test's output is bounded")
	assert.Contains(t, hang.Output, "bytes of output cut")
	assert.True(t, strings.HasSuffix(hang.Output, "crawler.worker(...)"), "the tail of the output is kept")

	assert.Contains(t, byName["crawler: TestExit (D. Pool)"].Output, "bad \uFFFD utf-8")

	for _, name := range []string{"kv: TestGet", "kv: TestPut"} {
		gt := byName[name]
		assert.Equal(t, "failed", gt.Status, name)
		assert.Contains(t, gt.Output, "build failed: kv/server.go:3:2: undefined: x", name)
		assert.Contains(t, gt.Output, "kv/server.go:4:2: undefined: y", "%s: the whole compiler output", name)
		assert.True(t, strings.HasPrefix(gt.Number, "2."), name)
	}
	assert.Contains(t, rep.Output, "./kv did not compile, so its tests earn nothing: kv/server.go:3:2: undefined: x")

	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*"))
	assert.Empty(t, leftovers, "the temporary file is renamed, not left behind")
}

func TestGradescopeFailure(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "results.json")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	require.NoError(t, writeGradescopeFailure(path, "no C compiler: install gcc"))
	doc, rep := readGradescope(t, path)
	checkGradescopeSchema(t, doc)
	assert.Equal(t, 0.0, rep.Score)
	assert.Empty(t, rep.Tests)
	assert.Contains(t, rep.Output, "no C compiler: install gcc")
	assert.Contains(t, rep.Output, "tell the course staff")
}

func TestGradescopeCLISetupFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), []string{"-root", dir, "-gradescope", path}, &stdout, &stderr)
	assert.Equal(t, exitSetup, code)
	_, rep := readGradescope(t, path)
	assert.Contains(t, rep.Output, "not the kit's repository", "the results say why the grader could not grade")

	err := writeFileAtomic(filepath.Join(dir, "no", "such", "dir", "r.json"), []byte("{}"))
	assert.ErrorContains(t, err, "does not exist: create it")
}

func TestBoundOutput(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "short\n", boundOutput("short\n", 100))
	s := strings.Repeat("line of output é\n", 1000)
	b := boundOutput(s, 1000)
	assert.LessOrEqual(t, len(b), 1100)
	assert.True(t, strings.HasPrefix(b, "line of output é\n"), "the head starts at the start")
	assert.True(t, strings.HasSuffix(b, "line of output é\n"), "the tail ends at the end, on a whole line")
	assert.Contains(t, b, "bytes of output cut")
	for _, l := range strings.Split(strings.TrimSuffix(b, "\n"), "\n") {
		assert.True(t, l == "line of output é" || strings.Contains(l, "bytes of output cut"), "a cut line: %q", l)
	}
	one := boundOutput(strings.Repeat("é", 1000), 101) // one long line, cut inside runes
	assert.True(t, strings.Contains(one, "bytes of output cut") && !strings.ContainsRune(one, '\uFFFD'), "cut on rune boundaries: %q", one)
}

// TestReportFilesCLI grades the fixture kit with every report at once.
func TestReportFilesCLI(t *testing.T) {
	t.Parallel()
	root, _ := fixture(t)
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

	doc, rep := readGradescope(t, gs)
	checkGradescopeSchema(t, doc)
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
	var suites junitSuites
	require.NoError(t, xml.Unmarshal(data, &suites))
	assert.Equal(t, 5, suites.Tests)
	assert.Equal(t, 2, suites.Errors)
	assert.Equal(t, 0, suites.Failures)
}
