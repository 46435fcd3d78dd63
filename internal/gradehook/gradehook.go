// Package gradehook is the grader's side door into a lab's test binary: a
// result channel that the student's code cannot write to, and a witness of
// which tests really ran.
//
// A test's result as the test framework prints it can be forged: code under
// test can print the same lines (test2json's framing is no secret) and end
// the process before the real result is printed. It can also change what
// the binary runs without ending it: rewrite os.Args, or parse the test
// flags itself and set -test.run to match nothing, so that testing.M.Run
// runs no test and honestly returns 0. So the grader trusts neither the
// output nor the exit code alone.
//
// The grader starts each test binary with two extra descriptors: a pipe
// from which the binary reads a fresh random nonce, and a pipe to which it
// writes its report. This package reads the nonce in its init function and
// keeps a copy of os.Args. Every package that holds student code imports
// this one from a provided file, so this init runs before any student code
// (a package is initialised after everything it imports); the grader's
// self-check holds every lab to that.
//
// Main, called by the lab's TestMain, checks that nobody changed os.Args or
// parsed the test flags before the tests start, wraps every test function
// so that it records its own name and result when it ends, runs the tests,
// checks the selection flags against the arguments again, and writes a
// [Report] (the exit code, the tests that ran with their results, and any
// tampering seen) sealed with an HMAC under the nonce. A process that ends
// any other way, os.Exit or syscall.Exit included, writes nothing, and the
// grader fails the test; a report whose tests are not exactly the ones the
// grader asked for is refused.
//
// What this does not stop: code in the same process can, in principle,
// read the process's memory (and with it the nonce) through /proc/self/mem.
// The static check refuses the paths and packages that make that easy, and
// the grader's sandbox keeps what such code could reach small; see
// docs/grading.md.
//
// Outside the grader (plain go test) the variable is not set and Main is
// m.Run followed by os.Exit.
package gradehook

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Env names the descriptors: "RESULT_FD,NONCE_FD", set by the grader.
const Env = "LABKIT_GRADEHOOK"

// hook is the state taken at init; nil outside the grader.
var hook *state

type state struct {
	out   *os.File
	nonce []byte
	args  []string // os.Args as they were before any student code ran

	once sync.Once // Main reports once
}

func init() {
	spec := os.Getenv(Env)
	if spec == "" {
		return
	}
	os.Unsetenv(Env)
	out, nonce, err := open(spec)
	if err != nil {
		// The grader will find no result and fail the test; say why.
		fmt.Fprintf(os.Stderr, "gradehook: %v\n", err)
		return
	}
	hook = &state{out: out, nonce: nonce, args: slices.Clone(os.Args)}
}

// open takes the two descriptors named by spec and reads the nonce.
func open(spec string) (*os.File, []byte, error) {
	a, b, ok := strings.Cut(spec, ",")
	if !ok {
		return nil, nil, fmt.Errorf("%s=%q: want RESULT_FD,NONCE_FD", Env, spec)
	}
	resultFD, err1 := strconv.Atoi(a)
	nonceFD, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return nil, nil, fmt.Errorf("%s=%q: want two descriptor numbers", Env, spec)
	}
	in := os.NewFile(uintptr(nonceFD), "gradehook-nonce")
	if in == nil {
		return nil, nil, fmt.Errorf("descriptor %d is not open", nonceFD)
	}
	nonce, err := io.ReadAll(io.LimitReader(in, 1024))
	in.Close()
	if err != nil || len(nonce) < 16 {
		return nil, nil, fmt.Errorf("reading the nonce: %v (%d bytes)", err, len(nonce))
	}
	out := os.NewFile(uintptr(resultFD), "gradehook-result")
	if out == nil {
		return nil, nil, fmt.Errorf("descriptor %d is not open", resultFD)
	}
	return out, nonce, nil
}

// Main runs the tests and exits with their exit code, reporting to the
// grader first when the grader is listening. A lab's TestMain calls it:
//
//	func TestMain(m *testing.M) { gradehook.Main(m) }
func Main(m *testing.M) {
	if hook == nil {
		os.Exit(m.Run())
	}
	var r Report
	if where, ok := calledFromTestMain(); !ok {
		// Someone else's code is calling Main to report tests of its
		// own making: report that, and end the process.
		r.Tampering = append(r.Tampering, "gradehook.Main was called from "+where+", not from the lab's TestMain")
		hook.report(r)
		os.Exit(2)
	}
	r.Tampering = append(r.Tampering, hook.beforeRun()...)
	rec, err := observe(m)
	if err != nil {
		r.Error = err.Error()
	}
	r.Exit = m.Run()
	r.Tampering = append(r.Tampering, hook.afterRun()...)
	if rec != nil {
		r.Ran = rec.runs()
	}
	hook.report(r)
	os.Exit(r.Exit)
}

// report seals r and writes it to the grader, once per process.
func (s *state) report(r Report) {
	s.once.Do(func() {
		fmt.Fprintln(s.out, Seal(s.nonce, r))
		s.out.Close()
	})
}

// NotImplemented is what a stub's panic says ("crawler: Serial is not
// implemented yet: ..."), and what the kit's harnesses and the grader look
// for in a test's output to tell an unwritten stub from a bug.
const NotImplemented = "not implemented"
