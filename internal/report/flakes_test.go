package report

import (
	"bytes"
	"fmt"
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
	run := func(o Outcome, reason string, d time.Duration) *Test {
		r := NewTest(test)
		r.Output = "output of " + reason
		r.Decide(o, reason)
		r.SetElapsed(d)
		return r
	}
	tl := &Tally{Test: test}
	for _, r := range []*Test{
		run(Pass, "", time.Second),
		run(Fail, "more than 4 fetches at once", 2*time.Second),
		run(Pass, "", time.Second),
		run(Timeout, "timed out after 1m0s", time.Minute),
		run(Fail, "more than 4 fetches at once", 3*time.Second),
		run(NotRun, "not run: the grader was interrupted", 0),
		run(Race, "more than 4 fetches at once", time.Second), // same reason, another verdict
		run(Fail, "more than 4 fetches at once", time.Second),
		run(Pass, "", time.Second),
	} {
		tl.Add(r)
	}
	assert.Equal(t, 8, tl.runs, "a run that never ran does not count")
	assert.Equal(t, 3, tl.passed)
	assert.Equal(t, time.Minute, tl.slowest)
	assert.True(t, tl.flaky())
	require.Len(t, tl.failures, 3, "distinct (verdict, reason) pairs")
	assert.Equal(t, Fail, tl.failures[0].outcome)
	assert.Equal(t, 3, tl.failures[0].count)
	assert.Equal(t, "output of more than 4 fetches at once", tl.failures[0].example.Output, "the first run that failed that way is kept")
	assert.Equal(t, Timeout, tl.failures[1].outcome)
	assert.Equal(t, 1, tl.failures[1].count)
	assert.Equal(t, Race, tl.failures[2].outcome)

	assert.Equal(t, []string{
		"3x FAIL: more than 4 fetches at once",
		"1x TIMEOUT: timed out after 1m0s",
		"1x RACE: more than 4 fetches at once",
	}, failureLines(tl), "most frequent first")

	ok := &Tally{Test: test}
	ok.Add(run(Pass, "", time.Second))
	assert.False(t, ok.flaky())
	assert.Empty(t, failureLines(ok))
}

func TestTallyManyReasons(t *testing.T) {
	t.Parallel()
	tl := &Tally{Test: catalog.Test{Name: "TestSeeds"}}
	for i := range shownKinds + 3 {
		for range i + 1 {
			tl.Add(&Test{Name: tl.Test.Name, Result: Fail, Reason: fmt.Sprintf("seed %d failed", i)})
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
	steady := &Tally{Test: catalog.Test{Name: "TestSteady"}}
	flaky := &Tally{Test: catalog.Test{Name: "TestFlaky"}}
	for i := range 4 {
		steady.Add(&Test{Result: Pass, Elapsed: 100 * time.Millisecond})
		r := &Test{Result: Pass, Elapsed: time.Duration(i+1) * time.Second}
		if i == 2 {
			r.Result, r.Reason, r.Output = Timeout, "timed out after 1m0s; still waiting: crawler.worker", "goroutine 7 [chan receive]:\n"
		}
		flaky.Add(r)
	}
	hunt := &Flakes{Lab: lab, Tallies: []*Tally{steady, flaky}}

	var buf bytes.Buffer
	ok := WriteFlakes(&buf, []*Flakes{hunt}, 4, Style{}, true, 3*time.Second, 2)
	out := buf.String()
	assert.False(t, ok)
	assert.Contains(t, out, "Lab 1: Web crawler (crawler): each test run 4 times\n")
	assert.Contains(t, out, "  TestSteady  4/4     100%  0.1s\n")
	assert.Contains(t, out, "  TestFlaky   3/4     75%   4.0s     1x TIMEOUT: timed out after 1m0s; still waiting: crawler.worker\n")
	assert.Contains(t, out, "--- TestFlaky (TIMEOUT in 1 of 4 runs): timed out after 1m0s; still waiting: crawler.worker\n    goroutine 7 [chan receive]:\n",
		"-v shows an example of each way of failing")
	assert.True(t, strings.HasSuffix(out, "\n8 runs of 2 tests in 3s, at most 2 at once\nFlaky: 1 of 2 tests failed at least once\n"), out)

	buf.Reset()
	hunt.Tallies = hunt.Tallies[:1]
	assert.True(t, WriteFlakes(&buf, []*Flakes{hunt}, 4, Style{}, false, time.Second, 2))
	assert.True(t, strings.HasSuffix(buf.String(), "\nAll 1 test passed 4 times\n"), buf.String())

	buf.Reset()
	steady.runs = 3 // the grader was interrupted before the last run
	assert.True(t, WriteFlakes(&buf, []*Flakes{hunt}, 4, Style{}, false, time.Second, 2))
	assert.True(t, strings.HasSuffix(buf.String(), "\nNo test failed, but only 3 of the 4 runs were done\n"), buf.String())
}
