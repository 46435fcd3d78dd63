//go:build linux

package sandbox

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"unsafe"
)

// The namespace sandbox is the grader's own, for machines without bwrap:
// the helper is started in new user, mount, PID, network, IPC and UTS
// namespaces (as root of its user namespace, which is the grader's user
// outside), builds a root of its own from read-only binds, brings its
// loopback up, drops every capability, and executes the test binary, which
// becomes the namespace's first process: when it ends, everything it left
// behind is killed.

// nsEnv carries the namespace sandbox's layout to the helper, as JSON.
const nsEnv = "LABKIT_SANDBOX_NS"

// nsCloneFlags are the namespaces the helper starts in.
const nsCloneFlags = syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID |
	syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS

// nsAttr returns the process attributes that start the helper in its
// namespaces, mapping the grader's user and group to root inside.
func nsAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Setpgid:                    true,
		Pdeathsig:                  syscall.SIGKILL,
		Cloneflags:                 nsCloneFlags,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
	}
}

// enterNamespaces runs in the helper, in its new namespaces, before it
// executes the test binary: it builds the root and locks the process in.
func enterNamespaces(spec string) error {
	var l nsLayout
	if err := json.Unmarshal([]byte(spec), &l); err != nil {
		return fmt.Errorf("%s: %v", nsEnv, err)
	}
	// Nothing mounted here may reach the host's mount table.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making the mounts private: %v", err)
	}
	root := l.Root
	if err := syscall.Mount("tmpfs", root, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=0755,size=1m"); err != nil {
		return fmt.Errorf("mounting the new root: %v", err)
	}
	for _, p := range systemPaths {
		if err := bindInto(root, p, p, true, true); err != nil {
			return err
		}
	}
	// The scratch folder first, so that what is visible may lie under /tmp.
	if err := bindInto(root, l.Scratch, "/tmp", false, false); err != nil {
		return err
	}
	for _, p := range l.Visible {
		if err := bindInto(root, p, p, true, false); err != nil {
			return err
		}
	}
	for _, p := range l.Hidden {
		if err := bindInto(root, "/dev/null", p, true, false); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "dev"), 0o755); err != nil {
		return err
	}
	for _, d := range []string{"null", "zero", "full", "random", "urandom"} {
		if err := bindInto(root, "/dev/"+d, "/dev/"+d, false, true); err != nil {
			return err
		}
	}
	for name, target := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		if err := os.Symlink(target, filepath.Join(root, "dev", name)); err != nil {
			return err
		}
	}
	proc := filepath.Join(root, "proc")
	if err := os.Mkdir(proc, 0o555); err != nil {
		return err
	}
	if err := syscall.Mount("proc", proc, "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /proc: %v", err)
	}
	// Make root the root, and let go of the old one.
	if err := syscall.Chdir(root); err != nil {
		return err
	}
	if err := syscall.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %v", err)
	}
	if err := syscall.Unmount(".", syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("detaching the old root: %v", err)
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REMOUNT|syscall.MS_RDONLY|syscall.MS_NOSUID|syscall.MS_NODEV, ""); err != nil {
		return fmt.Errorf("making the new root read-only: %v", err)
	}
	if err := syscall.Chdir(l.Dir); err != nil {
		return fmt.Errorf("entering %s: %v", l.Dir, err)
	}
	if err := loopbackUp(); err != nil {
		return fmt.Errorf("bringing the loopback up: %v", err)
	}
	syscall.Sethostname([]byte("sandbox"))
	return dropCapabilities()
}

// systemPaths are the system's folders and files a test binary needs: the
// dynamic linker and libc (the race detector needs cgo), and what Go's
// runtime reads from /etc.
var systemPaths = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/hosts", "/etc/nsswitch.conf",
	"/etc/passwd", "/etc/group", "/etc/localtime"}

// bindInto mounts the host path src at dst under root, read-only if ro. A
// src that does not exist is an error unless optional. A symbolic link is
// copied as a link.
func bindInto(root, src, dst string, ro, optional bool) error {
	fi, err := os.Lstat(src)
	if err != nil {
		if optional && errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("showing %s in the sandbox: %v", src, err)
	}
	target := filepath.Join(root, dst)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		link, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(link, target)
	}
	switch _, statErr := os.Stat(target); {
	case statErr == nil:
		// It is there already, inside an earlier mount: mount over it.
	case fi.IsDir():
		err = os.MkdirAll(target, 0o755)
	default:
		var f *os.File
		if f, err = os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			f.Close()
		}
	}
	if err != nil {
		return err
	}
	if err := syscall.Mount(src, target, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("mounting %s: %v", src, err)
	}
	if !ro {
		return nil
	}
	// A remount must keep the flags the mount came with (a user namespace
	// may not clear nosuid, nodev or noexec), and add read-only.
	var st syscall.Statfs_t
	if err := syscall.Statfs(target, &st); err != nil {
		return err
	}
	keep := uintptr(st.Flags) & (syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC |
		syscall.MS_NOATIME | syscall.MS_NODIRATIME | syscall.MS_RELATIME)
	if err := syscall.Mount("", target, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY|keep, ""); err != nil {
		return fmt.Errorf("making %s read-only: %v", src, err)
	}
	return nil
}

// loopbackUp sets the flags of the interface lo to up and running.
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	var ifr [40]byte // struct ifreq: the name, then a union that starts with the flags
	copy(ifr[:], "lo")
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	flags := binary.NativeEndian.Uint16(ifr[16:]) | syscall.IFF_UP | syscall.IFF_RUNNING
	binary.NativeEndian.PutUint16(ifr[16:], flags)
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	return nil
}

// dropCapabilities empties the capability bounding set, so that the test
// binary, root of its user namespace though it is, starts with no
// capability; and forbids gaining privileges.
func dropCapabilities() error {
	const prCapbsetDrop, prSetNoNewPrivs = 24, 38
	for c := 0; c <= 63; c++ {
		_, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prCapbsetDrop, uintptr(c), 0)
		if e == syscall.EINVAL {
			break // past the last capability this kernel knows
		}
		if e != 0 {
			return fmt.Errorf("dropping capability %d: %v", c, e)
		}
	}
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0); e != 0 {
		return fmt.Errorf("setting no_new_privs: %v", e)
	}
	return nil
}
