package gradehook

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSealOpen(t *testing.T) {
	nonce := []byte("0123456789abcdef0123456789abcdef")
	r := Report{Exit: 0, Ran: []Run{{Test: "TestA", Result: "pass"}}}
	got, ok := Open(nonce, "noise\n"+Seal(nonce, r)+"\n")
	require.True(t, ok, "an authentic report opens")
	assert.Equal(t, r, *got)

	r.Exit = 1
	got, ok = Open(nonce, Seal(nonce, r))
	require.True(t, ok)
	assert.Equal(t, 1, got.Exit, "a failing exit code is reported as it is")

	_, ok = Open(nonce, Seal([]byte("another nonce, another run......"), r))
	assert.False(t, ok, "a report sealed with another nonce is refused")

	forged := strings.Replace(Seal(nonce, r), `"result":"pass"`, `"result":"fail"`, 1)
	forged = strings.Replace(forged, `"exit":1`, `"exit":0`, 1)
	_, ok = Open(nonce, forged)
	assert.False(t, ok, "a report changed after sealing is refused")

	_, ok = Open(nonce, "gradehook/2 00 {}")
	assert.False(t, ok, "a forged report is refused")

	_, ok = Open(nonce, "")
	assert.False(t, ok, "no report is no result")
}

func TestOnly(t *testing.T) {
	for _, tc := range []struct {
		ran  []Run
		pass bool
		why  string
	}{
		{[]Run{{"TestA", "pass"}}, true, ""},
		{[]Run{{"TestA", "fail"}}, false, ""},
		{[]Run{{"TestA", "skip"}}, false, ""},
		{nil, false, "the grader ran TestA, but no test ran at all"},
		{[]Run{{"TestB", "pass"}}, false, "the grader ran TestA once, but these ran: TestB (pass)"},
		{[]Run{{"TestA", "pass"}, {"TestA", "pass"}}, false, "the grader ran TestA once, but these ran: TestA (pass), TestA (pass)"},
	} {
		r := Report{Ran: tc.ran}
		why, pass := r.Only("TestA")
		assert.Equal(t, tc.pass, pass, "%v", tc.ran)
		assert.Equal(t, tc.why, why, "%v", tc.ran)
	}
}

func TestExpectedFlags(t *testing.T) {
	got := expectedFlags([]string{"-test.run", "^TestA$", "-test.count=1", "-test.v=test2json", "-test.paniconexit0", "-test.timeout=40s"})
	assert.Equal(t, map[string]string{
		"test.run": "^TestA$", "test.count": "1", "test.v": "test2json", "test.paniconexit0": "true", "test.timeout": "40s",
	}, got)
	assert.Equal(t, normalise("true"), normalise(""), "a bare boolean flag is true")
	assert.Equal(t, "1", normalise("01"))
}

// TestObserveSeesTests guards observe's reach into testing.M: a Go release
// that renames the field fails here, not in a student's grading.
func TestObserveSeesTests(t *testing.T) {
	f, ok := reflect.TypeFor[testing.M]().FieldByName("tests")
	require.True(t, ok, "testing.M has no field tests in this Go release: update observe")
	assert.Equal(t, reflect.TypeFor[[]testing.InternalTest](), f.Type)
}
