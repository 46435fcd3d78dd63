package manifest

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Known sums, as sha256sum prints them.
const (
	sumHello = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03" // "hello\n"
	sumEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" // ""
)

// tree writes files (slash paths to contents) under a new directory and
// returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	return root
}

func TestCompute(t *testing.T) {
	root := tree(t, map[string]string{"a/hello.txt": "hello\n", "empty": "", "other": "x"})
	m, err := Compute(root, []string{"a/hello.txt", "empty", "gone.go"})
	require.NoError(t, err)
	assert.Equal(t, Manifest{"a/hello.txt": sumHello, "empty": sumEmpty}, m,
		"Compute must hash exactly the files it is given that exist, and leave out those that do not")

	for _, bad := range []string{"/abs", "../up", "a/../empty", "a\\b", ""} {
		_, err := Compute(root, []string{bad})
		assert.Error(t, err, "Compute(%q) must refuse a path that is not clean and relative", bad)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	root := tree(t, map[string]string{"z.go": "z", "a/b.go": "b", "a/a.go": "a", "go.mod": "module m\n"})
	m, err := Compute(root, []string{"z.go", "a/b.go", "a/a.go", "go.mod"})
	require.NoError(t, err)
	name := filepath.Join(root, "manifest.sha256")
	require.NoError(t, m.Write(name))

	got, err := Read(name)
	require.NoError(t, err)
	assert.Equal(t, m, got, "Read must give back what Write stored")

	data, err := os.ReadFile(name)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 5, "a header and one line per file:\n%s", data)
	assert.Equal(t, Header, lines[0])
	assert.True(t, strings.HasPrefix(lines[0], "#"), "the header must be a comment")
	var paths []string
	for _, l := range lines[1:] {
		sum, p, ok := strings.Cut(l, "  ")
		require.True(t, ok, "line %q is not in sha256sum format", l)
		assert.Len(t, sum, 64)
		paths = append(paths, p)
	}
	assert.Equal(t, []string{"a/a.go", "a/b.go", "go.mod", "z.go"}, paths, "lines must be sorted by path")
}

func TestFormatIsDeterministic(t *testing.T) {
	m := Manifest{}
	for _, p := range []string{"q", "b/c", "a", "b/a", "B", "a-b", "a/b"} {
		m[p] = sumEmpty
	}
	first, err := m.Format()
	require.NoError(t, err)
	for range 20 {
		again, err := maps.Clone(m).Format()
		require.NoError(t, err)
		require.Equal(t, string(first), string(again), "the same manifest must always give the same bytes")
	}
	want := Header + "\n" +
		sumEmpty + "  B\n" + sumEmpty + "  a\n" + sumEmpty + "  a-b\n" + sumEmpty + "  a/b\n" +
		sumEmpty + "  b/a\n" + sumEmpty + "  b/c\n" + sumEmpty + "  q\n"
	assert.Equal(t, want, string(first), "paths must be sorted bytewise, as sort(1) does with LC_ALL=C")
}

func TestReadIgnoresComments(t *testing.T) {
	root := tree(t, map[string]string{"m": "# a header\n\n" + sumHello + "  a/hello.txt\n  \n# another comment\n" +
		sumEmpty + " *binary-mode\r\n"})
	m, err := Read(filepath.Join(root, "m"))
	require.NoError(t, err)
	assert.Equal(t, Manifest{"a/hello.txt": sumHello, "binary-mode": sumEmpty}, m)
}

func TestReadMalformed(t *testing.T) {
	for _, tt := range []struct {
		name, line, want string
	}{
		{"one space", sumHello + " a.go", `:3: malformed line`},
		{"short sum", "abc  a.go", `:3: malformed line "abc  a.go"`},
		{"upper case", strings.ToUpper(sumHello) + "  a.go", `:3: malformed line`},
		{"no path", sumHello, `:3: malformed line`},
		{"dot dot", sumHello + "  ../a.go", `:3: path "../a.go"`},
		{"absolute", sumHello + "  /etc/passwd", `:3: path "/etc/passwd"`},
		{"twice", sumHello + "  ok.go", `:3: ok.go is listed twice`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := tree(t, map[string]string{"m": "# header\n" + sumEmpty + "  ok.go\n" + tt.line + "\n"})
			_, err := Read(filepath.Join(root, "m"))
			require.Error(t, err, "line %q must be refused", tt.line)
			assert.Contains(t, err.Error(), filepath.Join(root, "m")+tt.want, "the error must name the file and the line")
		})
	}
}

func TestReadMissing(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "none"))
	assert.True(t, errors.Is(err, fs.ErrNotExist), "a missing manifest must be reported as fs.ErrNotExist, got %v", err)
}

func TestDiff(t *testing.T) {
	want := Manifest{"same": sumEmpty, "changed": sumEmpty, "gone": sumEmpty, "gone2": sumEmpty}
	got := Manifest{"same": sumEmpty, "changed": sumHello, "new": sumHello, "a-new": sumEmpty}
	modified, missing, added := Diff(want, got)
	assert.Equal(t, []string{"changed"}, modified)
	assert.Equal(t, []string{"gone", "gone2"}, missing)
	assert.Equal(t, []string{"a-new", "new"}, added)

	modified, missing, added = Diff(want, want)
	assert.Empty(t, modified)
	assert.Empty(t, missing)
	assert.Empty(t, added)
}

func TestWriteRefusesBadEntries(t *testing.T) {
	dir := t.TempDir()
	assert.ErrorContains(t, Manifest{"a.go": "nothex"}.Write(filepath.Join(dir, "m")), "is not a SHA-256 sum")
	assert.ErrorContains(t, Manifest{"a\nb": sumEmpty}.Write(filepath.Join(dir, "m")), "line break")
	_, err := os.Stat(filepath.Join(dir, "m"))
	assert.True(t, errors.Is(err, fs.ErrNotExist), "a failed Write must leave no file")
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries, "a failed Write must leave no temporary file")
}
