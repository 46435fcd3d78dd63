package guard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   string
		allow []string
		want  []string // substrings of the findings, in order; none: clean
	}{
		{"clean", `package p
import ("fmt"; "sync"; "os")
func F() { var mu sync.Mutex; mu.Lock(); fmt.Println(os.Getpid()); mu.Unlock() }`, nil, nil},
		{"os.Args rewritten", `package p
import "os"
func init() { os.Args[1] = "-test.run=^$" }`, nil, []string{"os.Args is not allowed"}},
		{"os.Args replaced", `package p
import "os"
func init() { os.Args = nil }`, nil, []string{"os.Args"}},
		{"os.Args aliased", `package p
import "os"
var args = os.Args`, nil, []string{"os.Args"}},
		{"the test flags", `package p
import "flag"
func init() { flag.Parse(); flag.Set("test.run", "^$") }`, nil, []string{`import "flag"`}},
		{"a heap dump", `package p
import "runtime/debug"
func init() { debug.WriteHeapDump(1) }`, nil, []string{"runtime/debug.WriteHeapDump"}},
		{"the testing package", `package p
import "testing"
func init() { testing.Init() }`, nil, []string{`import "testing"`}},
		{"os.Exit", `package p
import "os"
func F() { os.Exit(0) }`, nil, []string{"os.Exit is not allowed"}},
		{"os.Exit as a value", `package p
import "os"
var exit = os.Exit`, nil, []string{"os.Exit"}},
		{"renamed os", `package p
import sys "os"
func F() { sys.Exit(0) }`, nil, []string{"os.Exit"}},
		{"dot import of os", `package p
import . "os"
func F() { Exit(0) }`, nil, []string{`import . "os"`}},
		{"syscall", `package p
import "syscall"
func F() { syscall.Exit(0) }`, nil, []string{`import "syscall"`}},
		{"unsafe", `package p
import "unsafe"
var _ = unsafe.Sizeof(0)`, nil, []string{`import "unsafe"`}},
		{"cgo", `package p
import "C"`, nil, []string{`import "C"`}},
		{"os/exec", `package p
import "os/exec"
var _ = exec.Command`, nil, []string{`import "os/exec"`}},
		{"os/exec allowed by the lab", `package p
import "os/exec"
var _ = exec.Command`, []string{"os/exec"}, nil},
		{"x/sys", `package p
import "golang.org/x/sys/unix"
var _ = unix.Exit`, nil, []string{`import "golang.org/x/sys/unix"`}},
		{"the kit's internals", `package p
import "golabs/internal/labtest"
var _ = labtest.Seed`, nil, []string{`import "golabs/internal/labtest"`}},
		{"raw descriptor", `package p
import "os"
var f = os.NewFile(3, "results")`, nil, []string{"os.NewFile"}},
		{"other processes", `package p
import "os"
func F() { p, _ := os.FindProcess(1); _ = p }`, nil, []string{"os.FindProcess"}},
		{"linkname", `package p
import _ "unsafe"
//go:linkname exit runtime.exit
func exit(int32)`, nil, []string{`import "unsafe"`, "//go:linkname"}},
		{"descriptors through /proc", `package p
import "os"
func F() { f, _ := os.OpenFile("/proc/self/fd/3", os.O_WRONLY, 0); f.Close() }`, nil, []string{`"/proc/"`}},
		{"line directive", "package p\n//line other.go:1\nfunc F() {}", nil, []string{"//line"}},
		{"build constraint is fine", "//go:build !solution\n\npackage p\n", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "student.go")
			require.NoError(t, os.WriteFile(file, []byte(tc.src), 0o644))
			got, err := Check([]string{file}, "golabs", tc.allow)
			require.NoError(t, err)
			require.Len(t, got, len(tc.want), "findings: %v", got)
			for i, w := range tc.want {
				assert.Contains(t, got[i].String(), w)
				assert.True(t, strings.HasPrefix(got[i].String(), file+":"), "a finding names file and line: %s", got[i])
			}
		})
	}
}

func TestCheckUnparsable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "broken.go")
	require.NoError(t, os.WriteFile(file, []byte("package p\nfunc {"), 0o644))
	_, err := Check([]string{file}, "golabs", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "broken.go:2")
}
