//go:build linux

package sandbox

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run runs a shell script through s and returns its output.
func run(t *testing.T, s *Sandbox, script string, limits Limits) (string, *Run) {
	t.Helper()
	sh := "/bin/sh"
	r, err := s.Command(Spec{
		Path:   sh,
		Args:   []string{"-c", script},
		Dir:    "/",
		Env:    append(os.Environ(), "SECRET_TOKEN=hunter2", "LAB_SEED=7"),
		Limits: limits,
	})
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	var out bytes.Buffer
	r.Cmd.Stdout, r.Cmd.Stderr = &out, &out
	require.NoError(t, r.Cmd.Start())
	r.Watch(func() { r.Cmd.Process.Kill() })
	r.Cmd.Wait()
	r.Stop()
	return out.String(), r
}

func TestHelperSetsLimits(t *testing.T) {
	out, _ := run(t, Unsandboxed("test"), `ulimit -n; ulimit -c; echo "[$SECRET_TOKEN] $LAB_SEED"`,
		Limits{FileSize: 1 << 20, OpenFiles: 100, Processes: 500})
	assert.Equal(t, "100\n0\n[] 7\n", out,
		"the helper sets the open-files limit and no core dumps; the environment keeps LAB_ variables and drops the rest")
}

func TestWatchdogStopsADiskBomb(t *testing.T) {
	out, r := run(t, Unsandboxed("test"), `head -c 5000000 /dev/zero > "$TMPDIR/big"; echo wrote`,
		Limits{FileSize: 1 << 20})
	e := r.Stop()
	require.NotNil(t, e, "a 5 MB file with a limit of 1 MiB must exceed it: %s", out)
	assert.Equal(t, "file size: wrote 1 MiB or more (the limit)", e.String())
}

// isolated returns the sandboxes this machine can run, by kind; a kind it
// cannot run is reported and skipped.
func isolated(t *testing.T) map[Kind]*Sandbox {
	boxes := make(map[Kind]*Sandbox)
	if s, err := UseBwrap(); err == nil {
		boxes[Bwrap] = s
	} else {
		t.Logf("cannot test the bwrap sandbox here: %v", err)
	}
	if s, err := UseNamespaces(); err == nil {
		boxes[Namespaces] = s
	} else {
		t.Logf("cannot test the namespace sandbox here: %v", err)
	}
	return boxes
}

func TestIsolation(t *testing.T) {
	boxes := isolated(t)
	if len(boxes) == 0 {
		t.Skip("no sandbox works on this machine")
	}
	for kind, s := range boxes {
		t.Run(string(kind), func(t *testing.T) {
			out, _ := run(t, s, `id -u; echo "$HOME $TMPDIR"; `+
				`{ touch /usr/labkit-x || touch /labkit-x || touch /dev/labkit-x || touch /dev/shm/labkit-x; } 2>/dev/null || echo read-only; `+
				`echo hi > "$HOME/f" && cat "$HOME/f"; ls /proc | grep -c '^[0-9]'; `+
				`tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '`, Limits{})
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.Len(t, lines, 6, "output: %s", out)
			assert.Contains(t, []string{"0", "65534"}, lines[0], "the test runs as root of its own user namespace, or as nobody")
			assert.Equal(t, "/tmp/home /tmp", lines[1], "HOME and TMPDIR are in the scratch folder")
			assert.Equal(t, "read-only", lines[2], "the system, the sandbox's root and /dev are read-only")
			assert.Equal(t, "hi", lines[3], "the scratch folder is writable")
			n, err := strconv.Atoi(lines[4])
			require.NoError(t, err)
			assert.LessOrEqual(t, n, 4, "the test sees only the sandbox's own few processes")
			assert.Equal(t, "lo", lines[5], "the only network interface is a loopback of its own")
		})
	}
}

func TestRescue(t *testing.T) {
	boxes := []*Sandbox{Unsandboxed("test")}
	for _, s := range isolated(t) {
		boxes = append(boxes, s)
	}
	for _, s := range boxes {
		t.Run(string(s.Kind()), func(t *testing.T) {
			out, r := run(t, s, `echo drawn > "$TMPDIR/history.html"; echo other > "$TMPDIR/other"; echo "see $TMPDIR/history.html"`, Limits{})
			dir := t.TempDir()
			reason := "the history: " + strings.TrimSpace(strings.TrimPrefix(out, "see "))
			r.Rescue(dir, 1<<20, &out, &reason)
			kept, _ := os.ReadDir(dir)
			require.Len(t, kept, 1, "only the file the output names is kept")
			copy := dir + "/" + kept[0].Name()
			assert.Equal(t, "see "+copy+"\n", out, "the output points at the copy")
			assert.Equal(t, "the history: "+copy, reason)
			data, _ := os.ReadFile(copy)
			assert.Equal(t, "drawn\n", string(data))
		})
	}
}
