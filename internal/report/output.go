package report

import (
	"strings"

	"golabs/internal/trim"
)

// FileOutput is how many bytes of one test's output the report files and
// the Markdown report keep: enough for a failure message and a stack, small
// enough that a class of failing tests stays readable.
const FileOutput = 10 << 10

// moreHint says, in a cut output, where the rest is.
const moreHint = "go run ./grader -v shows more"

// FailureOutput returns what explains a test that did not pass, bounded to
// FileOutput bytes: the compiler's output if its package did not compile,
// the lines the static check refused, or else what the test printed. It is
// empty for a pass.
func (l *Lab) FailureOutput(t *Test) string {
	var out string
	switch t.Result {
	case Pass:
		return ""
	case BuildFailed:
		for _, b := range l.BuildErrors {
			if b.Package == t.Package {
				out = b.Output
			}
		}
	case Refused:
		if len(l.Refused) > 0 {
			out = strings.Join(l.Refused, "\n")
		} else {
			out = t.Output
		}
	default:
		out = t.Output
	}
	return trim.Bound(strings.TrimRight(out, "\n"), FileOutput, moreHint)
}

// trimOutput bounds a kept output to max bytes, head and tail.
func trimOutput(s string, max int) string { return trim.Bound(s, max, moreHint) }
