package gradehook

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// calledFromTestMain reports whether Main's caller is a TestMain declared in
// a _test.go file and called by the test binary's generated main, and
// otherwise names the caller.
func calledFromTestMain() (string, bool) {
	pcs := make([]uintptr, 2)
	n := runtime.Callers(3, pcs) // skip Callers, calledFromTestMain, Main
	frames := runtime.CallersFrames(pcs[:n])
	caller, more := frames.Next()
	where := caller.Function
	if where == "" {
		where = "an unknown function"
	}
	if !more || !strings.HasSuffix(caller.Function, ".TestMain") || !strings.HasSuffix(caller.File, "_test.go") {
		return where, false
	}
	top, _ := frames.Next()
	if top.Function != "main.main" {
		return where + " (called by " + top.Function + ")", false
	}
	return "", true
}

// beforeRun lists what was changed before the tests start: os.Args, and the
// flags (parsed by someone else, so that m.Run parses nothing).
func (s *state) beforeRun() []string {
	var t []string
	if !slices.Equal(s.args, currentArgs()) {
		t = append(t, fmt.Sprintf("os.Args was changed before the tests started: the grader ran %q, the tests saw %q",
			strings.Join(s.args, " "), strings.Join(currentArgs(), " ")))
	}
	if flag.Parsed() {
		t = append(t, "the test flags were parsed before the tests started (flag.Parse in the code under test?), "+
			"so the grader's selection of tests could not take effect")
	}
	return t
}

// currentArgs returns a copy of os.Args (a function, so that a replaced
// slice is read afresh).
func currentArgs() []string { return slices.Clone(os.Args) }

// afterRun compares every test flag with what the arguments set it to (or
// its default). A flag changed while the tests ran shows here; one changed and put
// back shows in the tests that ran.
func (s *state) afterRun() []string {
	want := expectedFlags(s.args[1:])
	var t []string
	flag.VisitAll(func(f *flag.Flag) {
		if !strings.HasPrefix(f.Name, "test.") {
			return
		}
		exp, ok := want[f.Name]
		if !ok {
			exp = f.DefValue
		}
		if got := f.Value.String(); normalise(got) != normalise(exp) {
			t = append(t, fmt.Sprintf("the flag -%s was %q when the tests ended, but the grader set it to %q", f.Name, got, exp))
		}
	})
	return t
}

// normalise puts the ways of writing one flag value into one form: "1" for
// "01" and "true" for "".
func normalise(v string) string {
	if v == "" || v == "true" {
		return "true"
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	return v
}

// expectedFlags parses args as the testing package would, and returns the
// value given to each test flag named there.
func expectedFlags(args []string) map[string]string {
	fs := flag.NewFlagSet("expected", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	got := make(map[string]string)
	flag.VisitAll(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "test.") {
			b, isBool := f.Value.(interface{ IsBoolFlag() bool })
			fs.Var(&recorder{name: f.Name, got: got, bool: isBool && b.IsBoolFlag()}, f.Name, "")
		}
	})
	fs.Parse(args)
	return got
}

// A recorder is a flag.Value that records the text it is set to.
type recorder struct {
	name string
	got  map[string]string
	bool bool
}

func (r *recorder) String() string     { return "" }
func (r *recorder) IsBoolFlag() bool   { return r.bool }
func (r *recorder) Set(v string) error { r.got[r.name] = v; return nil }

// A record is the list of top-level tests that ran, each with its result,
// kept where code outside this package cannot reach it.
type record struct {
	mu  sync.Mutex
	ran []Run
}

func (r *record) add(run Run) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ran = append(r.ran, run)
}

func (r *record) runs() []Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ran)
}

// observe wraps each of m's tests so that it records its name and result
// when it and its subtests are done. The testing package has no hook for
// this, so observe reaches into testing.M's list of tests; if a Go release
// changes that list's shape, it returns an error and the grader fails the
// test closed.
func observe(m *testing.M) (*record, error) {
	v := reflect.ValueOf(m).Elem().FieldByName("tests")
	if !v.IsValid() || v.Type() != reflect.TypeFor[[]testing.InternalTest]() {
		return nil, errors.New("gradehook cannot see the tests of this Go release's testing.M: " +
			"update internal/gradehook for " + runtime.Version())
	}
	tests := *(*[]testing.InternalTest)(unsafe.Pointer(v.UnsafeAddr()))
	rec := &record{}
	for i := range tests {
		name, f := tests[i].Name, tests[i].F
		tests[i].F = func(t *testing.T) {
			// Registered first, so it runs last: after the test's own
			// cleanups, and after its subtests, parallel ones included.
			t.Cleanup(func() {
				result := "pass"
				switch {
				case t.Failed():
					result = "fail"
				case t.Skipped():
					result = "skip"
				}
				rec.add(Run{Test: name, Result: result})
			})
			f(t)
		}
	}
	return rec, nil
}
