package report

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJUnitReport(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "junit.xml")
	r := sampleReport()
	r.Elapsed = 90 * time.Second
	require.NoError(t, WriteJUnit(path, r))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(data), xml.Header))

	// A strict decode of the whole file proves it well formed.
	dec := xml.NewDecoder(strings.NewReader(string(data)))
	dec.Strict = true
	for {
		if _, err := dec.Token(); err != nil {
			require.Equal(t, "EOF", err.Error(), "junit.xml is not well-formed XML:\n%s", data)
			break
		}
	}
	var rep junitSuites
	require.NoError(t, xml.Unmarshal(data, &rep))

	assert.Equal(t, "90.000", rep.Time)
	require.Len(t, rep.Suites, 2)
	crawler, kv := rep.Suites[0], rep.Suites[1]

	assert.Equal(t, "crawler", crawler.Name)
	assert.Equal(t, 7, crawler.Tests)
	assert.Len(t, crawler.Cases, crawler.Tests)
	assert.Equal(t, 5, crawler.Failures, "fail, race, timeout, the hidden fail and the skip are failures")
	assert.Equal(t, 1, crawler.Errors, "no_result is an error")
	assert.Contains(t, crawler.Properties, junitProperty{"score", "5"})
	assert.Contains(t, crawler.Properties, junitProperty{"max_score", "26"})

	assert.Equal(t, "kv", kv.Name)
	assert.Equal(t, 2, kv.Tests)
	assert.Equal(t, 0, kv.Failures)
	assert.Equal(t, 2, kv.Errors)
	assert.Equal(t, rep.Tests, crawler.Tests+kv.Tests)
	assert.Equal(t, rep.Failures, crawler.Failures+kv.Failures)
	assert.Equal(t, rep.Errors, crawler.Errors+kv.Errors)

	cases := map[string]junitCase{}
	failures, errors := 0, 0
	for _, s := range rep.Suites {
		for _, c := range s.Cases {
			cases[c.Name] = c
			if c.Failure != nil {
				failures++
			}
			if c.Error != nil {
				errors++
			}
			assert.False(t, c.Failure != nil && c.Error != nil, "%s is both a failure and an error", c.Name)
		}
	}
	assert.Equal(t, rep.Failures, failures, "the counts match the testcases")
	assert.Equal(t, rep.Errors, errors, "the counts match the testcases")

	pass := cases["TestPass"]
	assert.Equal(t, "crawler", pass.Classname)
	assert.Equal(t, "0.310", pass.Time)
	assert.Nil(t, pass.Failure)
	assert.Nil(t, pass.Error)
	assert.Equal(t, []junitProperty{{"points", "5"}, {"max_points", "5"}, {"part", "serial"}}, pass.Properties)

	fail := cases["TestFail"]
	require.NotNil(t, fail.Failure)
	assert.Equal(t, "fail", fail.Failure.Type)
	assert.Equal(t, "got a | b\nwant <b> & `c`", fail.Failure.Message, "the reason survives as the message")
	assert.Contains(t, fail.Failure.Text, "crawler_test.go:9: got a | b")
	assert.Contains(t, fail.Failure.Text, "x ]]> y", "a CDATA end in the output survives")

	race := cases["TestRace"]
	require.NotNil(t, race.Failure)
	assert.Equal(t, "race", race.Failure.Type)
	assert.Contains(t, race.Failure.Text, "\uFFFD[31mred", "control characters become U+FFFD")

	require.NotNil(t, cases["TestHang"].Failure)
	assert.Equal(t, "timeout", cases["TestHang"].Failure.Type)
	assert.LessOrEqual(t, len(cases["TestHang"].Failure.Text), fileOutput+200)
	require.NotNil(t, cases["TestSkip"].Failure, "a skip earns nothing, so it fails")
	assert.Contains(t, cases["TestHidden"].Properties, junitProperty{"private", "true"})

	get := cases["TestGet"]
	require.NotNil(t, get.Error)
	assert.Equal(t, "build_failed", get.Error.Type)
	assert.Contains(t, get.Error.Text, "kv/server.go:4:2: undefined: y")
	assert.Equal(t, "kv", get.Classname)
	require.NotNil(t, cases["TestExit"].Error)
	assert.Equal(t, "no_result", cases["TestExit"].Error.Type)
}

func TestXMLText(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "a\tb\nc\r\uFFFD\uFFFDé😀", xmlText("a\tb\nc\r\x00\x1bé😀"))
}
