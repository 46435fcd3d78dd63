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
	"golabs/internal/report"
)

func TestTally(t *testing.T) {
	t.Parallel()
	test := catalog.Test{Name: "TestPoolBound", Points: 6, Package: "./crawler", Timeout: time.Minute}
	run := func(o report.Outcome, reason string, d time.Duration) *report.Test {
		r := report.NewTest(test)
		r.Output = "output of " + reason
		r.Decide(o, reason)
		r.SetElapsed(d)
		return r
	}
	tl := &tally{test: test}
	for _, r := range []*report.Test{
		run(report.Pass, "", time.Second),
		run(report.Fail, "more than 4 fetches at once", 2*time.Second),
		run(report.Pass, "", time.Second),
		run(report.Timeout, "timed out after 1m0s", time.Minute),
		run(report.Fail, "more than 4 fetches at once", 3*time.Second),
		run(report.NotRun, "not run: the grader was interrupted", 0),
		run(report.Race, "more than 4 fetches at once", time.Second), // same reason, another verdict
		run(report.Fail, "more than 4 fetches at once", time.Second),
		run(report.Pass, "", time.Second),
	} {
		tl.add(r)
	}
	assert.Equal(t, 8, tl.runs, "a run that never ran does not count")
	assert.Equal(t, 3, tl.passed)
	assert.Equal(t, time.Minute, tl.slowest)
	assert.True(t, tl.flaky())
	require.Len(t, tl.failures, 3, "distinct (verdict, reason) pairs")
	assert.Equal(t, report.Fail, tl.failures[0].outcome)
	assert.Equal(t, 3, tl.failures[0].count)
	assert.Equal(t, "output of more than 4 fetches at once", tl.failures[0].example.Output, "the first run that failed that way is kept")
	assert.Equal(t, report.Timeout, tl.failures[1].outcome)
	assert.Equal(t, 1, tl.failures[1].count)
	assert.Equal(t, report.Race, tl.failures[2].outcome)

	assert.Equal(t, []string{
		"3x FAIL: more than 4 fetches at once",
		"1x TIMEOUT: timed out after 1m0s",
		"1x RACE: more than 4 fetches at once",
	}, failureLines(tl), "most frequent first")

	ok := &tally{test: test}
	ok.add(run(report.Pass, "", time.Second))
	assert.False(t, ok.flaky())
	assert.Empty(t, failureLines(ok))
}

func TestTallyManyReasons(t *testing.T) {
	t.Parallel()
	tl := &tally{test: catalog.Test{Name: "TestSeeds"}}
	for i := range shownKinds + 3 {
		for range i + 1 {
			tl.add(&report.Test{Name: tl.test.Name, Result: report.Fail, Reason: fmt.Sprintf("seed %d failed", i)})
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
		steady.add(&report.Test{Result: report.Pass, Elapsed: 100 * time.Millisecond})
		r := &report.Test{Result: report.Pass, Elapsed: time.Duration(i+1) * time.Second}
		if i == 2 {
			r.Result, r.Reason, r.Output = report.Timeout, "timed out after 1m0s; still waiting: crawler.worker", "goroutine 7 [chan receive]:\n"
		}
		flaky.add(r)
	}
	hunt := &flakeHunt{lab: lab, tallies: []*tally{steady, flaky}}

	var buf bytes.Buffer
	ok := writeFlakes(&buf, []*flakeHunt{hunt}, 4, report.Style{}, true, 3*time.Second, 2)
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
	assert.True(t, writeFlakes(&buf, []*flakeHunt{hunt}, 4, report.Style{}, false, time.Second, 2))
	assert.True(t, strings.HasSuffix(buf.String(), "\nAll 1 test passed 4 times\n"), buf.String())

	buf.Reset()
	steady.runs = 3 // the grader was interrupted before the last run
	assert.True(t, writeFlakes(&buf, []*flakeHunt{hunt}, 4, report.Style{}, false, time.Second, 2))
	assert.True(t, strings.HasSuffix(buf.String(), "\nNo test failed, but only 3 of the 4 runs were done\n"), buf.String())
}

// TestUsageErrors checks usage errors: exit status 2, and a message that
// says what to do; the flags that chose a mode name the command instead.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-markdown", "-json"}, "-markdown and -json cannot be combined"},
		{[]string{"-p", "0"}, "-p 0: run at least one process at a time"},
		{[]string{"-sandbox", "jail"}, `-sandbox "jail": choose auto, bwrap, namespaces or none`},
		{[]string{"crawler"}, `unexpected argument "crawler": name labs with -lab, or a command`},
		{[]string{"-check"}, "-check is now a command: go run ./grader check"},
		{[]string{"-lab", "crawler", "-runs=5"}, "-runs is now a command: go run ./grader flakes -runs N"},
		{[]string{"-write-manifest"}, "go run ./grader manifest"},
		{[]string{"-list-packages"}, "go run ./grader list"},
		{[]string{"flakes"}, "-runs 0: run each test at least once"},
		{[]string{"flakes", "-runs", "3", "-json"}, "flag provided but not defined: -json"},
		{[]string{"check", "-tags", "solution"}, "flag provided but not defined: -tags"},
		{[]string{"check", "-runs", "0"}, "-runs 0: run the reference at least once"},
		{[]string{"check", "crawler"}, `unexpected argument "crawler": name labs with -lab`},
		{[]string{"merge", "a"}, "name the folder to write: -out DIR"},
		{[]string{"intake"}, "name one submission"},
		{[]string{"list", "-lab", "nope"}, `unknown lab "nope"`},
	} {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), tt.args, &stdout, &stderr)
		assert.Equal(t, exitSetup, code, "%v", tt.args)
		assert.Contains(t, stderr.String(), tt.want, "%v", tt.args)
	}
}

// TestFlakesCrawler runs the flake finder on the real crawler lab's reference.
func TestFlakesCrawler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the crawler lab's tests")
	}
	t.Parallel()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := cli(context.Background(), []string{"flakes", "-root", root, "-tags", "solution", "-lab", "crawler",
		"-run", "^TestSerialFakeFetcher$", "-runs", "3", "-p", "2"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	out := stdout.String()
	assert.Regexp(t, `\n  TestSerialFakeFetcher  3/3     100%  \d+\.\ds\n`, out)
	assert.True(t, strings.HasSuffix(out, "\nAll 1 test passed 3 times\n"), out)
	t.Logf("3 runs of TestSerialFakeFetcher, build included: %s", time.Since(start).Round(time.Millisecond))
}
