// Package sandbox runs one test process where it can harm nothing: student
// code is hostile until proven otherwise, and the grader runs it with the
// rights of whoever grades.
//
// A sandboxed process sees the system's folders and what the caller makes
// visible read-only, nothing else of the file system but a scratch folder of
// its own that is its temporary folder and its $HOME; it has no
// network but a loopback of its own (the labs' net/rpc servers still work);
// it runs in its own process namespace, where it cannot see or signal the
// grader or any other process; and it runs with no capabilities, as nobody.
// The sandbox is bubblewrap (bwrap, the sandbox Flatpak uses) where it is
// installed: it works unprivileged wherever user namespaces are allowed,
// Ubuntu 24.04's AppArmor rules included. Where it is not, the sandbox is
// the same isolation built by this package itself, from Linux namespaces
// the helper starts in (namespaces_linux.go). Where neither works (macOS, a
// locked-down container), [Detect] says why, and the caller decides
// whether to run unsandboxed.
//
// Limits hold with or without the sandbox. The open files, the size of a
// file and the core dump are resource limits (setrlimit), set by a small
// helper: the calling program re-executes itself, sets the limits, and
// executes the sandbox, so the limits bind every process inside it. Memory,
// threads and the scratch folder's size are watched every 100 ms by a
// watchdog that kills the whole sandbox past a limit and says which. Memory
// cannot be an address-space limit: the race detector reserves terabytes of
// address space that it never touches, so the watchdog sums what the
// processes really hold (their resident set).
//
// A program that uses this package must let it see its start: the helper is
// this package's init function, which runs in every program that imports
// it.
package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
)

// Kind is how test processes are isolated.
type Kind string

const (
	None       Kind = "none"       // not isolated; limits still hold
	Bwrap      Kind = "bwrap"      // bubblewrap
	Namespaces Kind = "namespaces" // the grader's own Linux namespaces, where bwrap is missing
)

// Limits bound what one test process and its children may use; zero means
// no limit.
type Limits struct {
	Memory    int64 // bytes of resident memory, all processes together
	FileSize  int64 // bytes: the largest file, and the scratch folder in all
	Processes int   // threads and processes at once
	OpenFiles int   // open descriptors of one process
}

// A Sandbox makes sandboxed commands. The zero value runs them unsandboxed.
type Sandbox struct {
	kind  Kind
	bwrap string // the bwrap executable
	why   string // with None: why there is no sandbox
}

// Kind says how the sandbox isolates.
func (s *Sandbox) Kind() Kind {
	if s == nil || s.kind == "" {
		return None
	}
	return s.kind
}

// Why says, when Kind is None, why there is no sandbox and how to get one.
func (s *Sandbox) Why() string {
	if s == nil {
		return "no sandbox was asked for"
	}
	return s.why
}

// Unsandboxed returns a Sandbox that isolates nothing, for why.
func Unsandboxed(why string) *Sandbox { return &Sandbox{kind: None, why: why} }

// Detect finds the sandbox this machine can run: bwrap if it is installed
// and can create its namespaces here (Detect tries it), else the grader's
// own namespaces if the kernel allows them, or else None with the reasons.
func Detect() *Sandbox {
	if runtime.GOOS != "linux" {
		return Unsandboxed("the sandbox needs Linux; on " + runtime.GOOS + " tests run with the grader's rights")
	}
	b, errB := UseBwrap()
	if errB == nil {
		return b
	}
	n, errN := UseNamespaces()
	if errN == nil {
		return n
	}
	return Unsandboxed(fmt.Sprintf("%v; and the grader's own namespaces do not work here either (%v)", errB, errN))
}

// UseBwrap returns a bwrap sandbox if bwrap works here, or an error that
// says why not.
func UseBwrap() (*Sandbox, error) {
	if runtime.GOOS != "linux" {
		return nil, errors.New("bubblewrap needs Linux")
	}
	path, err := exec.LookPath("bwrap")
	if err != nil {
		return nil, errors.New("bubblewrap is not installed: install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)")
	}
	if err := probe(path); err != nil {
		return nil, fmt.Errorf("bubblewrap cannot create its namespaces here (%v): allow unprivileged user namespaces, or grade on another machine", err)
	}
	return &Sandbox{kind: Bwrap, bwrap: path}, nil
}

// UseNamespaces returns a sandbox of the grader's own Linux namespaces if
// the kernel lets this user create them, or an error that says why not.
func UseNamespaces() (*Sandbox, error) {
	if runtime.GOOS != "linux" {
		return nil, errors.New("namespaces need Linux")
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		return nil, err
	}
	s := &Sandbox{kind: Namespaces}
	r, err := s.Command(Spec{Path: truePath, Dir: "/"})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var stderr bytes.Buffer
	r.Cmd.Stderr = &stderr
	if err := r.Cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, errors.New(firstLine(msg))
		}
		return nil, err
	}
	return s, nil
}

// probe runs a trivial program in a bwrap sandbox set up as tests will be.
func probe(bwrap string) error {
	truePath, err := exec.LookPath("true")
	if err != nil {
		return err
	}
	args := append(bwrapIsolation(), systemBinds()...)
	args = append(args, "--", truePath)
	var stderr bytes.Buffer
	cmd := exec.Command(bwrap, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return errors.New(firstLine(msg))
		}
		return err
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// A Spec is the process to run.
type Spec struct {
	Path    string   // the program
	Args    []string // its arguments, without the program's name
	Dir     string   // its working directory, which it may read but not write
	Visible []string // the host folders and files it may read besides the system's (its package, the program)
	Hidden  []string // files under Visible that it sees empty (hidden tests' sources)
	Env     []string // its environment; the sandbox sets HOME and TMPDIR
	Limits  Limits
	TempDir string // where to make the scratch folder ("" for the system's)
}

// passEnv reports whether the environment variable kv may reach a test:
// what the labs and Go's runtime read, and nothing else (a grader's tokens
// and credentials stay out).
func passEnv(kv string) bool {
	name, _, _ := strings.Cut(kv, "=")
	switch name {
	case "PATH", "LANG", "TZ", "GORACE", "GOTRACEBACK", "GODEBUG", "GOMAXPROCS", "GOGC", "GOMEMLIMIT", "TERM", "NO_COLOR":
		return true
	}
	return strings.HasPrefix(name, "LC_") || strings.HasPrefix(name, "LAB_") || strings.HasPrefix(name, "LABKIT_")
}
