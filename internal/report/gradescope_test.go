package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	require.NoError(t, WriteGradescope(path, sampleReport()))
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
	assert.LessOrEqual(t, len(hang.Output), fileOutput+200, "a test's output is bounded")
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
	require.NoError(t, WriteGradescopeFailure(path, "no C compiler: install gcc"))
	doc, rep := readGradescope(t, path)
	checkGradescopeSchema(t, doc)
	assert.Equal(t, 0.0, rep.Score)
	assert.Empty(t, rep.Tests)
	assert.Contains(t, rep.Output, "no C compiler: install gcc")
	assert.Contains(t, rep.Output, "tell the course staff")
}
