package grading_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/grading/gradingtest"
	"golabs/internal/report"
)

func TestIntegrityMalformedManifest(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "labs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "labs", "manifest.sha256"), []byte("# header\nnot a sum  go.mod\n"), 0o644))
	in := grading.CheckIntegrity(root, nil)
	assert.Equal(t, report.IntegrityError, in.Status)
	require.Len(t, in.Warnings, 1)
	assert.Contains(t, in.Warnings[0], "manifest.sha256:2: malformed line")
	assert.False(t, in.OK())
}

// TestKitHash changes the files that decide grading, and some that do not:
// the hash follows the first kind only.
func TestKitHash(t *testing.T) {
	t.Parallel()
	root := gradingtest.Copy(t)
	all, err := catalog.Load(root)
	require.NoError(t, err)
	calc := []*catalog.Lab{gradingtest.Lab(t, root, "calc")}
	hash := func() string {
		h, err := grading.KitHash(root, all, calc)
		require.NoError(t, err)
		return h
	}
	first := hash()
	assert.Equal(t, first, hash(), "the same tree hashes the same")
	write := func(name, text string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		data, _ := os.ReadFile(p)
		require.NoError(t, os.WriteFile(p, append(data, text...), 0o644))
	}
	write("calc/calc.go", "\n// the student's file\n")
	write("fix/fix_test.go", "\n// another lab's test\n")
	write("calc/calc_solution.go", "\n// the reference\n")
	assert.Equal(t, first, hash(), "student files, other labs and references do not decide calc's grading")
	for _, change := range []string{"calc/calc_test.go", "calc/private_test.go", "labs/calc.toml", "calc/extra_test.go"} {
		before := hash()
		write(change, "\n// changed\n")
		assert.NotEqual(t, before, hash(), "%s decides calc's grading: the hash must change", change)
	}
}
