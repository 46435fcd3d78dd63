package grading

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"golabs/internal/gradehook"
	"golabs/internal/report"
	"golabs/internal/trim"
)

// An event is one line of go tool test2json's output.
type event struct {
	Action string
	Test   string
	Output string
}

// An observer follows the events of one test process and remembers what a
// verdict needs: the test's own pass, fail and skip events, the lines that
// explain a failure, and the marks a crash, a race or a stub leaves in the
// output. It watches the whole stream, not only the part it keeps.
type observer struct {
	name string        // the graded test
	dir  string        // the package's directory: frames there are the student's
	out  *trim.Capture // all output, head and tail

	passed, failed, skipped bool

	race           []string          // the data race report's first lines
	raceLines      int               // lines of the race report still to keep
	panicLine      string            // the first "panic: " or "fatal error: " line
	exit0          bool              // the test called os.Exit(0)
	testTimeout    bool              // the test binary's own -test.timeout fired
	notImplemented bool              // a stub said it is not implemented
	sandboxErr     string            // what the sandbox said when it could not start the test
	hook           *gradehook.Report // what the harness reported through gradehook; nil: nothing authentic

	reason reasonFinder // reads the test's own output lines
}

// keptOutput is how many bytes are kept of the head, and of the tail, of
// a test's output.
const keptOutput = 64 << 10

func newObserver(name string) *observer {
	return &observer{name: name, out: trim.New(keptOutput, keptOutput)}
}

func (o *observer) event(e event) {
	mine := e.Test == o.name || strings.HasPrefix(e.Test, o.name+"/")
	if e.Test == o.name {
		switch e.Action {
		case "pass":
			o.passed = true
		case "fail":
			o.failed = true
		case "skip":
			o.skipped = true
		}
	}
	if e.Action != "output" {
		return
	}
	o.out.Write([]byte(e.Output))
	line := strings.TrimRight(e.Output, "\r\n")
	o.scan(line)
	if mine {
		o.reason.add(line)
	}
}

// scan looks for the marks of a crash, a race and a stub in one line.
func (o *observer) scan(line string) {
	if o.raceLines > 0 {
		o.race = append(o.race, line)
		o.raceLines--
	}
	switch {
	case strings.Contains(line, "WARNING: DATA RACE"):
		if o.race == nil {
			o.race = []string{line}
			o.raceLines = 60
		}
	case strings.Contains(line, "unexpected call to os.Exit(0) during test"):
		o.exit0 = true
	case strings.HasPrefix(line, "panic: test timed out after"):
		o.testTimeout = true
	case strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: "):
		if o.panicLine == "" {
			o.panicLine = strings.TrimSuffix(line, " [recovered]")
		}
	}
	if strings.Contains(line, gradehook.NotImplemented) {
		o.notImplemented = true
	}
	if o.sandboxErr == "" && (strings.HasPrefix(line, "sandbox: ") || strings.HasPrefix(line, "bwrap: ")) {
		o.sandboxErr = line
	}
}

// selectionWrong says how the tests the harness saw run differ from the one
// the grader asked for, or returns "".
func (o *observer) selectionWrong() string {
	why, _ := o.hook.Only(o.name)
	return why
}

// verdict classifies a finished process. exit is its exit status (-1 if it
// was killed by a signal); killed says the grader killed it at its time
// limit; limit is that limit. It fails closed: only an explicit pass event
// for exactly this test and an exit status of 0 make a pass.
func (o *observer) verdict(exit int, killed bool, limit time.Duration) (report.Outcome, string) {
	switch {
	case killed || o.testTimeout:
		return report.Timeout, fmt.Sprintf("timed out after %s: see the goroutine dump for what was still waiting", report.ShortDuration(limit))
	case o.hook != nil && len(o.hook.Tampering) > 0:
		return report.Refused, "refused: " + o.hook.Tampering[0]
	case o.hook != nil && o.hook.Error != "":
		return report.NoResult, o.hook.Error
	case o.hook != nil && o.selectionWrong() != "":
		return report.Refused, "refused: the tests that ran are not the ones the grader chose: " + o.selectionWrong()
	case o.race != nil:
		return report.Race, raceReason(o.race, o.dir)
	case o.passed && !o.failed && exit == 0 && o.hook != nil && o.hook.Exit == 0:
		if _, ok := o.hook.Only(o.name); ok {
			return report.Pass, ""
		}
		return report.Refused, fmt.Sprintf("refused: the output says %s passed, but its harness saw it %s", o.name, o.hook.Ran[0].Result)
	case o.passed && !o.failed && exit == 0 && o.hook == nil:
		return report.NoResult, "the test printed a pass, but its harness reported no result: the process " +
			"ended before the tests finished (os.Exit or syscall.Exit?), or the lab's TestMain does not call gradehook.Main"
	case o.exit0:
		return report.NoResult, "the test called os.Exit(0) before it finished"
	case o.panicLine != "" && exit != 0:
		return report.Panic, o.panicLine
	case o.failed:
		return report.Fail, o.reason.reason()
	case o.skipped:
		return report.Skipped, "skipped: " + o.reason.reason()
	case o.passed:
		return report.Fail, fmt.Sprintf("the test passed, but its process then exited with status %d", exit)
	case o.sandboxErr != "" && o.hook == nil:
		return report.NoResult, "the sandbox could not start the test: " + o.sandboxErr
	case exit == 0:
		return report.NoResult, "the test process exited (status 0) without reporting a result: does the code call os.Exit or syscall.Exit?"
	default:
		return report.NoResult, fmt.Sprintf("the test process exited (status %d) without reporting a result", exit)
	}
}

var (
	// testify's failure report: "\tError:  \tNot equal:" and "\tMessages:  \twhy".
	testifyField = regexp.MustCompile(`^\s*(Error|Messages):\s*(.*)$`)
	// t.Error and friends: "    crawler_test.go:42: message".
	logLine = regexp.MustCompile(`^\s+[\w.\-]+\.go:\d+: ?(.*)$`)
)

// A reasonFinder picks the first useful line of a failed test's output as
// the lines stream by: the message of a testify assertion (its Messages,
// else its Error), else the first message logged with t.Error, t.Fatal or
// t.Log, else the first line that is not the test framework's own.
type reasonFinder struct {
	messages, testifyErr, logged, other string
}

func (f *reasonFinder) add(l string) {
	t := strings.TrimSpace(l)
	if f.messages != "" || t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- ") {
		return
	}
	if m := testifyField.FindStringSubmatch(l); m != nil && strings.HasPrefix(l, " ") {
		if m[1] == "Messages" && m[2] != "" {
			f.messages = m[2]
		}
		if f.testifyErr == "" && m[1] == "Error" && m[2] != "" {
			f.testifyErr = m[2]
		}
		return
	}
	if m := logLine.FindStringSubmatch(l); m != nil {
		if f.logged == "" && strings.TrimSpace(m[1]) != "" {
			f.logged = strings.TrimSpace(m[1])
		}
		return
	}
	if f.other == "" {
		f.other = trim.Clip(t, 500)
	}
}

func (f *reasonFinder) reason() string {
	for _, r := range []string{f.messages, f.testifyErr, f.logged, f.other} {
		if r != "" {
			return r
		}
	}
	return "the test failed without a message"
}

// raceFrame matches the location line of a race report's stack frame.
var raceFrame = regexp.MustCompile(`^\s+(\S+\.go):(\d+)`)

// raceReason summarises a race report: the first access, and where it was:
// the first frame of that access in a file of dir that is not a test (the
// student's code), else the access's first frame. A race on a map is
// reported inside the runtime (runtime.mapassign ...); the student's line
// is further down.
func raceReason(report []string, dir string) string {
	var access string
	var frames [][2]string // function, location
	for i, l := range report {
		t := strings.TrimSpace(l)
		if access == "" {
			if strings.HasPrefix(t, "Read at") || strings.HasPrefix(t, "Write at") ||
				strings.HasPrefix(t, "Previous read at") || strings.HasPrefix(t, "Previous write at") {
				access = strings.ToLower(t[:strings.Index(t, " at")])
			}
			continue
		}
		if t == "" || strings.HasPrefix(t, "Previous ") || strings.HasPrefix(t, "Goroutine ") {
			break
		}
		if m := raceFrame.FindStringSubmatch(l); m != nil && i > 0 {
			frames = append(frames, [2]string{strings.TrimSpace(report[i-1]), m[1] + ":" + m[2]})
		}
	}
	if access == "" || len(frames) == 0 {
		return "data race: see the race detector's report"
	}
	pick := frames[0]
	for _, f := range frames {
		file := f[1][:strings.LastIndex(f[1], ":")]
		if dir != "" && strings.HasPrefix(file, dir+"/") && !strings.HasSuffix(file, "_test.go") &&
			!strings.Contains(file[len(dir)+1:], "/") {
			pick = f
			break
		}
	}
	fn := pick[0]
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	loc := path.Base(pick[1])
	return fmt.Sprintf("data race: %s at %s in %s", access, loc, fn)
}

var (
	frameAddrs  = regexp.MustCompile(` fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+`)
	headerAddrs = regexp.MustCompile(` gp=0x[0-9a-f]+ m=\S+( mp=0x[0-9a-f]+)?`)
	frameFile   = regexp.MustCompile(`^\t(\S+\.go):(\d+)`)
	registers   = regexp.MustCompile(`^r[a-z0-9]+ +0x[0-9a-f]+\n`)
)

// cleanDump makes the goroutine dump of a test killed at its time limit
// readable: it drops the goroutines that run only the runtime's own code and
// the frame addresses that SIGQUIT adds.
func cleanDump(out string) string {
	blocks := strings.Split(out, "\n\n")
	kept := blocks[:0]
	for _, b := range blocks {
		if strings.HasPrefix(b, "goroutine ") && runtimeOnly(b) || registers.MatchString(b) {
			continue
		}
		b = frameAddrs.ReplaceAllString(b, "")
		b = headerAddrs.ReplaceAllString(b, "")
		kept = append(kept, b)
	}
	return strings.Join(kept, "\n\n")
}

// runtimeOnly reports whether every function in a goroutine's stack is the
// runtime's.
func runtimeOnly(block string) bool {
	lines := strings.Split(block, "\n")
	for _, l := range lines[1:] {
		if l == "" || strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "...") {
			continue
		}
		if !strings.HasPrefix(l, "runtime.") && !strings.HasPrefix(l, "created by runtime.") {
			return false
		}
	}
	return true
}

// stuckAt finds, in a goroutine dump, the first frame of a goroutine that
// is in the package's own code (a file of dir that is not a test file) and
// describes it: "crawler.coordinator at channel.go:25 [chan receive]".
func stuckAt(dump, dir string) string {
	for _, b := range strings.Split(dump, "\n\n") {
		if !strings.HasPrefix(b, "goroutine ") {
			continue
		}
		lines := strings.Split(b, "\n")
		state := ""
		if i, j := strings.Index(lines[0], "["), strings.LastIndex(lines[0], "]"); i >= 0 && j > i {
			state = lines[0][i : j+1]
		}
		for k := 2; k < len(lines); k++ {
			m := frameFile.FindStringSubmatch(lines[k])
			if m == nil || !strings.HasPrefix(m[1], dir+"/") || strings.HasSuffix(m[1], "_test.go") || strings.Contains(m[1][len(dir)+1:], "/") {
				continue
			}
			fn := lines[k-1]
			if i := strings.LastIndex(fn, "("); i > 0 {
				fn = fn[:i]
			}
			if i := strings.LastIndex(fn, "/"); i >= 0 {
				fn = fn[i+1:]
			}
			return fmt.Sprintf("%s at %s:%s %s", fn, path.Base(m[1]), m[2], state)
		}
	}
	return ""
}
