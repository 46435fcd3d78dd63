package report

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonFields returns the JSON names of the fields of the struct type t and
// of the structs it holds, recursively.
func jsonFields(t reflect.Type, seen map[reflect.Type]bool, names map[string]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		names[name] = true
		jsonFields(f.Type, seen, names)
	}
}

// TestJSONSchemaDocumented holds the schema in docs/grader.md to the types
// that define it: every field of the report is documented, and the
// documentation names no field the report does not have.
func TestJSONSchemaDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/grader.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(doc), "With -json it prints instead one JSON object:\n\n```\n")
	require.True(t, ok, "docs/grader.md has no JSON example after \"With -json it prints instead one JSON object:\"")
	example, _, _ := strings.Cut(rest, "```")
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile(`"(\w+)":`).FindAllStringSubmatch(example, -1) {
		documented[m[1]] = true
	}
	defined := map[string]bool{}
	jsonFields(reflect.TypeFor[Report](), map[reflect.Type]bool{}, defined)
	for name := range defined {
		assert.True(t, documented[name], "field %q of the JSON report is not in docs/grader.md's schema", name)
	}
	for name := range documented {
		assert.True(t, defined[name], "docs/grader.md documents field %q, which the JSON report does not have", name)
	}
}

// TestWriteJSON writes the sample report: it decodes to the same numbers,
// a pass keeps no output, and there are no fields the schema does not name.
func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	r := sampleReport()
	require.NoError(t, WriteJSON(&buf, r))
	var back Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, r.Score, back.Score)
	assert.Equal(t, r.MaxScore, back.MaxScore)
	require.Len(t, back.Labs, 2)
	assert.Equal(t, "", back.Labs[0].Tests[0].Output, "a pass keeps no output")
	assert.Equal(t, Fail, back.Labs[0].Tests[1].Result)
	assert.True(t, slices.ContainsFunc(back.Labs[1].BuildErrors, func(b BuildError) bool { return b.Package == "./kv" }))
	for _, kt := range back.Labs[1].Tests {
		assert.Equal(t, BuildFailed, kt.Result)
		assert.Equal(t, "", kt.Output, "a test that did not build has no output of its own")
	}
	assert.NotContains(t, buf.String(), "Spec", "fields outside the schema stay out of the JSON")
}
