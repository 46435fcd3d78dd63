package grading

import (
	"strings"
	"testing"
	"time"

	"golabs/internal/gradehook"
	"golabs/internal/report"
)

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
	raceReport := []string{
		"WARNING: DATA RACE",
		"Write at 0x00c000012345 by goroutine 8:",
		"  golabs/crawler.(*fetchState).testAndSet()",
		"      /work/main/crawler/mutex.go:20 +0x44",
	}
	if got, want := raceReason(raceReport, "/work/main/crawler"), "data race: write at mutex.go:20 in crawler.(*fetchState).testAndSet()"; got != want {
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
		want   report.Outcome
	}{
		{"pass", passed, 0, false, ran(0, "pass"), report.Pass},
		{"pass of another test", []event{{Action: "pass", Test: "TestY"}}, 0, false, ran(0, "pass"), report.NoResult},
		{"pass of a subtest only", []event{{Action: "pass", Test: "TestX/sub"}}, 0, false, ran(0, "pass"), report.NoResult},
		{"pass, then a failing exit", passed, 1, false, ran(0, "pass"), report.Fail},
		{"pass and fail", []event{{Action: "pass", Test: "TestX"}, {Action: "fail", Test: "TestX"}}, 0, false, ran(1, "fail"), report.Fail},
		{"killed at the limit", passed, 0, true, nil, report.Timeout},
		{"race after a pass", []event{{Action: "pass", Test: "TestX"}, {Action: "output", Output: "WARNING: DATA RACE\n"}}, 66, false, ran(1, "fail"), report.Race},
		{"panic", []event{{Action: "output", Test: "TestX", Output: "panic: boom\n"}}, 2, false, nil, report.Panic},
		{"fatal error", []event{{Action: "output", Output: "fatal error: concurrent map writes\n"}}, 2, false, nil, report.Panic},
		{"a test that prints panic: and passes", []event{{Action: "output", Test: "TestX", Output: "panic: not really\n"}, {Action: "pass", Test: "TestX"}}, 0, false, ran(0, "pass"), report.Pass},
		{"testing's own time-out", []event{{Action: "output", Output: "panic: test timed out after 1m0s\n"}}, 2, false, nil, report.Timeout},
		{"skip", []event{{Action: "skip", Test: "TestX"}}, 0, false, ran(0, "skip"), report.Skipped},
		{"silence", nil, 0, false, ran(0, "pass"), report.NoResult},
		{"a forged pass and an exit before the harness reports", passed, 0, false, nil, report.NoResult},
		{"a forged pass and no test run", passed, 0, false, ran(0), report.Refused},
		{"a forged pass and another test run", passed, 0, false, other, report.Refused},
		{"a forged pass and the test run twice", passed, 0, false, ran(0, "pass", "pass"), report.Refused},
		{"a forged pass of a skipped test", passed, 0, false, ran(0, "skip"), report.Refused},
		{"a pass with the arguments changed", passed, 0, false, tampered, report.Refused},
		{"a failure with the arguments changed", []event{{Action: "fail", Test: "TestX"}}, 1, false, tampered, report.Refused},
		{"tests that could not be observed", passed, 0, false, &gradehook.Report{Error: "gradehook cannot see the tests"}, report.NoResult},
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
