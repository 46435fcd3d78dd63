// Package buildtag answers one question about a //go:build constraint for
// the kit's tools: is a file built only when a given tag is set? The
// grader's integrity manifest uses it to leave the hidden tests (built only
// with "private") out, and the release tool to leave the references (built
// only with "solution") and the hidden tests out of a student tree.
package buildtag

import (
	"go/build/constraint"
	"slices"
)

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
