package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"golabs/internal/catalog"
)

// sampleReport is a grading built by hand: a lab with a verdict of each
// kind (one test hidden, one with a long output) and a lab that did not
// compile.
func sampleReport() *Report {
	crawler := &catalog.Lab{
		ID: "crawler", File: "labs/crawler.toml", Title: "Web crawler", Order: 1,
		Packages: []string{"./crawler"},
		Parts:    []catalog.Part{{ID: "serial", Title: "A. Serial crawler"}, {ID: "pool", Title: "D. Pool"}},
	}
	test := func(name, part string, points int, private bool, o Outcome, elapsed time.Duration, reason, output string) *Test {
		t := NewTest(catalog.Test{Name: name, Part: part, Points: points, Package: "./crawler", Timeout: time.Minute, Private: private})
		t.Output = output
		t.Decide(o, reason)
		t.SetElapsed(elapsed)
		return t
	}
	long := strings.Repeat("goroutine 7 [chan receive]:\n\tcrawler.worker(...)\n", 2000) // about 84 KB
	cl := &Lab{ID: "crawler", Title: "Web crawler", File: "labs/crawler.toml", Spec: crawler, Tests: []*Test{
		test("TestPass", "serial", 5, false, Pass, 310*time.Millisecond, "", "=== RUN TestPass\n--- PASS\n"),
		test("TestFail", "serial", 5, false, Fail, time.Second,
			"got a | b\nwant <b> & `c`", "=== RUN   TestFail\n    crawler_test.go:9: got a | b\n```\nx ]]> y\n--- FAIL: TestFail\n"),
		test("TestRace", "pool", 4, false, Race, 0, "data race: write at pool.go:12 in crawler.worker",
			"WARNING: DATA RACE\n\x1b[31mred\x1b[0m \x00 nul\n"),
		test("TestHang", "pool", 6, false, Timeout, time.Minute, "timed out after 1m0s; still waiting: crawler.worker", long),
		test("TestHidden", "pool", 3, true, Fail, 0, "hidden reason", "hidden output\n"),
		test("TestSkip", "pool", 2, false, Skipped, 0, "skipped: needs a network", ""),
		test("TestExit", "pool", 1, false, NoResult, 0, "the test process exited (status 0) without reporting a result",
			"bad \xff\xfe utf-8\n"),
	}}
	kv := &catalog.Lab{ID: "kv", File: "labs/kv.toml", Title: "Key/value server", Order: 2, Packages: []string{"./kv"}}
	broken := BuildError{Package: "./kv", Output: "# golabs/kv\nkv/server.go:3:2: undefined: x\nkv/server.go:4:2: undefined: y", Build: "./kv (no tags)"}
	kvTest := func(name string) *Test {
		t := NewTest(catalog.Test{Name: name, Points: 10, Package: "./kv", Timeout: time.Minute})
		t.Decide(BuildFailed, "build failed: "+broken.FirstError())
		return t
	}
	kl := &Lab{ID: "kv", Title: "Key/value server", File: "labs/kv.toml", Spec: kv, BuildErrors: []BuildError{broken},
		Tests: []*Test{kvTest("TestGet"), kvTest("TestPut")}}
	r := &Report{Labs: []*Lab{cl, kl}, Sandbox: "none", Elapsed: 136400 * time.Millisecond}
	r.Total()
	return r
}

// TestFailureOutput: what explains a test that did not pass, by verdict.
func TestFailureOutput(t *testing.T) {
	l := &Lab{ID: "x", BuildErrors: []BuildError{{Package: "./x", Output: "x.go:1:1: bad"}}}
	test := func(o Outcome, output string) *Test {
		r := NewTest(catalog.Test{Name: "TestX", Package: "./x", Points: 1})
		r.Output = output
		r.Decide(o, "why")
		return r
	}
	assert.Equal(t, "", l.FailureOutput(test(Pass, "printed")), "a pass keeps no output")
	assert.Equal(t, "x.go:1:1: bad", l.FailureOutput(test(BuildFailed, "")), "a build failure shows the compiler's output")
	assert.Equal(t, "the harness saw os.Args changed", l.FailureOutput(test(Refused, "the harness saw os.Args changed")),
		"a test refused for tampering shows what it printed")
	l.Refused = []string{"x/x.go:3:2: import \"unsafe\" is not allowed"}
	assert.Equal(t, l.Refused[0], l.FailureOutput(test(Refused, "")), "a refusal of the static check shows what it refused")
}

// TestWriteTextEscapes: what a test prints cannot reach the terminal as
// escape sequences.
func TestWriteTextEscapes(t *testing.T) {
	r := sampleReport()
	r.Labs[0].Feedback = []string{"crawler/mutex.go:30:2: fs.fetched is written in a critical section \x1b[2J... (checkthenact)"}
	var buf bytes.Buffer
	WriteText(&buf, r, Style{}, true)
	assert.Contains(t, buf.String(), "Feedback from labvet (no points; what each check means: docs/labvet.md):\n    crawler/mutex.go:30:2: fs.fetched")
	var md bytes.Buffer
	WriteMarkdown(&md, r)
	assert.Contains(t, md.String(), "Feedback from labvet (no points")
	assert.Contains(t, gradescopeReport(r).Output, "feedback from labvet (no points; what each check means: docs/labvet.md):\n    crawler/mutex.go:30:2")
	assert.NotContains(t, buf.String(), "\x1b", "terminal escapes are dropped")
	assert.Contains(t, buf.String(), "WARNING: DATA RACE")
	assert.True(t, strings.HasSuffix(buf.String(), "Score: 5/46\n"), buf.String())
}
