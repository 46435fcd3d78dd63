package layout

import (
	"bytes"
	"fmt"
	"go/build/constraint"
	"os"
	"slices"
	"strings"
)

// Constraint finds the //go:build line of a Go source file, before its
// package clause. It returns the constraint, and the byte range of the line
// together with one blank line after it; ok is false when there is none.
func Constraint(src []byte) (expr constraint.Expr, start, end int, ok bool, err error) {
	off := 0
	for off < len(src) {
		next := bytes.IndexByte(src[off:], '\n')
		lineEnd := len(src)
		if next >= 0 {
			lineEnd = off + next + 1
		}
		line := strings.TrimSpace(string(src[off:lineEnd]))
		if constraint.IsGoBuild(line) {
			expr, err := constraint.Parse(line)
			if err != nil {
				return nil, 0, 0, false, err
			}
			end := lineEnd
			if rest := src[end:]; bytes.HasPrefix(rest, []byte("\n")) {
				end++
			} else if bytes.HasPrefix(rest, []byte("\r\n")) {
				end += 2
			}
			return expr, off, end, true, nil
		}
		if line != "" && !strings.HasPrefix(line, "//") {
			break // the package clause, or a /* comment: no //go:build line
		}
		off = lineEnd
	}
	return nil, 0, 0, false, nil
}

// Tags returns the build tags expr mentions, in the order it mentions them.
func Tags(expr constraint.Expr) []string {
	var all []string
	expr.Eval(func(t string) bool {
		if !slices.Contains(all, t) {
			all = append(all, t)
		}
		return false
	})
	return all
}

// HiddenOnly reports whether the Go file is built only with the private
// tag: it holds hidden tests.
func HiddenOnly(file string) (bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return false, fmt.Errorf("reading %s: %v", file, err)
	}
	expr, _, _, ok, err := Constraint(data)
	return ok && err == nil && Needs(expr, "private"), nil
}

// Needs reports whether expr is false whatever the other tags are when tag
// is not set: whether a file with this constraint builds only with tag. It
// tries every setting of the other tags, so an expression that mentions
// more than 16 of them is answered false (as if the file did not need tag).
func Needs(expr constraint.Expr, tag string) bool {
	var others []string
	expr.Eval(func(t string) bool {
		if t != tag && !slices.Contains(others, t) {
			others = append(others, t)
		}
		return false
	})
	if len(others) > 16 {
		return false
	}
	for set := range 1 << len(others) {
		on := func(t string) bool {
			i := slices.Index(others, t)
			return i >= 0 && set&(1<<i) != 0
		}
		if expr.Eval(on) {
			return false
		}
	}
	return true
}
