package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFinish(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "results.json")
	for _, tc := range []struct {
		name, before string
		wantTests    int
		wantOutput   []string
	}{
		{"missing", "", 0, []string{"could not grade", "a note", "grader said"}},
		{"malformed", "{\"score\": 1", 0, []string{"could not grade", "a note"}},
		{"no tests", `{"score": 3}`, 0, []string{"could not grade"}},
		{"graded", `{"score": 5, "output": "crawler: 5/10", "tests": [{"name": "a", "score": 5}]}`, 1, []string{"Notes on the submission:\na note", "crawler: 5/10"}},
	} {
		os.Remove(results)
		if tc.before != "" {
			if err := os.WriteFile(results, []byte(tc.before), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := finish(results, "a note\n", "grader said \xff no"); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		data, err := os.ReadFile(results)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Score  *float64         `json:"score"`
			Output string           `json:"output"`
			Tests  []map[string]any `json:"tests"`
		}
		if err := json.Unmarshal(data, &doc); err != nil || doc.Score == nil || doc.Tests == nil {
			t.Fatalf("%s: results.json is not valid (%v):\n%s", tc.name, err, data)
		}
		if len(doc.Tests) != tc.wantTests {
			t.Errorf("%s: %d tests; want %d", tc.name, len(doc.Tests), tc.wantTests)
		}
		for _, want := range tc.wantOutput {
			if !strings.Contains(doc.Output, want) {
				t.Errorf("%s: output %q lacks %q", tc.name, doc.Output, want)
			}
		}
	}
}
