package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The JUnit XML report, in the dialect CI systems read (Jenkins, GitLab,
// GitHub test-report actions): a testsuite per lab, a testcase per graded
// test, properties for the points.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Time       string          `xml:"time,attr"`
		Properties []junitProperty `xml:"properties>property"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitCase struct {
		Classname  string          `xml:"classname,attr"`
		Name       string          `xml:"name,attr"`
		Time       string          `xml:"time,attr"`
		Properties []junitProperty `xml:"properties>property"`
		Failure    *junitProblem   `xml:"failure,omitempty"`
		Error      *junitProblem   `xml:"error,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",cdata"` // xmlText: only characters XML allows
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
)

// junitError reports whether an outcome is an error in JUnit's terms (the
// test could not give a verdict: it did not build, was refused, ended
// without a result, or did not run) rather than a failure of the test.
func junitError(o outcome) bool {
	switch o {
	case buildFailed, refused, noResult, notRun:
		return true
	}
	return false
}

// junitReport turns the grading into JUnit's terms. A skipped test earns
// nothing, so it is a failure here too. A suite's time is the sum of its
// tests' times; the whole report's is the grading's wall time.
func junitReport(labs []*labResult, elapsed time.Duration) junitSuites {
	rep := junitSuites{Name: "grader", Time: junitSeconds(elapsed)}
	for _, lr := range labs {
		earned, max := lr.score()
		suite := junitSuite{
			Name: lr.lab.ID,
			Properties: []junitProperty{
				{"title", lr.lab.Title},
				{"file", lr.lab.File},
				{"score", strconv.Itoa(earned)},
				{"max_score", strconv.Itoa(max)},
			},
		}
		var total time.Duration
		for _, r := range lr.results {
			total += r.elapsed
			tc := junitCase{
				Classname: strings.TrimPrefix(r.test.Package, "./"),
				Name:      r.test.Name,
				Time:      junitSeconds(r.elapsed),
				Properties: []junitProperty{
					{"points", strconv.Itoa(r.earned())},
					{"max_points", strconv.Itoa(r.test.Points)},
				},
			}
			if r.test.Part != "" {
				tc.Properties = append(tc.Properties, junitProperty{"part", r.test.Part})
			}
			if r.test.Private {
				tc.Properties = append(tc.Properties, junitProperty{"private", "true"})
			}
			if r.outcome != pass {
				p := &junitProblem{Message: r.reason, Type: string(r.outcome), Text: xmlText(failureOutput(lr, r))}
				if junitError(r.outcome) {
					tc.Error = p
					suite.Errors++
				} else {
					tc.Failure = p
					suite.Failures++
				}
			}
			suite.Cases = append(suite.Cases, tc)
		}
		suite.Tests = len(suite.Cases)
		suite.Time = junitSeconds(total)
		rep.Tests += suite.Tests
		rep.Failures += suite.Failures
		rep.Errors += suite.Errors
		rep.Suites = append(rep.Suites, suite)
	}
	return rep
}

// xmlText replaces the characters XML 1.0 cannot hold (most control
// characters, such as the escapes that colour a terminal) with U+FFFD. The
// encoder does it for attributes and character data, but not for CDATA,
// which keeps a test's output readable in the file.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

// junitSeconds formats a duration as JUnit's seconds.
func junitSeconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}

// writeJUnit writes the JUnit XML report to path. Characters that XML
// cannot hold (terminal escapes in a test's output, say) become U+FFFD.
func writeJUnit(path string, labs []*labResult, elapsed time.Duration) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(junitReport(labs, elapsed)); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	buf.WriteString("\n")
	return writeFileAtomic(path, buf.Bytes())
}
