package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golabs/internal/bytesize"
)

// A Run is one sandboxed process: its command, its scratch folder, and the
// watchdog that holds it to its limits.
type Run struct {
	Cmd *exec.Cmd // set Stdout, Stderr and ExtraFiles, then Start it

	path    string // the program, as its processes show it
	scratch string
	inside  string // the scratch folder as the process sees it
	root    string // with Namespaces: the host folder the new root was built on
	limits  Limits

	mu       sync.Mutex
	exceeded *Exceeded
	peak     Usage
	stop     chan struct{}
	stopped  chan struct{}
}

// Usage is what a run used, at its peak.
type Usage struct {
	Memory  int64 // bytes resident, all processes together
	Threads int   // threads of all processes together
	Scratch int64 // bytes in the scratch folder
}

// Exceeded says which limit a run went past, and by how much.
type Exceeded struct {
	Limit string // "memory", "file size", "processes"
	Used  string // "used more than 2 GiB"
}

func (e *Exceeded) String() string { return e.Limit + ": " + e.Used }

// helperEnv carries the resource limits to the helper: "fsize,nofile".
const helperEnv = "LABKIT_SANDBOX_RLIMITS"

// pollEvery is how often the watchdog looks.
const pollEvery = 100 * time.Millisecond

// Command makes the command that runs spec in the sandbox, and the scratch
// folder it may write to. Close the Run when the process is done.
func (s *Sandbox) Command(spec Spec) (*Run, error) {
	scratch, err := os.MkdirTemp(spec.TempDir, "scratch-")
	if err != nil {
		return nil, fmt.Errorf("making a scratch folder: %v", err)
	}
	home := filepath.Join(scratch, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		os.RemoveAll(scratch)
		return nil, fmt.Errorf("making a scratch folder: %v", err)
	}
	r := &Run{path: spec.Path, scratch: scratch, inside: "/tmp", limits: spec.Limits}

	var env []string
	for _, kv := range spec.Env {
		if passEnv(kv) {
			env = append(env, kv)
		}
	}
	var argv []string // what the helper executes
	switch s.Kind() {
	case Bwrap:
		argv = append([]string{s.bwrap}, bwrapArgs(spec, scratch)...)
		argv = append(argv, "--", spec.Path)
	case Namespaces:
		root, err := os.MkdirTemp(spec.TempDir, "root-")
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("making a folder for the sandbox's root: %v", err)
		}
		r.root = root
		layout, _ := json.Marshal(nsLayout{Root: root, Scratch: scratch, Visible: spec.Visible, Hidden: spec.Hidden, Dir: spec.Dir})
		argv = []string{spec.Path}
		env = append(env, "HOME=/tmp/home", "TMPDIR=/tmp", nsEnv+"="+string(layout))
	default:
		argv = []string{spec.Path}
		env = append(env, "HOME="+home, "TMPDIR="+scratch)
		r.inside = scratch
	}
	argv = append(argv, spec.Args...)

	r.Cmd = helperCommand(argv, spec.Limits)
	if s.Kind() == Namespaces {
		r.Cmd.SysProcAttr = nsAttr()
	}
	r.Cmd.Dir = spec.Dir
	r.Cmd.Env = append(slices.Clip(env), r.Cmd.Env...)
	return r, nil
}

// Scratch returns the folder the process may write to, its TMPDIR.
func (r *Run) Scratch() string { return r.scratch }

// Rescue keeps the files the process left in its temporary folder that
// the texts name (a test's message that points at a file it wrote, such as
// a history drawn as HTML): each is copied to dir, at most limit bytes in
// all and five files, and its name in the texts becomes the copy's. It returns the
// bytes it copied. Close deletes the scratch folder, and with it the
// originals.
func (r *Run) Rescue(dir string, limit int64, texts ...*string) (copied int64) {
	entries, err := os.ReadDir(r.scratch)
	if err != nil {
		return 0
	}
	named := func(p string) bool {
		for _, t := range texts {
			if strings.Contains(*t, p) {
				return true
			}
		}
		return false
	}
	kept := 0
	for _, e := range entries {
		inside := filepath.Join(r.inside, e.Name())
		if kept == 5 || !e.Type().IsRegular() || !named(inside) {
			continue
		}
		fi, err := e.Info()
		if err != nil || copied+fi.Size() > limit {
			continue
		}
		data, err := os.ReadFile(filepath.Join(r.scratch, e.Name()))
		if err != nil {
			continue
		}
		f, err := os.CreateTemp(dir, "labkit-*-"+e.Name())
		if err != nil {
			continue
		}
		_, err = f.Write(data)
		if f.Close() != nil || err != nil {
			os.Remove(f.Name())
			continue
		}
		for _, t := range texts {
			*t = strings.ReplaceAll(*t, inside, f.Name())
		}
		kept++
		copied += int64(len(data))
	}
	return copied
}

// Watch starts the watchdog; call it after the command has started. When a
// limit is passed, it calls kill once and records which limit.
func (r *Run) Watch(kill func()) {
	r.stop, r.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(r.stopped)
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		for {
			if e := r.check(); e != nil {
				r.mu.Lock()
				r.exceeded = e
				r.mu.Unlock()
				kill()
				return
			}
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// check measures the run once and returns the limit it has passed, if any.
func (r *Run) check() *Exceeded {
	u := Usage{}
	if r.Cmd.Process != nil {
		var ok bool
		if u.Memory, u.Threads, ok = treeUsage(r.Cmd.Process.Pid); !ok {
			return blind
		}
	}
	u.Scratch, _ = folderUsage(r.scratch)
	r.mu.Lock()
	r.peak.Memory = max(r.peak.Memory, u.Memory)
	r.peak.Threads = max(r.peak.Threads, u.Threads)
	r.peak.Scratch = max(r.peak.Scratch, u.Scratch)
	r.mu.Unlock()
	if l := r.limits; l.FileSize > 0 && u.Scratch >= l.FileSize {
		return &Exceeded{"file size", "wrote " + bytesize.Format(l.FileSize) + " or more (the limit)"}
	}
	return over(r.limits, u)
}

// blind is what the watchdog reports when it cannot see the process it
// holds to its limits: it stops the process rather than let it run unwatched.
var blind = &Exceeded{"watchdog", "could not read the process's use of memory and threads from /proc, so its limits could not be held"}

// over returns the limit of l on memory or threads that u goes past, if any.
func over(l Limits, u Usage) *Exceeded {
	switch {
	case l.Memory > 0 && u.Memory > l.Memory:
		return &Exceeded{"memory", "used more than " + bytesize.Format(l.Memory)}
	case l.Processes > 0 && u.Threads > l.Processes:
		return &Exceeded{"processes", fmt.Sprintf("ran more than %d threads and processes at once", l.Processes)}
	}
	return nil
}

// Guard holds the process pid and its descendants to the memory and thread
// limits of l, as a Run's watchdog does, for a process that runs outside
// the sandbox (the compiler, which a submission can make allocate without
// end). Past a limit it calls kill once. The function it returns stops the
// watching and says which limit was passed, if any.
func Guard(pid int, l Limits, kill func()) (stop func() *Exceeded) {
	var (
		mu       sync.Mutex
		exceeded *Exceeded
		done     = make(chan struct{})
		finished = make(chan struct{})
	)
	go func() {
		defer close(finished)
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		for {
			var u Usage
			var ok bool
			u.Memory, u.Threads, ok = treeUsage(pid)
			e := over(l, u)
			if !ok {
				e = blind
			}
			if e != nil {
				mu.Lock()
				exceeded = e
				mu.Unlock()
				kill()
				return
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() *Exceeded {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return exceeded
	}
}

// Stop stops the watchdog, measures the scratch folder a last time (a
// file cut short at the file-size limit shows there), and returns the
// limit that was passed, if any.
func (r *Run) Stop() *Exceeded {
	if r.stop != nil {
		close(r.stop)
		<-r.stopped
		r.stop = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.exceeded == nil && r.limits.FileSize > 0 {
		if used, largest := folderUsage(r.scratch); largest >= r.limits.FileSize || used >= r.limits.FileSize {
			r.exceeded = &Exceeded{"file size", "wrote " + bytesize.Format(r.limits.FileSize) + " or more (the limit)"}
		}
	}
	return r.exceeded
}

// Peak returns the most the run was seen to use.
func (r *Run) Peak() Usage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peak
}

// Signal sends sig to the program itself, inside the sandbox (the sandbox's
// own processes do not pass signals on).
func (r *Run) Signal(sig syscall.Signal) error {
	if r.Cmd.Process == nil {
		return os.ErrProcessDone
	}
	pid := findProgram(r.Cmd.Process.Pid, r.path)
	if pid == 0 {
		return os.ErrProcessDone
	}
	return syscall.Kill(pid, sig)
}

// Close removes the scratch folder.
func (r *Run) Close() error {
	// A test may leave folders it cannot itself delete; make them so.
	filepath.WalkDir(r.scratch, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	if r.root != "" {
		os.Remove(r.root)
	}
	return os.RemoveAll(r.scratch)
}

// nsLayout is what the namespace sandbox's helper mounts.
type nsLayout struct {
	Root    string   // an empty host folder to build the new root on
	Scratch string   // mounted writable at /tmp
	Visible []string // host paths mounted read-only at the same place
	Hidden  []string // files under Visible shown empty
	Dir     string   // the working directory
}
