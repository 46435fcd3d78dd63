package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golabs/internal/atomicfile"
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
func junitError(o Outcome) bool {
	switch o {
	case BuildFailed, Refused, NoResult, NotRun:
		return true
	}
	return false
}

// junitReport turns the grading into JUnit's terms. A skipped test earns
// nothing, so it is a failure here too. A suite's time is the sum of its
// tests' times; the whole report's is the grading's wall time.
func junitReport(r *Report) junitSuites {
	rep := junitSuites{Name: "grader", Time: junitSeconds(r.Elapsed)}
	for _, l := range r.Labs {
		suite := junitSuite{
			Name: l.ID,
			Properties: []junitProperty{
				{"title", l.Title},
				{"file", l.File},
				{"score", strconv.Itoa(l.Score)},
				{"max_score", strconv.Itoa(l.MaxScore)},
			},
		}
		var total time.Duration
		for _, t := range l.Tests {
			total += t.Elapsed
			tc := junitCase{
				Classname: strings.TrimPrefix(t.Package, "./"),
				Name:      t.Name,
				Time:      junitSeconds(t.Elapsed),
				Properties: []junitProperty{
					{"points", strconv.Itoa(t.Points)},
					{"max_points", strconv.Itoa(t.MaxPoints)},
				},
			}
			if t.Part != "" {
				tc.Properties = append(tc.Properties, junitProperty{"part", t.Part})
			}
			if t.Spec.Private {
				tc.Properties = append(tc.Properties, junitProperty{"private", "true"})
			}
			if t.Result != Pass {
				p := &junitProblem{Message: t.Reason, Type: string(t.Result), Text: xmlText(l.FailureOutput(t))}
				if junitError(t.Result) {
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

// WriteJUnit writes the report as JUnit XML to path, whole or not at all.
// Characters that XML cannot hold (terminal escapes in a test's output, say)
// become U+FFFD.
func WriteJUnit(path string, r *Report) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(junitReport(r)); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	buf.WriteString("\n")
	return atomicfile.WriteFile(path, buf.Bytes())
}
