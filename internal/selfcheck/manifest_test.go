package selfcheck

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/grading/gradingtest"
	"golabs/internal/layout"
)

// edit appends a comment to the file name of the kit at root.
func edit(t *testing.T, root, name string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	orig, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, append(orig, "\n// changed by hand\n"...), 0o644))
}

func TestCheckManifest(t *testing.T) {
	t.Parallel()
	root := gradingtest.Copy(t)
	labs, err := catalog.Load(root)
	require.NoError(t, err)
	names, _, err := layout.Files(root)
	require.NoError(t, err)
	_, err = (&layout.Kit{Root: root, Labs: labs}).WriteManifest(names)
	require.NoError(t, err)
	calc := []*catalog.Lab{gradingtest.Lab(t, root, "calc")}

	check := func(labs []*catalog.Lab) (problems []string, rep string) {
		g, err := grading.New(context.Background(), grading.Options{Root: root, Par: 1})
		require.NoError(t, err)
		defer g.Close()
		c := &selfCheck{g: g, all: labs}
		var w bytes.Buffer
		c.checkManifest(labs, &w)
		return c.problems, w.String()
	}
	problems, rep := check(labs)
	assert.Empty(t, problems, "a manifest just written is up to date:\n%s", rep)
	assert.Contains(t, rep, "ok    ")

	const stale = "labs/manifest.sha256 is out of date: run make manifest and commit it"
	edit(t, root, "calc/calc_test.go")
	require.NoError(t, os.WriteFile(filepath.Join(root, "calc", "extra_test.go"), []byte("package calc\n"), 0o644))
	problems, rep = check(calc)
	assert.Equal(t, []string{stale}, problems)
	assert.Contains(t, rep, "calc/calc_test.go: changed since the manifest was written")
	assert.Contains(t, rep, "calc/extra_test.go: protected, but not in the manifest")

	// Only the labs checked count.
	problems, rep = check([]*catalog.Lab{gradingtest.Lab(t, root, "fix")})
	assert.Empty(t, problems, rep)
	edit(t, root, "go.mod")
	problems, rep = check([]*catalog.Lab{gradingtest.Lab(t, root, "fix")})
	assert.Equal(t, []string{stale}, problems, "go.mod matters to every lab")
	assert.Contains(t, rep, "go.mod: changed since the manifest was written")

	require.NoError(t, os.Remove(filepath.Join(root, "labs", "manifest.sha256")))
	problems, _ = check(calc)
	assert.Equal(t, []string{"labs/manifest.sha256 does not exist: run make manifest and commit it"}, problems)
}
