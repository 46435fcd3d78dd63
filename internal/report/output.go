package report

import (
	"regexp"
	"strings"

	"golabs/internal/trim"
)

// fileOutput is how many bytes of one test's output the report files and
// the Markdown report keep: enough for a failure message and a stack, small
// enough that a class of failing tests stays readable.
const fileOutput = 10 << 10

// moreHint says, in a cut output, where the rest is.
const moreHint = "go run ./grader -v shows more"

// FailureOutput returns what explains a test that did not pass, bounded to
// fileOutput bytes: the compiler's output if its package did not compile,
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
	return trim.Bound(strings.TrimRight(out, "\n"), fileOutput, moreHint)
}

// ansiEscape matches a terminal's colour and cursor sequences.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;?]*[ -/]*[@-~]")

// printable drops terminal escape sequences from s and replaces the other
// control characters, but tab and line ends, with U+FFFD.
func printable(s string) string {
	s = ansiEscape.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
}
