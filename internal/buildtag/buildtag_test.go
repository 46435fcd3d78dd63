package buildtag

import (
	"go/build/constraint"
	"testing"
)

func TestNeeds(t *testing.T) {
	for _, tc := range []struct {
		line string
		tag  string
		want bool
	}{
		{"//go:build solution", "solution", true},
		{"//go:build !solution", "solution", false},
		{"//go:build private", "private", true},
		{"//go:build solution && private", "private", true},
		{"//go:build solution || private", "private", false},
		{"//go:build linux", "private", false},
		{"//go:build private && (linux || darwin)", "private", true},
		{"//go:build private && !solution", "private", true},
		{"//go:build (private && linux) || (private && !linux)", "private", true},
		{"//go:build private || solution", "private", false},
		{"//go:build !private", "private", false},
		{"//go:build solution", "private", false},
		{"//go:build ignore", "private", false},
	} {
		expr, err := constraint.Parse(tc.line)
		if err != nil {
			t.Fatal(err)
		}
		if got := Needs(expr, tc.tag); got != tc.want {
			t.Errorf("Needs(%q, %q) = %v, want %v", tc.line, tc.tag, got, tc.want)
		}
	}
}
