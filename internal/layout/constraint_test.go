package layout

import (
	"go/build/constraint"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestConstraint(t *testing.T) {
	for _, tc := range []struct {
		src, want, rest string
	}{
		{"//go:build !solution\n\npackage a\n", "!solution", "package a\n"},
		{"// Copyright\n\n//go:build solution\n\npackage a\n", "solution", "// Copyright\n\npackage a\n"},
		{"//go:build private\npackage a\n", "private", "package a\n"},
		{"package a\n\n//go:build solution\n", "", ""},
	} {
		expr, start, end, ok, err := Constraint([]byte(tc.src))
		if err != nil {
			t.Fatalf("Constraint(%q): %v", tc.src, err)
		}
		if tc.want == "" {
			if ok {
				t.Errorf("Constraint(%q) found %v after the package clause; want none", tc.src, expr)
			}
			continue
		}
		if !ok || expr.String() != tc.want {
			t.Errorf("Constraint(%q) = %v, %v; want %s", tc.src, expr, ok, tc.want)
			continue
		}
		if rest := tc.src[:start] + tc.src[end:]; rest != tc.want && rest != tc.rest {
			t.Errorf("Constraint(%q) without the line = %q; want %q", tc.src, rest, tc.rest)
		}
	}
}

func TestHiddenOnly(t *testing.T) {
	dir := t.TempDir()
	for text, want := range map[string]bool{
		"// Hidden tests.\n\n//go:build private\n\npackage calc\n": true,
		"//go:build !solution\n\npackage calc\n":                   false,
		"package calc\n\n//go:build private\n":                     false, // after the package clause: not a constraint
		"package calc\n":                                           false,
	} {
		p := filepath.Join(dir, "x.go")
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		got, err := HiddenOnly(p)
		require.NoError(t, err)
		assert.Equal(t, want, got, "%q", text)
	}
}
