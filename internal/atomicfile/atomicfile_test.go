package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))
	require.NoError(t, WriteFile(path, []byte("new")))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(data))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	assert.Empty(t, leftovers, "the temporary file is renamed, not left behind")

	err = WriteFile(filepath.Join(dir, "no", "such", "dir", "r.json"), []byte("{}"))
	assert.ErrorContains(t, err, "does not exist: create it")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "taken"), 0o755))
	err = WriteFile(filepath.Join(dir, "taken"), []byte("x"))
	assert.ErrorContains(t, err, "writing "+filepath.Join(dir, "taken"), "a rename over a directory fails, and says which file")
	data, _ = os.ReadFile(path)
	assert.Equal(t, "new", string(data), "a failed write leaves the old file whole")
}

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	require.NoError(t, WriteJSON(path, map[string]int{"score": 5}))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"score\": 5\n}\n", string(data))
	assert.ErrorContains(t, WriteJSON(path, func() {}), "writing "+path)
}
