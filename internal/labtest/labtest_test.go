package labtest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedFromEnvironment(t *testing.T) {
	t.Setenv(SeedEnv, "12345")
	assert.Equal(t, uint64(12345), Seed(t), "a seed given in %s is used as it is", SeedEnv)
}

func TestSeedFresh(t *testing.T) {
	t.Setenv(SeedEnv, "")
	a, b := Seed(t), Seed(t)
	assert.NotEqual(t, a, b, "without %s every call draws a new seed", SeedEnv)
	assert.Less(t, a, uint64(1)<<63, "a seed fits an int64, so it pastes anywhere")
}

func TestPackageArg(t *testing.T) {
	assert.Equal(t, "./crawler/", packageArg("golabs/crawler.testLarge.func1", "golabs"))
	assert.Equal(t, "./minirpc/codec/", packageArg("golabs/minirpc/codec.TestX", "golabs"))
	assert.Equal(t, ".", packageArg("other/crawler.TestX", "golabs"), "outside the module: the current folder")
	assert.Equal(t, "./internal/labtest/", callerPackageHere(), "a test binary knows its module and package")
}

// callerPackageHere stands where Replay's caller would.
func callerPackageHere() string { return func() string { return callerPackage() }() }

func TestTopLevel(t *testing.T) {
	assert.Equal(t, "TestX", topLevel("TestX/sub/case"))
	assert.Equal(t, `TestX\.Y`, topLevel("TestX.Y"))
}

func TestTrimLeak(t *testing.T) {
	report := "found unexpected goroutines:\n[Goroutine 1 in state chan receive:\nmain.f()\n Goroutine 2 in state select:\nmain.g()\n Goroutine 3:\nx\n Goroutine 4:\ny\n Goroutine 5:\nz]"
	got := trimLeak(report)
	assert.Contains(t, got, "Goroutine 1 in state chan receive")
	assert.Contains(t, got, "Goroutine 3:")
	assert.NotContains(t, got, "Goroutine 4:")
	assert.Contains(t, got, "... and 2 more goroutines")
}

func TestGoroutinesFindsLabCode(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	go blockInLabCode(stop)
	var dump string
	require.Eventually(t, func() bool {
		dump = Goroutines(".", 5)
		return strings.Contains(dump, "blockInLabCode")
	}, 5*time.Second, 10*time.Millisecond, "the dump must show a goroutine blocked in the package's non-test code")
	headers := 0
	for _, line := range strings.Split(dump, "\n") {
		if strings.HasPrefix(line, "goroutine ") {
			headers++
		}
	}
	assert.Equal(t, 1, headers, "only the goroutine in non-test code is shown, not the test's own:\n%s", dump)
}

func TestFoldLibrary(t *testing.T) {
	g := "goroutine 7 [select]:\n" +
		"internal/poll.runtime_pollWait(0x7f)\n\t/go/src/runtime/netpoll.go:351 +0x85\n" +
		"net/rpc.(*Client).Call(0xc0, {0x7, 0x6}, ...)\n\t/go/src/net/rpc/client.go:321 +0xb5\n" +
		"golabs/kv.(*Clerk).Get(0xc0, {0x1, 0x1})\n\t/work/kv/client.go:23 +0x9a\n" +
		"golabs/kv.TestX.func1()\n\t/work/kv/kv_test.go:40 +0x2\n" +
		"created by golabs/kv.TestX in goroutine 6\n\t/work/kv/kv_test.go:38 +0x1"
	want := "goroutine 7 [select]:\n" +
		"golabs/kv.(*Clerk).Get(0xc0, {0x1, 0x1})\n\t/work/kv/client.go:23 +0x9a\n" +
		"\t... 3 frames in internal/poll, net/rpc, golabs/kv\n" +
		"created by golabs/kv.TestX in goroutine 6\n\t/work/kv/kv_test.go:38 +0x1"
	assert.Equal(t, want, foldLibrary(g, "/work/kv"), "the student's frames first, the rest folded to a line")
}

func TestNoLeaksPassesWhenNothingLeaks(t *testing.T) {
	NoLeaks(t, "nothing", "no advice needed")
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
}

// fakeTB records what a test would report, so that failures can be tested.
type fakeTB struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatal(args ...any) {
	f.failed, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run runs body as a test of its own goroutine, as the testing package does.
func run(body func(tb *fakeTB)) *fakeTB {
	tb := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(tb)
	}()
	<-done
	return tb
}

func TestTry(t *testing.T) {
	tb := run(func(tb *fakeTB) { Try(tb, "F", func() { panic("pkg: F is not implemented yet") }) })
	assert.True(t, tb.failed)
	assert.Equal(t, "pkg: F is not implemented yet", tb.msg, "a stub's panic is reported as it is")

	tb = run(func(tb *fakeTB) { Try(tb, "F", func() { panic("boom") }) })
	assert.Contains(t, tb.msg, "F panicked: boom")

	tb = run(func(tb *fakeTB) { assert.True(t, Try(tb, "F", func() {})) })
	assert.False(t, tb.failed)
}

func TestWithin(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	tb := run(func(tb *fakeTB) {
		Within(tb, 50*time.Millisecond, ".", "Close", "it waits for itself.", func() { blockInLabCode(stop) })
	})
	assert.True(t, tb.failed)
	assert.Contains(t, tb.msg, "Close did not return within 50ms")
	assert.Contains(t, tb.msg, "it waits for itself.")
	assert.Contains(t, tb.msg, "blockInLabCode", "the message shows where the lab's code is blocked")

	tb = run(func(tb *fakeTB) { Within(tb, time.Second, ".", "F", "", func() {}) })
	assert.False(t, tb.failed)
}

// recordingTB is a testing.TB that records what Replay does with it.
type recordingTB struct {
	testing.TB
	failed   bool
	logs     []string
	cleanups []func()
}

func (r *recordingTB) Helper()                 {}
func (r *recordingTB) Name() string            { return "TestRandom/web_3" }
func (r *recordingTB) Failed() bool            { return r.failed }
func (r *recordingTB) Cleanup(f func())        { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Logf(f string, a ...any) { r.logs = append(r.logs, fmt.Sprintf(f, a...)) }

func TestReplay(t *testing.T) {
	for _, failed := range []bool{false, true} {
		r := &recordingTB{TB: t, failed: failed}
		Replay(r, 42)
		for _, f := range r.cleanups {
			f()
		}
		if !failed {
			assert.Empty(t, r.logs, "a test that passed prints no seed")
			continue
		}
		require.Len(t, r.logs, 1)
		assert.Equal(t, "random seed 42: replay this run with LAB_SEED=42 go test -race -run '^TestRandom$' ./internal/labtest/", r.logs[0],
			"the command names the package, so that it runs from the repository root")
	}
}

// leakTB is a testing.TB that runs NoLeaks's check when asked and records
// the failure it reports.
type leakTB struct {
	testing.TB
	cleanups []func()
	msg      string
}

func (l *leakTB) Helper()                           {}
func (l *leakTB) Failed() bool                      { return false }
func (l *leakTB) Cleanup(f func())                  { l.cleanups = append(l.cleanups, f) }
func (l *leakTB) Errorf(format string, args ...any) { l.msg = fmt.Sprintf(format, args...) }

func TestNoLeaksFailsWhenAGoroutineIsLeft(t *testing.T) {
	tb := &leakTB{TB: t}
	NoLeaks(tb, "the leaky code", "close the channel it waits on.")
	stop := make(chan struct{})
	defer close(stop)
	go blockInLabCode(stop) // left running when the "test" ends
	for _, f := range tb.cleanups {
		f()
	}
	assert.Contains(t, tb.msg, "goroutines left running after the leaky code returned", "the failure says what leaked")
	assert.Contains(t, tb.msg, "Likely cause: close the channel it waits on.", "and gives the test's advice")
	assert.Contains(t, tb.msg, "blockInLabCode", "and shows where the goroutine is")
}
