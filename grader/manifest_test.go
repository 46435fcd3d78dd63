package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/catalog"
	"golabs/internal/grading/gradingtest"
	"golabs/internal/layout"
	"golabs/internal/manifest"
)

// runCLI runs the grader on the kit at root.
func runCLI(root string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	if len(args) > 0 && slices.ContainsFunc(commands, func(c command) bool { return c.name == args[0] }) {
		args = append([]string{args[0], "-root", root}, args[1:]...) // flags follow the command
	} else {
		args = append([]string{"-root", root}, args...)
	}
	code = cli(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// edit appends a comment to the file name of the kit at root, and returns a
// function that restores it.
func edit(t *testing.T, root, name string) (restore func()) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	orig, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, append(bytes.Clone(orig), "\n// changed by hand\n"...), 0o644))
	return func() { require.NoError(t, os.WriteFile(p, orig, 0o644)) }
}

func TestWriteManifest(t *testing.T) {
	t.Parallel()
	root := gradingtest.Copy(t)
	code, stdout, stderr := runCLI(root, "manifest")
	require.Equal(t, exitOK, code, "grader manifest failed:\n%s", stderr)
	assert.Contains(t, stdout, "wrote labs/manifest.sha256: ")

	first, err := os.ReadFile(filepath.Join(root, "labs", "manifest.sha256"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(first), "# "), "the manifest must start with its comment header:\n%s", first)
	assert.Contains(t, string(first), "make manifest", "the header must say how to regenerate the manifest")

	m, err := manifest.Read(filepath.Join(root, "labs", "manifest.sha256"))
	require.NoError(t, err)
	for _, name := range []string{"go.mod", "labs/calc.toml", "labs/fix.toml", "calc/calc_test.go", "fix/fix_test.go"} {
		assert.Contains(t, m, name, "%s is protected: the manifest must list it", name)
	}
	for name, why := range map[string]string{
		"calc/calc.go":                     "a student file",
		"fix/fix.go":                       "a student file",
		"calc/calc_solution.go":            "a reference solution",
		"calc/private_test.go":             "a hidden test, built only with the private tag",
		"calc/testdata/mutants/zero.txtar": "a mutant",
		"labs/manifest.sha256":             "the manifest itself",
	} {
		assert.NotContains(t, m, name, "%s is %s: the manifest must leave it out", name, why)
	}

	code, _, stderr = runCLI(root, "manifest")
	require.Equal(t, exitOK, code, stderr)
	again, err := os.ReadFile(filepath.Join(root, "labs", "manifest.sha256"))
	require.NoError(t, err)
	assert.Equal(t, string(first), string(again), "writing the manifest twice must give the same bytes")

	code, _, stderr = runCLI(root, "manifest", "-lab", "calc")
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, stderr, "flag provided but not defined: -lab", "the manifest covers every lab")
	code, _, stderr = runCLI(root, "check", "-strict")
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, stderr, "flag provided but not defined: -strict", "the self-check holds the manifest against the tree itself")
}

func TestProtectedFilesWithGit(t *testing.T) {
	t.Parallel()
	root := gradingtest.Copy(t)
	if _, err := layout.GitFiles(root, "--cached"); err == nil {
		t.Skip("the temporary directory is inside a git repository")
	}
	walked, note, err := protectedFiles(root, fixtureCatalogue(t, root))
	require.NoError(t, err)
	assert.Contains(t, note, "every file of the tree")
	if out, err := gitCommand(root, "init", "-q"); err != nil {
		t.Skipf("git init: %v\n%s", err, out)
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, ".gitignore"), []byte("*.log\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "calc", "test.log"), []byte("ignored"), 0o644))
	if out, err := gitCommand(root, "add", "-A"); err != nil {
		t.Fatalf("git add: %v\n%s", err, out)
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "calc", "notes.txt"), []byte("untracked"), 0o644))
	listed, note, err := protectedFiles(root, fixtureCatalogue(t, root))
	require.NoError(t, err)
	assert.Equal(t, "the files git tracks", note)
	assert.Equal(t, walked, listed, "git must list the protected files a walk of the tree finds, and neither ignored nor untracked files")

	// Files not added yet are left out, with a warning.
	require.NoError(t, os.WriteFile(filepath.Join(root, "calc", "new_test.go"), []byte("package calc\n"), 0o644))
	var stdout, stderr bytes.Buffer
	require.NoError(t, writeManifest(root, fixtureCatalogue(t, root), &stdout, &stderr))
	assert.Contains(t, stdout.String(), "from the files git tracks")
	assert.Equal(t, "warning: the manifest leaves out 2 files that git does not track:\n  calc/new_test.go\n  calc/notes.txt\n"+
		"git add those that belong to the kit, then run make manifest again\n", stderr.String())
}

// protectedFiles returns the protected files of the tree at root, and how
// they were listed.
func protectedFiles(root string, all []*catalog.Lab) ([]string, string, error) {
	names, note, err := layout.Files(root)
	if err != nil {
		return nil, "", err
	}
	files, err := (&layout.Kit{Root: root, Labs: all}).Protected(names)
	return files, note, err
}

// gitCommand runs git in dir.
func gitCommand(dir string, args ...string) ([]byte, error) {
	return exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
}

// fixtureCatalogue loads the whole catalogue of the kit at root.
func fixtureCatalogue(t *testing.T, root string) []*catalog.Lab {
	t.Helper()
	labs, err := catalog.Load(root)
	require.NoError(t, err)
	return labs
}
