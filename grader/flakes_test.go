package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFlakesCrawler runs the flake finder on the real crawler lab's reference.
func TestFlakesCrawler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the crawler lab's tests")
	}
	t.Parallel()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := cli(context.Background(), []string{"flakes", "-root", root, "-tags", "solution", "-lab", "crawler",
		"-run", "^TestSerialFakeFetcher$", "-runs", "3", "-p", "2"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	out := stdout.String()
	assert.Regexp(t, `\n  TestSerialFakeFetcher  3/3     100%  \d+\.\ds\n`, out)
	assert.True(t, strings.HasSuffix(out, "\nAll 1 test passed 3 times\n"), out)
	t.Logf("3 runs of TestSerialFakeFetcher, build included: %s", time.Since(start).Round(time.Millisecond))
}
