package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/catalog"
	"golabs/internal/manifest"
)

// copyFixture copies the shared fixture kit into a directory of the test's
// own, which the test may change.
func copyFixture(t *testing.T) string {
	t.Helper()
	src, _ := fixture(t)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	require.NoError(t, err, "copying the fixture kit")
	return dst
}

// runCLI runs the grader on the kit at root.
func runCLI(root string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = cli(context.Background(), append([]string{"-root", root}, args...), &out, &errOut)
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
	root := copyFixture(t)
	code, stdout, stderr := runCLI(root, "-write-manifest")
	require.Equal(t, exitOK, code, "-write-manifest failed:\n%s", stderr)
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
		"calc/calc.go":          "a student file",
		"fix/fix.go":            "a student file",
		"calc/calc_solution.go": "a reference solution",
		"calc/private_test.go":  "a hidden test, built only with the private tag",
		"calc/testdata/mutants/zero/calc_solution.go": "a mutant",
		"labs/manifest.sha256":                        "the manifest itself",
	} {
		assert.NotContains(t, m, name, "%s is %s: the manifest must leave it out", name, why)
	}

	code, _, stderr = runCLI(root, "-write-manifest")
	require.Equal(t, exitOK, code, stderr)
	again, err := os.ReadFile(filepath.Join(root, "labs", "manifest.sha256"))
	require.NoError(t, err)
	assert.Equal(t, string(first), string(again), "writing the manifest twice must give the same bytes")

	code, _, stderr = runCLI(root, "-write-manifest", "-lab", "calc")
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, stderr, "-write-manifest cannot be combined with -lab")
	code, _, stderr = runCLI(root, "-check", "-strict")
	assert.Equal(t, exitSetup, code)
	assert.Contains(t, stderr, "-strict cannot be combined with -check")
}

func TestIntegrity(t *testing.T) {
	t.Parallel()
	root := copyFixture(t)
	code, _, stderr := runCLI(root, "-write-manifest")
	require.Equal(t, exitOK, code, stderr)
	const warning = "warning: protected file calc/calc_test.go was modified; official grading uses the pristine copy"

	// A changed test file is named, and grading goes on. A change to a
	// lab that is not graded is none of this run's business.
	restore := edit(t, root, "calc/calc_test.go")
	edit(t, root, "fix/fix_test.go")
	code, stdout, stderr := runCLI(root, "-lab", "calc", "-tags", "solution")
	assert.Equal(t, exitOK, code, "a changed protected file is a warning, not an error:\n%s", stderr)
	assert.Contains(t, stderr, warning)
	assert.True(t, strings.HasPrefix(stdout, warning+"\n"), "the warning must open the report:\n%s", stdout)
	assert.True(t, strings.HasSuffix(stdout, "\nScore: 5/5\n"), "the lab must still be graded:\n%s", stdout)
	assert.NotContains(t, stdout+stderr, "fix/fix_test.go", "lab fix is not graded: its files are not checked")

	code, stdout, _ = runCLI(root, "-lab", "calc", "-tags", "solution", "-json")
	require.Equal(t, exitOK, code)
	var rep jsonReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
	require.NotNil(t, rep.Integrity, "the JSON report must hold the integrity check:\n%s", stdout)
	assert.Equal(t, integrityChanged, rep.Integrity.Status)
	assert.Equal(t, []string{"calc/calc_test.go"}, rep.Integrity.Modified)
	assert.Equal(t, []string{strings.TrimPrefix(warning, "warning: ")}, rep.Integrity.Warnings)
	assert.Equal(t, 5, rep.Score)

	// -strict refuses, before anything is built.
	code, stdout, stderr = runCLI(root, "-lab", "calc", "-tags", "solution", "-strict")
	assert.Equal(t, exitRefused, code, "-strict with a modified protected file:\n%s", stderr)
	assert.Empty(t, stdout, "-strict must grade nothing when it refuses")
	assert.Contains(t, stderr, "calc/calc_test.go (modified)")
	assert.Contains(t, stderr, "git checkout -- calc/calc_test.go")

	// A missing protected file is refused too.
	restore()
	require.NoError(t, os.Rename(filepath.Join(root, "calc", "calc_test.go"), filepath.Join(root, "calc_test.go.away")))
	code, _, stderr = runCLI(root, "-lab", "calc", "-strict")
	assert.Equal(t, exitRefused, code)
	assert.Contains(t, stderr, "calc/calc_test.go (missing)")
	require.NoError(t, os.Rename(filepath.Join(root, "calc_test.go.away"), filepath.Join(root, "calc", "calc_test.go")))

	// With every protected file intact, -strict grades, and fails on a
	// missed point.
	code, stdout, stderr = runCLI(root, "-lab", "calc", "-strict")
	assert.Equal(t, exitMissed, code, "-strict on the stubs, which earn nothing:\n%s\n%s", stdout, stderr)
	assert.True(t, strings.HasSuffix(stdout, "\nScore: 0/5\n"), stdout)
	assert.Contains(t, stderr, "grader: -strict: 5 points missed")
	assert.NotContains(t, stdout, "warning:")

	code, stdout, stderr = runCLI(root, "-lab", "calc", "-strict", "-tags", "solution")
	assert.Equal(t, exitOK, code, "-strict on the reference, which earns everything:\n%s\n%s", stdout, stderr)

	// Without a manifest: a warning, and a refusal under -strict.
	require.NoError(t, os.Remove(filepath.Join(root, "labs", "manifest.sha256")))
	in := checkIntegrity(root, fixtureLabs(t, root, "calc"))
	assert.Equal(t, integrityNoManifest, in.Status)
	assert.Equal(t, []string{"no manifest: cannot check the protected files (labs/manifest.sha256 does not exist)"}, in.Warnings)
	code, stdout, stderr = runCLI(root, "-lab", "calc", "-strict")
	assert.Equal(t, exitRefused, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "no manifest")
	assert.Contains(t, stderr, "git checkout -- labs/manifest.sha256")
}

func TestIntegrityMalformedManifest(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "labs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "labs", "manifest.sha256"), []byte("# header\nnot a sum  go.mod\n"), 0o644))
	in := checkIntegrity(root, nil)
	assert.Equal(t, integrityError, in.Status)
	require.Len(t, in.Warnings, 1)
	assert.Contains(t, in.Warnings[0], "manifest.sha256:2: malformed line")
	assert.False(t, in.ok())
}

func TestCheckManifest(t *testing.T) {
	t.Parallel()
	root := copyFixture(t)
	code, _, stderr := runCLI(root, "-write-manifest")
	require.Equal(t, exitOK, code, stderr)
	labs, err := catalog.Load(root)
	require.NoError(t, err)
	calc := fixtureLabs(t, root, "calc")

	check := func(labs []*catalog.Lab) (problems []string, report string) {
		c := &selfCheck{g: &grader{root: root}}
		var w bytes.Buffer
		c.checkManifest(labs, &w)
		return c.problems, w.String()
	}
	problems, report := check(labs)
	assert.Empty(t, problems, "a manifest just written is up to date:\n%s", report)
	assert.Contains(t, report, "ok    ")

	const stale = "labs/manifest.sha256 is out of date: run make manifest and commit it"
	edit(t, root, "calc/calc_test.go")
	require.NoError(t, os.WriteFile(filepath.Join(root, "calc", "extra_test.go"), []byte("package calc\n"), 0o644))
	problems, report = check(calc)
	assert.Equal(t, []string{stale}, problems)
	assert.Contains(t, report, "calc/calc_test.go: changed since the manifest was written")
	assert.Contains(t, report, "calc/extra_test.go: protected, but not in the manifest")

	// Only the labs checked count.
	problems, report = check(fixtureLabs(t, root, "fix"))
	assert.Empty(t, problems, report)
	edit(t, root, "go.mod")
	problems, report = check(fixtureLabs(t, root, "fix"))
	assert.Equal(t, []string{stale}, problems, "go.mod matters to every lab")
	assert.Contains(t, report, "go.mod: changed since the manifest was written")

	require.NoError(t, os.Remove(filepath.Join(root, "labs", "manifest.sha256")))
	problems, _ = check(calc)
	assert.Equal(t, []string{"labs/manifest.sha256 does not exist: run make manifest and commit it"}, problems)
}

func TestProtectedFilesWithGit(t *testing.T) {
	t.Parallel()
	root := copyFixture(t)
	if _, err := gitFiles(root, "--cached"); err == nil {
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

func TestPrivateOnly(t *testing.T) {
	dir := t.TempDir()
	for text, want := range map[string]bool{
		"// Hidden tests.\n\n//go:build private\n\npackage calc\n": true,
		"//go:build !solution\n\npackage calc\n":                   false,
		"package calc\n\n//go:build private\n":                     false, // after the package clause: not a constraint
		"package calc\n":                                           false,
	} {
		p := filepath.Join(dir, "x.go")
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		got, err := privateOnly(p)
		require.NoError(t, err)
		assert.Equal(t, want, got, "%q", text)
	}
}
