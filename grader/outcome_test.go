package main

import (
	"golabs/internal/gradehook"
	"strings"
	"testing"
	"time"

	"golabs/internal/catalog"
)

func TestCapture(t *testing.T) {
	c := newCapture(10)
	c.Write([]byte("0123456789")) // fills the head
	for range 100 {
		c.Write([]byte("abc"))
	}
	c.Write([]byte("TAIL"))
	s := c.String()
	if !strings.HasPrefix(s, "0123456789\n[... ") || !strings.HasSuffix(s, "bcabcTAIL") {
		t.Errorf("capture kept %q; want the head, a note of the cut, and the last 10 bytes", s)
	}
	if got, want := c.Dropped(), int64(300+4-10); got != want {
		t.Errorf("Dropped() = %d, want %d", got, want)
	}

	small := newCapture(10)
	small.Write([]byte("hello "))
	small.Write([]byte("world"))
	if s := small.String(); s != "hello world" {
		t.Errorf("a short output must be kept whole; got %q", s)
	}
	big := newCapture(4)
	big.Write([]byte(strings.Repeat("x", 100) + "END"))
	if s := big.String(); !strings.HasPrefix(s, "xxxx\n[... 95 bytes") || !strings.HasSuffix(s, "xEND") {
		t.Errorf("one big write: got %q", s)
	}
}

func TestEachLine(t *testing.T) {
	in := "short\n" + strings.Repeat("y", 200<<10) + "\nlast"
	var lines []string
	if err := eachLine(strings.NewReader(in), 1000, func(l []byte) { lines = append(lines, string(l)) }); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || lines[0] != "short" || len(lines[1]) != 1000 || lines[2] != "last" {
		t.Errorf("eachLine: got %d lines, lengths %v", len(lines), lens(lines))
	}
}

func lens(ss []string) []int {
	var n []int
	for _, s := range ss {
		n = append(n, len(s))
	}
	return n
}

func TestReasonFinder(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"t.Fatal", []string{"=== RUN   TestX", "    x_test.go:12: Serial fetched 3 pages, want 5", "--- FAIL: TestX (0.00s)"}, "Serial fetched 3 pages, want 5"},
		{"testify with a message", []string{
			"=== RUN   TestX",
			"    x_test.go:12: ",
			"        \tError Trace:\t/work/x_test.go:12",
			"        \tError:      \tNot equal: ",
			"        \t            \texpected: 5",
			"        \tTest:       \tTestX",
			"        \tMessages:   \tSerial fetched a page twice: keep a map",
		}, "Serial fetched a page twice: keep a map"},
		{"testify without a message", []string{
			"    x_test.go:12: ",
			"        \tError Trace:\t/work/x_test.go:12",
			"        \tError:      \tShould be true",
		}, "Should be true"},
		{"plain output only", []string{"=== RUN   TestX", "something odd", "--- FAIL: TestX (0.00s)"}, "something odd"},
		{"nothing", []string{"=== RUN   TestX", "--- FAIL: TestX (0.00s)"}, "the test failed without a message"},
	}
	for _, tt := range tests {
		var f reasonFinder
		for _, l := range tt.lines {
			f.add(l)
		}
		if got := f.reason(); got != tt.want {
			t.Errorf("%s: reason = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRaceReason(t *testing.T) {
	report := []string{
		"WARNING: DATA RACE",
		"Write at 0x00c000012345 by goroutine 8:",
		"  golabs/crawler.(*fetchState).testAndSet()",
		"      /work/main/crawler/mutex.go:20 +0x44",
	}
	if got, want := raceReason(report, "/work/main/crawler"), "data race: write at mutex.go:20 in crawler.(*fetchState).testAndSet()"; got != want {
		t.Errorf("raceReason = %q, want %q", got, want)
	}
	// A race on a map is reported inside the runtime: the student's line is
	// the first frame in their package, further down.
	mapRace := []string{
		"WARNING: DATA RACE",
		"Write at 0x00c000012345 by goroutine 8:",
		"  runtime.mapassign_faststr()",
		"      /usr/local/go/src/internal/runtime/maps/runtime_faststr.go:263 +0x0",
		"  golabs/kv.(*KV).Put()",
		"      /work/main/kv/kv.go:41 +0x1b",
		"  golabs/kv.TestKVConcurrentHandlers.func1()",
		"      /work/main/kv/kv_test.go:140 +0x2",
		"",
		"Previous read at 0x00c000012345 by goroutine 9:",
		"  golabs/kv.(*KV).Get()",
		"      /work/main/kv/kv.go:30 +0x1b",
	}
	if got, want := raceReason(mapRace, "/work/main/kv"), "data race: write at kv.go:41 in kv.(*KV).Put()"; got != want {
		t.Errorf("raceReason of a map race = %q, want %q: the student's frame, not the runtime's", got, want)
	}
	if got, want := raceReason(mapRace, ""), "data race: write at runtime_faststr.go:263 in runtime.mapassign_faststr()"; got != want {
		t.Errorf("raceReason without a package folder = %q, want %q", got, want)
	}
	if got := raceReason([]string{"WARNING: DATA RACE"}, ""); got != "data race: see the race detector's report" {
		t.Errorf("raceReason of a cut report = %q", got)
	}
}

func TestVerdict(t *testing.T) {
	// ran is the harness's report: exit status and the results of TestX.
	ran := func(exit int, results ...string) *gradehook.Report {
		r := &gradehook.Report{Exit: exit}
		for _, res := range results {
			r.Ran = append(r.Ran, gradehook.Run{Test: "TestX", Result: res})
		}
		return r
	}
	other := &gradehook.Report{Ran: []gradehook.Run{{Test: "TestY", Result: "pass"}}}
	tampered := &gradehook.Report{Ran: []gradehook.Run{{Test: "TestX", Result: "pass"}}, Tampering: []string{"os.Args was changed"}}
	passed := []event{{Action: "pass", Test: "TestX"}}
	tests := []struct {
		name   string
		events []event
		exit   int
		killed bool
		hook   *gradehook.Report // nil: the harness reported nothing authentic
		want   outcome
	}{
		{"pass", passed, 0, false, ran(0, "pass"), pass},
		{"pass of another test", []event{{Action: "pass", Test: "TestY"}}, 0, false, ran(0, "pass"), noResult},
		{"pass of a subtest only", []event{{Action: "pass", Test: "TestX/sub"}}, 0, false, ran(0, "pass"), noResult},
		{"pass, then a failing exit", passed, 1, false, ran(0, "pass"), fail},
		{"pass and fail", []event{{Action: "pass", Test: "TestX"}, {Action: "fail", Test: "TestX"}}, 0, false, ran(1, "fail"), fail},
		{"killed at the limit", passed, 0, true, nil, timeout},
		{"race after a pass", []event{{Action: "pass", Test: "TestX"}, {Action: "output", Output: "WARNING: DATA RACE\n"}}, 66, false, ran(1, "fail"), race},
		{"panic", []event{{Action: "output", Test: "TestX", Output: "panic: boom\n"}}, 2, false, nil, panicked},
		{"fatal error", []event{{Action: "output", Output: "fatal error: concurrent map writes\n"}}, 2, false, nil, panicked},
		{"a test that prints panic: and passes", []event{{Action: "output", Test: "TestX", Output: "panic: not really\n"}, {Action: "pass", Test: "TestX"}}, 0, false, ran(0, "pass"), pass},
		{"testing's own time-out", []event{{Action: "output", Output: "panic: test timed out after 1m0s\n"}}, 2, false, nil, timeout},
		{"skip", []event{{Action: "skip", Test: "TestX"}}, 0, false, ran(0, "skip"), skipped},
		{"silence", nil, 0, false, ran(0, "pass"), noResult},
		{"a forged pass and an exit before the harness reports", passed, 0, false, nil, noResult},
		{"a forged pass and no test run", passed, 0, false, ran(0), refused},
		{"a forged pass and another test run", passed, 0, false, other, refused},
		{"a forged pass and the test run twice", passed, 0, false, ran(0, "pass", "pass"), refused},
		{"a forged pass of a skipped test", passed, 0, false, ran(0, "skip"), refused},
		{"a pass with the arguments changed", passed, 0, false, tampered, refused},
		{"a failure with the arguments changed", []event{{Action: "fail", Test: "TestX"}}, 1, false, tampered, refused},
		{"tests that could not be observed", passed, 0, false, &gradehook.Report{Error: "gradehook cannot see the tests"}, noResult},
	}
	for _, tt := range tests {
		o := newObserver("TestX")
		o.hook = tt.hook
		for _, e := range tt.events {
			o.event(e)
		}
		if got, why := o.verdict(tt.exit, tt.killed, time.Minute); got != tt.want {
			t.Errorf("%s: verdict %s (%s), want %s", tt.name, got, why, tt.want)
		}
	}
}

func TestCleanDumpAndStuckAt(t *testing.T) {
	dump := strings.Join([]string{
		"SIGQUIT: quit\nPC=0x4c83e1 m=0 sigcode=0",
		"goroutine 0 gp=0x7d4580 m=0 mp=0x7d5580 [idle]:\nruntime.futex(0x7d56d8)\n\t/go/src/runtime/sys_linux_amd64.s:569 +0x21 fp=0x7fff sp=0x7ffe pc=0x4c83e1",
		"goroutine 2 gp=0xc000008d20 m=nil [force gc (idle)]:\nruntime.gopark(0x0)\n\t/go/src/runtime/proc.go:462 +0xce\ncreated by runtime.init.7 in goroutine 1\n\t/go/src/runtime/proc.go:1 +0x1",
		"goroutine 7 gp=0xc000100000 m=nil [chan receive]:\nruntime.gopark(0x0)\n\t/go/src/runtime/proc.go:462 +0xce fp=0x1 sp=0x2 pc=0x3\n" +
			"golabs/crawler.coordinator(0xc000010000, {0x7f, 0xc0})\n\t/work/crawler/channel.go:25 +0x44\n" +
			"golabs/crawler.TestChannel(0xc0000e8248)\n\t/work/crawler/crawler_test.go:59 +0x27",
		"rax    0xca\nrbx    0x0",
	}, "\n\n")
	clean := cleanDump(dump)
	for _, gone := range []string{"goroutine 0 ", "goroutine 2 ", "fp=", "gp=", "rax"} {
		if strings.Contains(clean, gone) {
			t.Errorf("cleanDump kept %q:\n%s", gone, clean)
		}
	}
	if !strings.Contains(clean, "goroutine 7 [chan receive]:") || !strings.Contains(clean, "SIGQUIT: quit") {
		t.Errorf("cleanDump dropped what matters:\n%s", clean)
	}
	if got, want := stuckAt(clean, "/work/crawler"), "crawler.coordinator at channel.go:25 [chan receive]"; got != want {
		t.Errorf("stuckAt = %q, want %q", got, want)
	}
	if got := stuckAt(clean, "/elsewhere"); got != "" {
		t.Errorf("stuckAt outside the package = %q, want nothing", got)
	}
}

func TestCatalogueMismatch(t *testing.T) {
	lab := &catalog.Lab{File: "labs/x.toml", Tests: []catalog.Test{
		{Name: "TestA", Package: "./x"},
		{Name: "TestHidden", Package: "./x", Private: true},
		{Name: "TestOther", Package: "./y"},
	}}
	bin := &binary{pkg: "./x", tests: []string{"TestA", "TestB"}}
	errs := catalogueMismatch(lab, bin, false)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "test TestB in ./x has no points in labs/x.toml") {
		t.Errorf("without -private: got %v", errs)
	}
	errs = catalogueMismatch(lab, bin, true)
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "labs/x.toml grades TestHidden, but ./x (no tags) has no such test") {
		t.Errorf("with -private: got %v", errs)
	}
}

func TestFlags(t *testing.T) {
	if got := joinTags("solution, private", true); got != "solution,private" {
		t.Errorf("joinTags = %q", got)
	}
	if got := joinTags("", false); got != "" {
		t.Errorf("joinTags of nothing = %q", got)
	}
	var l listFlag
	l.Set("crawler,kv")
	l.Set("kv")
	l.Set("rpcfail")
	if got := l.String(); got != "crawler,kv,rpcfail" {
		t.Errorf("-lab crawler,kv -lab kv -lab rpcfail = %q", got)
	}
	if got := shortDuration(90 * time.Second); got != "1m30s" {
		t.Errorf("shortDuration(90s) = %q", got)
	}
	if got := shortDuration(time.Minute); got != "1m" {
		t.Errorf("shortDuration(1m) = %q", got)
	}
}

func TestTestEnv(t *testing.T) {
	t.Setenv("GORACE", "halt_on_error=1")
	if env := strings.Join(testEnv(), "\n"); !strings.Contains(env, "GORACE=halt_on_error=1 atexit_sleep_ms=0") {
		t.Errorf("testEnv must keep the user's GORACE and add atexit_sleep_ms=0")
	}
	t.Setenv("GORACE", "atexit_sleep_ms=5")
	if env := strings.Join(testEnv(), "\n"); !strings.Contains(env, "GORACE=atexit_sleep_ms=5\n") && !strings.HasSuffix(env, "GORACE=atexit_sleep_ms=5") {
		t.Errorf("testEnv must keep the user's own atexit_sleep_ms")
	}
}
