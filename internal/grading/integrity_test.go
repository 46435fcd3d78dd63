package grading

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"golabs/internal/report"
)

func TestIntegrityMalformedManifest(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "labs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "labs", "manifest.sha256"), []byte("# header\nnot a sum  go.mod\n"), 0o644))
	in := CheckIntegrity(root, nil)
	assert.Equal(t, report.IntegrityError, in.Status)
	require.Len(t, in.Warnings, 1)
	assert.Contains(t, in.Warnings[0], "manifest.sha256:2: malformed line")
	assert.False(t, in.OK())
}
