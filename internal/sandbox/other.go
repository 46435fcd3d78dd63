//go:build !linux

package sandbox

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"syscall"
)

// nsEnv is unused outside Linux.
const nsEnv = "LABKIT_SANDBOX_NS"

// helperCommand runs argv itself: outside Linux there is no helper, and the
// limits that need one do not hold.
func helperCommand(argv []string, _ Limits) *exec.Cmd {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func nsAttr() *syscall.SysProcAttr              { return &syscall.SysProcAttr{Setpgid: true} }
func bwrapIsolation() []string                  { return nil }
func systemBinds() []string                     { return nil }
func bwrapArgs(Spec, string) []string           { return nil }
func treeUsage(int) (memory int64, threads int) { return 0, 0 }
func findProgram(pid int, _ string) int         { return pid }

// folderUsage returns the bytes of the files under dir, and the size of the
// largest.
func folderUsage(dir string) (used, largest int64) {
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			used += fi.Size()
			largest = max(largest, fi.Size())
		}
		return nil
	})
	return used, largest
}
