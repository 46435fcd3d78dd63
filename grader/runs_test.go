package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/catalog"
)

func TestTally(t *testing.T) {
	t.Parallel()
	test := catalog.Test{Name: "TestPoolBound", Points: 6, Package: "./crawler", Timeout: time.Minute}
	run := func(o outcome, reason string, d time.Duration) *result {
		return &result{test: test, outcome: o, reason: reason, elapsed: d, output: "output of " + reason}
	}
	tl := &tally{test: test}
	for _, r := range []*result{
		run(pass, "", time.Second),
		run(fail, "more than 4 fetches at once", 2*time.Second),
		run(pass, "", time.Second),
		run(timeout, "timed out after 1m0s", time.Minute),
		run(fail, "more than 4 fetches at once", 3*time.Second),
		run(notRun, "not run: the grader was interrupted", 0),
		run(race, "more than 4 fetches at once", time.Second), // same reason, another verdict
		run(fail, "more than 4 fetches at once", time.Second),
		run(pass, "", time.Second),
	} {
		tl.add(r)
	}
	assert.Equal(t, 8, tl.runs, "a run that never ran does not count")
	assert.Equal(t, 3, tl.passed)
	assert.Equal(t, time.Minute, tl.slowest)
	assert.True(t, tl.flaky())
	require.Len(t, tl.failures, 3, "distinct (verdict, reason) pairs")
	assert.Equal(t, fail, tl.failures[0].outcome)
	assert.Equal(t, 3, tl.failures[0].count)
	assert.Equal(t, "output of more than 4 fetches at once", tl.failures[0].example.output, "the first run that failed that way is kept")
	assert.Equal(t, timeout, tl.failures[1].outcome)
	assert.Equal(t, 1, tl.failures[1].count)
	assert.Equal(t, race, tl.failures[2].outcome)

	assert.Equal(t, []string{
		"3x FAIL: more than 4 fetches at once",
		"1x TIMEOUT: timed out after 1m0s",
		"1x RACE: more than 4 fetches at once",
	}, failureLines(tl), "most frequent first")

	ok := &tally{test: test}
	ok.add(run(pass, "", time.Second))
	assert.False(t, ok.flaky())
	assert.Empty(t, failureLines(ok))
}

func TestTallyManyReasons(t *testing.T) {
	t.Parallel()
	tl := &tally{test: catalog.Test{Name: "TestSeeds"}}
	for i := range shownKinds + 3 {
		for range i + 1 {
			tl.add(&result{test: tl.test, outcome: fail, reason: fmt.Sprintf("seed %d failed", i)})
		}
	}
	require.Len(t, tl.failures, shownKinds+3)
	for i, k := range tl.failures {
		assert.Equal(t, i < shownKinds, k.example != nil, "an example is kept only of the first %d ways", shownKinds)
	}
	lines := failureLines(tl)
	require.Len(t, lines, shownKinds+1)
	assert.Equal(t, "8x FAIL: seed 7 failed", lines[0])
	assert.Equal(t, "6x in 3 other ways", lines[shownKinds], "1+2+3 runs failed in the three least frequent ways")
}

func TestPassRate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		passed, runs int
		want         string
	}{{20, 20, "100%"}, {19, 20, "95%"}, {199, 200, "99.5%"}, {1, 3, "33.3%"}, {0, 5, "0%"}, {0, 0, "-"}} {
		assert.Equal(t, tt.want, passRate(tt.passed, tt.runs), "%d/%d", tt.passed, tt.runs)
	}
}

func TestWriteFlakes(t *testing.T) {
	t.Parallel()
	lab := &catalog.Lab{ID: "crawler", Title: "Web crawler", Order: 1, Packages: []string{"./crawler"}}
	steady := &tally{test: catalog.Test{Name: "TestSteady"}}
	flaky := &tally{test: catalog.Test{Name: "TestFlaky"}}
	for i := range 4 {
		steady.add(&result{outcome: pass, elapsed: 100 * time.Millisecond})
		r := &result{outcome: pass, elapsed: time.Duration(i+1) * time.Second}
		if i == 2 {
			r.outcome, r.reason, r.output = timeout, "timed out after 1m0s; still waiting: crawler.worker", "goroutine 7 [chan receive]:\n"
		}
		flaky.add(r)
	}
	hunt := &flakeHunt{lab: lab, tallies: []*tally{steady, flaky}}

	var buf bytes.Buffer
	ok := writeFlakes(&buf, []*flakeHunt{hunt}, 4, style{}, true, 3*time.Second, 2)
	out := buf.String()
	assert.False(t, ok)
	assert.Contains(t, out, "Lab 1: Web crawler (crawler): each test run 4 times\n")
	assert.Contains(t, out, "  TestSteady  4/4     100%  0.1s\n")
	assert.Contains(t, out, "  TestFlaky   3/4     75%   4.0s     1x TIMEOUT: timed out after 1m0s; still waiting: crawler.worker\n")
	assert.Contains(t, out, "--- TestFlaky (TIMEOUT in 1 of 4 runs): timed out after 1m0s; still waiting: crawler.worker\n    goroutine 7 [chan receive]:\n",
		"-v shows an example of each way of failing")
	assert.True(t, strings.HasSuffix(out, "\n8 runs of 2 tests in 3s, at most 2 at once\nFlaky: 1 of 2 tests failed at least once\n"), out)

	buf.Reset()
	hunt.tallies = hunt.tallies[:1]
	assert.True(t, writeFlakes(&buf, []*flakeHunt{hunt}, 4, style{}, false, time.Second, 2))
	assert.True(t, strings.HasSuffix(buf.String(), "\nAll 1 test passed 4 times\n"), buf.String())

	buf.Reset()
	steady.runs = 3 // the grader was interrupted before the last run
	assert.True(t, writeFlakes(&buf, []*flakeHunt{hunt}, 4, style{}, false, time.Second, 2))
	assert.True(t, strings.HasSuffix(buf.String(), "\nNo test failed, but only 3 of the 4 runs were done\n"), buf.String())
}

func TestReportFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string // "" for no error
	}{
		{[]string{"-markdown", "-gradescope", "r.json", "-junit", "j.xml"}, ""},
		{[]string{"-json", "-gradescope", "r.json"}, ""},
		{[]string{"-runs", "5", "-lab", "crawler", "-run", "Serial", "-tags", "solution", "-v"}, ""},
		{[]string{"-markdown", "-json"}, "-markdown and -json cannot be combined"},
		{[]string{"-runs", "-1"}, "-runs -1: run each test at least once"},
		{[]string{"-runs", "3", "-json"}, "-json cannot be combined with -runs"},
		{[]string{"-runs", "3", "-markdown"}, "-markdown cannot be combined with -runs"},
		{[]string{"-runs", "3", "-gradescope", "r.json"}, "-gradescope cannot be combined with -runs"},
		{[]string{"-runs", "3", "-junit", "j.xml"}, "-junit cannot be combined with -runs"},
		{[]string{"-check", "-runs", "3"}, "-runs cannot be combined with -check"},
		{[]string{"-check", "-gradescope", "r.json"}, "-gradescope cannot be combined with -check"},
	} {
		_, err := parseFlags(tt.args, &bytes.Buffer{})
		if tt.want == "" {
			assert.NoError(t, err, "%v", tt.args)
		} else {
			assert.ErrorContains(t, err, tt.want, "%v", tt.args)
		}
	}
}

// TestRunsCrawler runs the flake finder on the real crawler lab's reference.
func TestRunsCrawler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the crawler lab's tests")
	}
	t.Parallel()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := cli(context.Background(), []string{"-root", root, "-tags", "solution", "-lab", "crawler",
		"-run", "^TestSerialFakeFetcher$", "-runs", "3", "-p", "2"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	out := stdout.String()
	assert.Regexp(t, `\n  TestSerialFakeFetcher  3/3     100%  \d+\.\ds\n`, out)
	assert.True(t, strings.HasSuffix(out, "\nAll 1 test passed 3 times\n"), out)
	t.Logf("3 runs of TestSerialFakeFetcher, build included: %s", time.Since(start).Round(time.Millisecond))
}
