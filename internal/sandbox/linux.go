//go:build linux

package sandbox

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// The helper: a process started by helperCommand sets its resource limits
// and executes the command it was given, before anything else runs.
func init() {
	spec, ok := os.LookupEnv(helperEnv)
	if !ok {
		return
	}
	os.Unsetenv(helperEnv)
	// Capabilities and no_new_privs belong to a thread: the one that sets
	// them must be the one that executes the program.
	runtime.LockOSThread()
	if err := setLimits(spec); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox: %v\n", err)
		os.Exit(126)
	}
	if layout, ok := os.LookupEnv(nsEnv); ok {
		os.Unsetenv(nsEnv)
		if err := enterNamespaces(layout); err != nil {
			fmt.Fprintf(os.Stderr, "sandbox: %v\n", err)
			os.Exit(126)
		}
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "sandbox: nothing to run")
		os.Exit(126)
	}
	err := syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
	fmt.Fprintf(os.Stderr, "sandbox: running %s: %v\n", os.Args[1], err)
	os.Exit(126)
}

// setLimits sets the limits that spec ("fsize,nofile") gives, and no core
// dumps. Processes and threads are left to the watchdog: RLIMIT_NPROC
// counts every process of the user on the machine, so a student's desktop
// with a thousand threads would fail every test.
func setLimits(spec string) error {
	f := strings.Split(spec, ",")
	if len(f) != 2 {
		return fmt.Errorf("%s=%q: want fsize,nofile", helperEnv, spec)
	}
	for i, res := range []int{syscall.RLIMIT_FSIZE, syscall.RLIMIT_NOFILE} {
		n, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			return fmt.Errorf("%s=%q: %v", helperEnv, spec, err)
		}
		if n == 0 {
			continue
		}
		if err := syscall.Setrlimit(res, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			return fmt.Errorf("setting limit %d to %d: %v", res, n, err)
		}
	}
	return syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{})
}

// helperCommand returns the command that runs argv under limits: this
// program, run again as the helper.
func helperCommand(argv []string, limits Limits) *exec.Cmd {
	cmd := exec.Command("/proc/self/exe", argv...)
	cmd.Args[0] = "labkit-sandbox"
	cmd.Env = []string{fmt.Sprintf("%s=%d,%d", helperEnv, limits.FileSize, limits.OpenFiles)}
	// Its own process group, so that the grader can end all of it; and
	// killed with the grader.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return cmd
}

// bwrapIsolation are the namespaces and rights of every sandbox.
func bwrapIsolation() []string {
	return []string{
		"--unshare-all", // user, mount, PID, network (loopback only), IPC, UTS, cgroup
		"--uid", "65534", "--gid", "65534",
		"--cap-drop", "ALL",
		"--die-with-parent",
		"--new-session", // no controlling terminal to push keystrokes into
		"--proc", "/proc",
		"--dev", "/dev",
	}
}

// systemBinds are bwrap's arguments that show the system's folders and
// files a test binary needs (systemPaths) read-only.
func systemBinds() []string {
	var args []string
	for _, p := range systemPaths {
		args = append(args, "--ro-bind-try", p, p)
	}
	return args
}

// bwrapArgs are bwrap's arguments for spec, up to the program.
func bwrapArgs(spec Spec, scratch string) []string {
	args := append(bwrapIsolation(), systemBinds()...)
	// The scratch folder first, so that what is visible may lie under /tmp.
	args = append(args, "--bind", scratch, "/tmp")
	for _, p := range spec.Visible {
		args = append(args, "--ro-bind", p, p)
	}
	for _, p := range spec.Hidden {
		args = append(args, "--ro-bind", "/dev/null", p)
	}
	args = append(args,
		"--chdir", spec.Dir,
		"--setenv", "HOME", "/tmp/home",
		"--setenv", "TMPDIR", "/tmp",
		// bwrap's own root and /dev are tmpfs, writable and in memory that
		// no limit counts: make them read-only, so that only the scratch
		// folder takes writes.
		"--remount-ro", "/dev",
		"--remount-ro", "/",
	)
	return args
}

// treeUsage returns the resident memory and the threads of the process pid
// and all its descendants; ok is false if pid is running but cannot be
// read (no /proc), so that the caller fails closed.
func treeUsage(pid int) (memory int64, threads int, ok bool) {
	if _, err := readStat(pid); err != nil && syscall.Kill(pid, 0) == nil {
		return 0, 0, false
	}
	for _, p := range descendants(pid) {
		st, err := readStat(p)
		if err != nil {
			continue
		}
		memory += st.rss
		threads += st.threads
	}
	return memory, threads, true
}

// findProgram returns the pid of the newest process under pid (pid itself
// included) whose executable is path, or 0.
func findProgram(pid int, path string) int {
	found := 0
	for _, p := range descendants(pid) {
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", p)); err == nil && (exe == path || strings.TrimSuffix(exe, " (deleted)") == path) {
			found = max(found, p)
		}
	}
	return found
}

type procStat struct {
	ppid    int
	threads int
	rss     int64 // bytes
}

var pageSize = int64(os.Getpagesize())

// readStat reads /proc/<pid>/stat.
func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name, in parentheses, may hold spaces: skip past it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// Fields from the state on: state ppid pgrp ... num_threads is the
	// 18th, rss the 22nd (stat(5), counting from the state as 1).
	if len(f) < 22 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: too short", pid)
	}
	ppid, _ := strconv.Atoi(f[1])
	threads, _ := strconv.Atoi(f[17])
	rss, _ := strconv.ParseInt(f[21], 10, 64)
	return procStat{ppid: ppid, threads: threads, rss: rss * pageSize}, nil
}

// descendants returns pid and every process below it.
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return []int{pid}
	}
	children := make(map[int][]int)
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(p)
		if err != nil {
			continue
		}
		children[st.ppid] = append(children[st.ppid], p)
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

// folderUsage returns the bytes the files under dir take on disk, and the
// size of the largest.
func folderUsage(dir string) (used, largest int64) {
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		largest = max(largest, fi.Size())
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			used += st.Blocks * 512
		} else {
			used += fi.Size()
		}
		return nil
	})
	return used, largest
}
