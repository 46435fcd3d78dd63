// Package labtest holds the test infrastructure that every lab's suite
// shares: reproducible random seeds, goroutine-leak checks that say what was
// left running, and goroutine dumps cut down to the lab's own code.
//
// Students never edit this package. Its helpers fail tests with messages
// meant for them: what was expected, what happened, and what to try.
package labtest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// SeedEnv is the environment variable that fixes the seed of a test's random
// workload, to replay a failing run.
const SeedEnv = "LAB_SEED"

// Seed returns the seed for t's random workload: the value of $LAB_SEED if
// it is set, else a fresh one. Call Replay where the random input starts to
// matter, so that a failure prints the command that replays it.
func Seed(t testing.TB) uint64 {
	t.Helper()
	if s := os.Getenv(SeedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q is not a seed: give a whole number, such as the one a failed run printed", SeedEnv, s)
		}
		return v
	}
	return rand.Uint64() >> 1 // a positive int64 too, easy to paste
}

// Replay makes a failure of t from here on print the seed and the command,
// run from the repository root, that replays the run with it. Call it after
// the setup that a missing piece of code fails (a stub that is not written
// yet is no random failure), where the random input comes into play.
func Replay(t testing.TB, seed uint64) {
	t.Helper()
	pkg := callerPackage()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random seed %d: replay this run with %s=%d go test -race -run '^%s$' %s",
				seed, SeedEnv, seed, topLevel(t.Name()), pkg)
		}
	})
}

// callerPackage returns the package of Replay's caller as a go command
// argument from the repository root, such as "./crawler/"; or "." if it
// cannot tell.
func callerPackage() string {
	pc, _, _, ok := runtime.Caller(2)
	if !ok {
		return "."
	}
	fn := runtime.FuncForPC(pc).Name() // golabs/crawler.testLarge.func1
	return packageArg(fn, modulePath())
}

// packageArg turns the qualified name of a function into its package's
// directory from the module root: ("golabs/crawler.testLarge.func1",
// "golabs") is "./crawler/".
func packageArg(fn, module string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return "."
	}
	pkg := fn[:slash+1+dot]
	rel, ok := strings.CutPrefix(pkg, module+"/")
	if module == "" || !ok {
		return "."
	}
	return "./" + rel + "/"
}

// modulePath returns the path of the main module the binary was built in.
func modulePath() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		return info.Main.Path
	}
	return ""
}

// topLevel returns the top-level test of a (sub)test name, quoted for a regexp.
func topLevel(name string) string {
	if i := strings.IndexByte(name, '/'); i >= 0 {
		name = name[:i]
	}
	return regexp.QuoteMeta(name)
}

// leakWait bounds how long NoLeaks waits for goroutines to end once the code
// under test has returned. Correct code needs microseconds; the margin is for
// a heavily loaded machine.
const leakWait = 2 * time.Second

// NoLeaks fails t if, when t ends, goroutines are running that were not
// running when NoLeaks was called. what names the code under test and
// advice tells the student what to look for. Call it first in a test.
//
// The check is skipped when t has already failed: a crawl that hung leaves
// goroutines behind, and the hang is the message that matters.
func NoLeaks(t testing.TB, what, advice string) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		var err error
		deadline := time.Now().Add(leakWait)
		for {
			if err = goleak.Find(before); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			t.Errorf("goroutines left running after %s returned.\n"+
				"Expected: every goroutine it started has ended by the time it returns.\n"+
				"Likely cause: %s\n\n%s",
				what, advice, trimLeak(err.Error()))
		}
	})
}

// trimLeak keeps the first few goroutines of a goleak report.
func trimLeak(s string) string {
	const keep = 3
	s = strings.TrimPrefix(s, "found unexpected goroutines:\n")
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	parts := strings.Split(s, "\n Goroutine ")
	out := strings.Join(parts[:min(keep, len(parts))], "\n\nGoroutine ")
	if len(parts) > keep {
		out += fmt.Sprintf("\n\n... and %d more goroutines", len(parts)-keep)
	}
	return out
}

// Goroutines returns a dump of the goroutines, other than the caller's, that
// are running code of the lab package in dir (a directory, usually "." in a test), omitting frames of
// the Go runtime, at most max of them, so a student sees where their code is
// blocked. It returns "" if there is none.
func Goroutines(dir string, max int) string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	abs, err := absDir(dir)
	if err != nil {
		return ""
	}
	var kept []string
	total := 0
	// The first goroutine of the dump is the caller's own.
	for _, g := range strings.Split(string(buf), "\n\n")[1:] {
		if !inLabCode(g, abs) {
			continue
		}
		total++
		if len(kept) < max {
			kept = append(kept, foldLibrary(g, abs))
		}
	}
	if total == 0 {
		return ""
	}
	out := strings.Join(kept, "\n\n")
	if total > len(kept) {
		out += fmt.Sprintf("\n\n... and %d more goroutines in the same package", total-len(kept))
	}
	return out
}

// foldLibrary rewrites one goroutine of a dump so that a student sees their
// own code first: the header, the frames in the package's non-test files of
// dir, one line that counts the frames of other code (the runtime, net/rpc,
// encoding/gob ...) and names their packages, then where the goroutine was
// created.
func foldLibrary(g, dir string) string {
	lines := strings.Split(g, "\n")
	var own, created []string
	folded := 0
	var pkgs []string
	for i := 1; i < len(lines); i++ {
		fn := lines[i]
		file := ""
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			file = lines[i+1]
			i++
		}
		switch {
		case strings.HasPrefix(fn, "created by "):
			created = append(created, fn, file)
		case inLabCode(fn+"\n"+file, dir):
			own = append(own, fn, file)
		default:
			folded++
			if p := funcPackage(fn); p != "" && !slices.Contains(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	out := append([]string{lines[0]}, own...)
	switch {
	case folded > 0 && len(pkgs) > 0:
		out = append(out, fmt.Sprintf("\t... %d frames in %s", folded, strings.Join(pkgs, ", ")))
	case folded > 0:
		out = append(out, fmt.Sprintf("\t... %d more frames", folded))
	}
	out = append(out, created...)
	return strings.Join(slices.DeleteFunc(out, func(l string) bool { return l == "" }), "\n")
}

// funcPackage returns the package of a function line of a dump:
// "net/rpc.(*Client).Call(...)" is net/rpc.
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	if i := strings.IndexByte(fn[slash+1:], '('); i >= 0 {
		fn = fn[:slash+1+i]
	}
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return ""
	}
	return fn[:slash+1+dot]
}

// inLabCode reports whether goroutine dump g has a frame in a non-test file
// of directory dir.
func inLabCode(g, dir string) bool {
	for _, line := range strings.Split(g, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, dir+"/") {
			continue
		}
		file := line[len(dir)+1:]
		if i := strings.Index(file, ":"); i >= 0 {
			file = file[:i]
		}
		if !strings.Contains(file, "/") && !strings.HasSuffix(file, "_test.go") {
			return true
		}
	}
	return false
}

func absDir(dir string) (string, error) {
	if strings.HasPrefix(dir, "/") {
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if dir == "." || dir == "" {
		return wd, nil
	}
	return wd + "/" + dir, nil
}
