package session

// The tests of part A: the time-out that can be cancelled. They run in a
// testing/synctest bubble: time there is a fake clock that jumps ahead
// whenever every goroutine of the test is blocked, so a time-out of a
// second costs no time, and a test knows to the nanosecond when a callback
// ran. The handlers' lock is a chanLock, whose waiters synctest sees as
// blocked: a test can hold the lock while a timer fires, cancel the
// time-out while the timer's goroutine waits for the lock, and see what
// that goroutine does once it has it. The race of the lecture's note, which
// happens once in a while on a real clock, happens here every time.
// Run them with:
//
//	go test -race -run '^TestTimeout' ./session/

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golabs/internal/labtest"
)

// tmoD is the time-out of most tests' handlers, on the fake clock.
const tmoD = time.Second

// tmoLater is how long a test waits, on the fake clock, to see that a
// callback does not run (again): ten time-outs.
const tmoLater = 10 * tmoD

// tmoStuck bounds, in real time, how long a test's bubble may run. On the
// reference each takes milliseconds; a bubble that runs longer is stuck
// where no fake time can help, and the test binary is stopped with a
// message that says so.
const tmoStuck = 10 * time.Second

// tmoLeakAdvice is what a test that leaves goroutines behind is told.
const tmoLeakAdvice = "a time-out's goroutine must end once its callback has run, or once it is cancelled: wait in a " +
	"select on the registration's cancel channel and on the timer, and return on either (docs/session.md, part A)."

// tmoLeftAdvice is the likely cause of goroutines left blocked for good in a bubble.
const tmoLeftAdvice = "a time-out's goroutine waits for something that never comes: a timer that was stopped " +
	"(Timer.Stop does not close its channel, so a goroutine that receives from it waits for ever), or a " +
	"cancel signal nobody sends; or a Cancel waits to send on a cancel channel nobody reads (the lecture's " +
	"unbuffered channel, read once) (docs/session.md, part A)."

// tmoBlockCause is the likely cause of a call of the handler that does not return.
const tmoBlockCause = "the call waits for ever. Register, Cancel and Armed are called with mu held, so they must " +
	"not Lock it themselves; and Cancel must not wait to send on a cancel channel nobody reads: the lecture's " +
	"unbuffered cancel channel is read once, by the time-out's goroutine, which has stopped reading once its " +
	"timer fired (it waits for mu, which Cancel's caller holds) or once it was cancelled. Give each " +
	"registration a channel with room for one signal, make(chan struct{}, 1), and send without waiting: a " +
	"select with a default case (docs/session.md, part A)."

// tmoRecheckCause is the likely cause of a callback that runs after Cancel
// returned, its timer having fired before.
const tmoRecheckCause = "the timer had fired, and its goroutine was waiting for mu while the test, holding mu, " +
	"called Cancel. A lock does not stop a fired callback unless it re-checks after taking the lock: once " +
	"the time-out's goroutine holds mu, it must check again whether its registration was cancelled (a select " +
	"with a default case on its cancel channel), and return without calling the callback if so. Make sure " +
	"that Cancel's signal is not lost meanwhile: a non-blocking send on an unbuffered channel that nobody is " +
	"receiving from is dropped (docs/session.md, part A)."

// tmoStaleCause is the likely cause of an old registration's callback
// running after the handler was registered again.
const tmoStaleCause = "the old registration's goroutine, its timer fired, was waiting for mu while the handler " +
	"was cancelled and registered again; once it had mu it ran the callback. It checks whether the handler is " +
	"armed (a flag, or the handler's current cancel channel), not whether its own registration was cancelled. " +
	"Give each registration a cancel channel of its own, kept by its goroutine (docs/session.md, part A)."

// tmoUnlockedCause is the likely cause of a callback run without mu.
const tmoUnlockedCause = "the callback runs without mu: the lecture's first version, time.AfterFunc(d, callback), " +
	"runs it in the timer's goroutine, and it updates the session's state (the note's map of time-outs) while " +
	"an event handler holding mu updates it too: a data race. Lock mu in the time-out's goroutine, and call the " +
	"callback with it held (docs/session.md, part A)."

// tmoLingerCause is the likely cause of a goroutine still there after Cancel.
const tmoLingerCause = "the cancelled time-out's goroutine goes on waiting for its timer (or for ever, for a timer " +
	"that was stopped: Timer.Stop does not close its channel). Wait in a select on the registration's cancel " +
	"channel and on the timer, and return as soon as the cancel comes (docs/session.md, part A)."

// tmoEndCause is the likely cause of a goroutine still there after the callback ran.
const tmoEndCause = "the time-out's goroutine goes on after its callback: a loop that waits for the next tick or " +
	"the next cancel. A registration fires once; its goroutine returns after the callback, and only a new " +
	"Register (a retry, from the callback) starts another (docs/session.md, part A)."

// tmoEarlyCause is the likely cause of a callback that runs too soon.
const tmoEarlyCause = "the callback ran before d had passed since the last Register. Start a timer of h.d in " +
	"Register, each time it is called (docs/session.md, part A)."

// tmoLateCause is the likely cause of a callback that did not run at its time.
const tmoLateCause = "the callback did not run d after the last Register. Register starts a timer of h.d; when " +
	"it fires, the goroutine takes mu, checks that it was not cancelled, and calls the callback " +
	"(docs/session.md, part A)."

// tmoOnceCause is the likely cause of a callback that ran more than once.
const tmoOnceCause = "a registration fires once: its callback ran again, with no Register in between. A " +
	"time.Ticker, or a goroutine that loops, fires every d (docs/session.md, part A)."

// tmoCancelCause is the likely cause of a callback that runs though Cancel
// returned before its timer fired.
const tmoCancelCause = "Cancel, called before the timer fired, did not stop the callback: the cancel signal " +
	"never reached the registration's goroutine (sent on another registration's channel, or dropped), or the " +
	"goroutine does not wait for it (docs/session.md, part A)."

// tmoTwiceCause is the likely cause of two callbacks from two Registers.
const tmoTwiceCause = "Register does not cancel the registration still armed, so both timers fire. Register " +
	"must call Cancel first: the callback runs once, d after the last Register (docs/session.md, part A)."

// tmoArmedCause is the likely cause of a wrong Armed.
const tmoArmedCause = "Armed must say whether a registration is armed: true from Register until the callback " +
	"starts or Cancel returns, false after. Register sets the armed registration (its cancel channel); Cancel " +
	"clears it; so does the time-out's goroutine, once it holds mu and has checked it was not cancelled, just " +
	"before it calls the callback, so that the callback may Register again (docs/session.md, part A)."

// --- The bubble ------------------------------------------------------------------

// tmoEnv is one test's synctest bubble: the lock its handlers share, and
// the handlers it made, which are cancelled when it ends.
type tmoEnv struct {
	t       *testing.T // the bubble's
	mu      chanLock
	start   time.Time // when the bubble started, on the fake clock
	probes  []*tmoProbe
	holding bool   // the test's own goroutine holds mu
	bubble  string // the bubble's number, as goroutine dumps give it
}

// tmoRun runs f in a synctest bubble (see bubble), with a watchdog, outside
// it, that stops the test binary if the bubble has not ended within
// tmoStuck of real time. When f returns or fails, every handler it made is
// cancelled, so that a callback that re-arms itself stops.
func tmoRun(t *testing.T, f func(e *tmoEnv)) {
	t.Helper()
	stop, watched := make(chan struct{}), make(chan struct{})
	go tmoWatch(t.Name(), stop, watched)
	defer func() {
		close(stop)
		<-watched
	}()
	bubble(t, tmoLeftAdvice, func(t *testing.T) {
		e := &tmoEnv{t: t, mu: newChanLock(), start: time.Now(), bubble: tmoBubbleID()}
		t.Cleanup(e.cleanup)
		f(e)
	})
}

// tmoWatch stops the test binary if stop is not closed within tmoStuck.
func tmoWatch(name string, stop <-chan struct{}, watched chan<- struct{}) {
	defer close(watched)
	timer := time.NewTimer(tmoStuck)
	defer timer.Stop()
	select {
	case <-stop:
	case <-timer.C:
		panic(fmt.Sprintf("session: %s has run for %v of real time, and its synctest bubble has not ended (on "+
			"the reference it takes milliseconds), so it stops the test binary here.\nLikely cause: goroutines wait "+
			"for each other in a way no fake time can end, such as a sync.Mutex of your own held by a goroutine that "+
			"waits for something else; or the fake clock runs for ever: a time-out's goroutine that loops (a Ticker, "+
			"a timer reset in a loop) and that Cancel does not stop (docs/session.md, part A).\n\n"+
			"Goroutines running the lab's code:\n%s", name, tmoStuck, stacks()))
	}
}

// cleanup cancels every handler the test made, so that no callback re-arms
// itself for ever. A stub's panic is the test's failure already: it is
// ignored here.
func (e *tmoEnv) cleanup() {
	defer func() { recover() }()
	if !e.holding {
		e.lock()
	}
	defer e.unlock()
	for _, p := range e.probes {
		p.h.Cancel()
	}
}

// tmoBubbleRE finds the bubble of a goroutine in the header of its dump.
var tmoBubbleRE = regexp.MustCompile(`synctest bubble (\d+)`)

// tmoBubbleID returns the number of the caller's bubble.
func tmoBubbleID() string {
	buf := make([]byte, 512)
	buf = buf[:runtime.Stack(buf, false)]
	header, _, _ := strings.Cut(string(buf), "\n")
	if m := tmoBubbleRE.FindStringSubmatch(header); m != nil {
		return m[1]
	}
	return ""
}

// goroutines returns the dumps of the goroutines of the test's bubble that
// run the lab's code (not those an earlier test, failed, left blocked in
// its own), or "" if there is none.
func (e *tmoEnv) goroutines() string {
	var kept []string
	for _, g := range strings.Split(labtest.Goroutines(".", 1000), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		if m := tmoBubbleRE.FindStringSubmatch(header); strings.HasPrefix(header, "goroutine ") && m != nil &&
			m[1] == e.bubble {
			kept = append(kept, g)
		}
	}
	if len(kept) > 8 {
		kept = append(kept[:8], fmt.Sprintf("... and %d more goroutines", len(kept)-8))
	}
	return strings.Join(kept, "\n\n")
}

// stacks is goroutines for a message.
func (e *tmoEnv) stacks() string {
	if s := e.goroutines(); s != "" {
		return s
	}
	return "(none in the lab's own code)"
}

// lock and unlock take and release mu in the test's own goroutine.
func (e *tmoEnv) lock()   { e.mu.Lock(); e.holding = true }
func (e *tmoEnv) unlock() { e.holding = false; e.mu.Unlock() }

// since returns the fake time since the bubble started.
func (e *tmoEnv) since() time.Duration { return time.Since(e.start) }

// sleep lets d pass on the fake clock, then waits until every goroutine of
// the bubble is blocked: every callback due by then has run.
func (e *tmoEnv) sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// sleepUntil sleeps until the fake time since the bubble started is at.
func (e *tmoEnv) sleepUntil(at time.Duration) {
	e.t.Helper()
	if now := e.since(); now > at {
		e.t.Fatalf("the test is late: it is %v, and it meant to wait until %v", now, at)
	}
	e.sleep(at - e.since())
}

// call runs f, which calls the handler's code, in a goroutine of its own,
// and waits until every goroutine of the bubble is blocked, the fake clock
// standing still: f must have returned by then. what names the call for the
// message, and cause is the likely cause if it has not returned.
func (e *tmoEnv) call(what, cause string, f func()) {
	e.t.Helper()
	done := make(chan *tmoPanic, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- &tmoPanic{v, debug.Stack()}
				return
			}
			done <- nil
		}()
		f()
	}()
	synctest.Wait()
	select {
	case p := <-done:
		if p != nil {
			if s, ok := labtest.Stub(p.v); ok {
				e.t.Fatal(s)
			}
			e.t.Fatalf("%s panicked: %v\n\n%s", what, p.v, p.stack)
		}
	default:
		e.t.Fatalf("%s did not return: it was still blocked when every other goroutine of the test was blocked "+
			"too, the fake clock standing still.\nExpected: Register, Cancel and Armed return at once, whatever "+
			"the state of the handler.\nLikely cause: %s\n\nGoroutines running the lab's code:\n%s",
			what, cause, e.stacks())
	}
}

// locked is call with mu held around f, unless the test's goroutine holds
// it already, in which case the call is made on its behalf.
func (e *tmoEnv) locked(what, cause string, f func()) {
	e.t.Helper()
	if e.holding {
		e.call(what, cause, f)
		return
	}
	e.call(what, cause, func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		f()
	})
}

// tmoPanic is a panic that a call of the handler's code ended in.
type tmoPanic struct {
	v     any
	stack []byte
}

// noGoroutines fails the test if, once every goroutine of the bubble is
// blocked, a goroutine is running the lab's code. when says when, cause is
// the likely cause.
func (e *tmoEnv) noGoroutines(when, cause string) {
	e.t.Helper()
	synctest.Wait()
	e.noneLeft(e.goroutines(), when, cause)
}

// noneLeft fails the test if s, the goroutines of the bubble running the
// lab's code at the time when says, is not empty.
func (e *tmoEnv) noneLeft(s, when, cause string) {
	e.t.Helper()
	if s != "" {
		e.t.Fatalf("%s, goroutines were still running the handler's code.\nExpected: a time-out's goroutine "+
			"ends once its callback has run, or as soon as it is cancelled.\nLikely cause: %s\n\n"+
			"Goroutines running the lab's code:\n%s", when, cause, s)
	}
}

// tmoHeld reports whether l is held, without taking it: a goroutine that
// took it and gave it back would make it look held to others meanwhile.
func tmoHeld(l chanLock) bool { return len(l) == 1 }

// --- A handler under test -----------------------------------------------------------

// tmoProbe is a TimeoutHandler on the test's lock whose callback records
// when it runs, and whether mu was held.
type tmoProbe struct {
	e    *tmoEnv
	name string // for messages: "the handler (d = 1s)"
	h    *TimeoutHandler

	rec      sync.Mutex      // guards what follows: a callback run without mu must not race with the test
	runs     []time.Duration // when the callback ran, since the bubble started
	unlocked []time.Duration // when it ran without mu held
	inside   func(n int)     // if set, the callback calls it after recording its nth run
}

// probe makes a handler with time-out d on the test's lock.
func (e *tmoEnv) probe(d time.Duration) *tmoProbe {
	e.t.Helper()
	p := &tmoProbe{e: e, name: fmt.Sprintf("the handler (d = %v)", d)}
	try(e.t, "NewTimeoutHandler", func() { p.h = NewTimeoutHandler(e.mu, d, p.callback) })
	if p.h == nil {
		e.t.Fatalf("NewTimeoutHandler returned nil (docs/session.md, part A)")
	}
	e.probes = append(e.probes, p)
	return p
}

// callback is the handler's callback.
func (p *tmoProbe) callback() {
	held := tmoHeld(p.e.mu)
	now := p.e.since()
	p.rec.Lock()
	p.runs = append(p.runs, now)
	if !held {
		p.unlocked = append(p.unlocked, now)
	}
	n, inside := len(p.runs), p.inside
	p.rec.Unlock()
	if inside != nil {
		inside(n)
	}
}

// setInside sets what the callback calls after recording a run.
func (p *tmoProbe) setInside(f func(n int)) {
	p.rec.Lock()
	defer p.rec.Unlock()
	p.inside = f
}

// ran returns when the callback ran, and when it ran without mu.
func (p *tmoProbe) ran() (runs, unlocked []time.Duration) {
	p.rec.Lock()
	defer p.rec.Unlock()
	return append([]time.Duration(nil), p.runs...), append([]time.Duration(nil), p.unlocked...)
}

// register, cancel and armed call the handler's methods with mu held (see
// locked). when says when, for the message of a call that blocks.
func (p *tmoProbe) register(when string) {
	p.e.t.Helper()
	p.e.locked(fmt.Sprintf("Register of %s, %s,", p.name, when), tmoBlockCause, p.h.Register)
}

func (p *tmoProbe) cancel(when string) {
	p.e.t.Helper()
	p.e.locked(fmt.Sprintf("Cancel of %s, %s,", p.name, when), tmoBlockCause, p.h.Cancel)
}

func (p *tmoProbe) armed(when string) bool {
	p.e.t.Helper()
	var a bool
	p.e.locked(fmt.Sprintf("Armed of %s, %s,", p.name, when), tmoBlockCause, func() { a = p.h.Armed() })
	return a
}

// wantArmed fails the test if Armed is not want. story tells what the test
// did, cause is the likely cause.
func (p *tmoProbe) wantArmed(want bool, story, cause string) {
	p.e.t.Helper()
	if got := p.armed("at " + p.e.since().String()); got != want {
		p.e.t.Fatalf("%s: Armed returned %v, want %v.\nLikely cause: %s", story, got, want, cause)
	}
}

// want fails the test unless the callback has run at exactly the times
// given, since the bubble started, and each time with mu held. story tells
// what the test did, cause is the likely cause.
func (p *tmoProbe) want(story, cause string, at ...time.Duration) {
	p.e.t.Helper()
	runs, unlocked := p.ran()
	if len(unlocked) > 0 {
		p.e.t.Fatalf("%s: the callback of %s ran without mu held (%s).\nExpected: the callback runs with mu "+
			"held, like every other event of the session.\nLikely cause: %s",
			story, p.name, tmoTimes(unlocked), tmoUnlockedCause)
	}
	same := len(runs) == len(at)
	for i := 0; same && i < len(at); i++ {
		same = runs[i] == at[i]
	}
	if !same {
		p.e.t.Fatalf("%s: by %v, the callback of %s had run %s; want %s.\nLikely cause: %s",
			story, p.e.since(), p.name, tmoTimes(runs), tmoTimes(at), cause)
	}
}

// tmoTimes says when a callback ran, for a message: "never", "once, at 1s",
// "3 times, at 1s, 2s, 3s"; the first 10 times only.
func tmoTimes(at []time.Duration) string {
	var s []string
	for _, d := range at[:min(10, len(at))] {
		s = append(s, d.String())
	}
	if len(at) > 10 {
		s = append(s, "...")
	}
	switch len(at) {
	case 0:
		return "never"
	case 1:
		return "once, at " + s[0]
	}
	return fmt.Sprintf("%d times, at %s", len(at), strings.Join(s, ", "))
}

// --- A. The time-out ---------------------------------------------------------------

// TestTimeoutFiresOnce registers handlers and checks that each callback
// runs once, exactly d after Register (not a nanosecond before), with mu
// held, and never again; and that no goroutine is left once it has run.
func TestTimeoutFiresOnce(t *testing.T) {
	labtest.NoLeaks(t, "the test", tmoLeakAdvice)
	tmoRun(t, func(e *tmoEnv) {
		for _, c := range []struct {
			wait, d time.Duration // wait, then Register a handler with time-out d
		}{{0, tmoD}, {2500 * time.Millisecond, RetryInterval}, {time.Nanosecond, HalfOpenTimeout}} {
			p := e.probe(c.d)
			e.sleep(c.wait)
			at := e.since()
			p.register(fmt.Sprintf("at %v", at))
			story := fmt.Sprintf("Register of %s at %v", p.name, at)
			e.sleepUntil(at + c.d - time.Nanosecond)
			p.want(story+", then 1ns before its time-out", tmoEarlyCause)
			e.sleep(time.Nanosecond)
			p.want(story+", then its time-out, d later", tmoLateCause, at+c.d)
			e.noGoroutines(fmt.Sprintf("%s, once its callback had run", story), tmoEndCause)
			e.sleep(tmoLater)
			p.want(story+", then 10 time-outs more", tmoOnceCause, at+c.d)
		}
	})
}

// TestTimeoutCancel cancels registrations before their timers fire: at
// once, half-way, and 1ns before. The callback never runs, the goroutine
// of the registration ends as soon as Cancel has returned, and the handler
// can be registered again: it then fires d after the new Register.
func TestTimeoutCancel(t *testing.T) {
	labtest.NoLeaks(t, "the test", tmoLeakAdvice)
	tmoRun(t, func(e *tmoEnv) {
		for _, after := range []time.Duration{0, tmoD / 2, tmoD - time.Nanosecond} {
			p := e.probe(tmoD)
			start := e.since()
			p.register(fmt.Sprintf("at %v", start))
			e.sleep(after)
			p.cancel(fmt.Sprintf("%v after Register", after))
			story := fmt.Sprintf("Register of %s at %v, then Cancel %v later", p.name, start, after)
			e.noGoroutines(story+", right after Cancel returned", tmoLingerCause)
			p.wantArmed(false, story, tmoArmedCause)
			e.sleep(tmoLater)
			p.want(story+", then 10 time-outs more", tmoCancelCause)

			again := e.since()
			p.register(fmt.Sprintf("again at %v", again))
			story += fmt.Sprintf(", then Register again at %v", again)
			e.sleep(tmoD)
			p.want(story+", then 1s more", "Register after Cancel must arm the handler again, as new: a flag "+
				"that Cancel sets and Register does not clear stops every later callback too (docs/session.md, part A).",
				again+tmoD)
			e.noGoroutines(story+", once its callback had run", tmoEndCause)
		}
	})
}

// TestTimeoutCancelAfterFire is the race of the lecture's note, made to
// happen every time: the test holds mu as the timer fires, so that the
// timer's goroutine waits for mu; then, still holding it, it cancels the
// time-out (or cancels and registers again, or registers again), and lets
// go of mu. The cancelled callback must never run: its goroutine checks
// again, once it has mu, whether it was cancelled.
func TestTimeoutCancelAfterFire(t *testing.T) {
	labtest.NoLeaks(t, "the test", tmoLeakAdvice)
	for _, c := range []struct {
		name   string
		cancel bool // Cancel, as the timer's goroutine waits for mu
		again  bool // then Register
		cause  string
	}{
		{"cancel", true, false, tmoRecheckCause},
		{"cancel and register again", true, true, tmoStaleCause},
		{"register again", false, true, tmoTwiceCause + " Its timer may have fired already, its goroutine " +
			"waiting for mu: Register must cancel it all the same. Or: " + tmoStaleCause},
	} {
		ok := t.Run(c.name, func(t *testing.T) {
			tmoRun(t, func(e *tmoEnv) {
				p := e.probe(tmoD)
				p.register("at 0s")
				e.lock()
				e.sleep(tmoD) // the timer fires; its goroutine waits for mu
				story := fmt.Sprintf("Register of %s at 0s; the test took mu, and held it as the timer fired at 1s",
					p.name)
				p.want(story, "the callback ran while the test held mu; "+tmoUnlockedCause)
				if c.cancel {
					p.cancel("at 1s, with mu held by the test after the timer had fired")
					story += ", then called Cancel"
				}
				if c.again {
					p.register("at 1s, with mu held by the test after the timer had fired")
					story += ", then Register"
				}
				e.unlock()
				synctest.Wait()
				story += ", then let go of mu"
				if !c.again {
					p.wantArmed(false, story, tmoArmedCause)
					p.want(story, c.cause)
					e.noGoroutines(story, tmoLingerCause)
					e.sleep(tmoLater)
					p.want(story+", then waited 10 time-outs more", c.cause)
					return
				}
				p.want(story, c.cause)
				e.sleepUntil(2*tmoD - time.Nanosecond)
				p.want(story+", then waited until 1ns before 2s", c.cause)
				e.sleep(time.Nanosecond)
				p.want(story+", then waited until 2s, d after the last Register", tmoLateCause, 2*tmoD)
				e.noGoroutines(story+", once the new registration's callback had run", tmoEndCause)
				e.sleep(tmoLater)
				p.want(story+", then waited 10 time-outs more", tmoOnceCause, 2*tmoD)
			})
		})
		if !ok {
			return
		}
	}
}

// TestTimeoutCancelNeverBlocks calls Cancel in every state a handler can
// be in, several times, from several goroutines at once, and from a
// callback: each returns at once. The lecture's third version, whose
// cancel channel is unbuffered and read once, blocks the second Cancel for
// ever, with mu held.
func TestTimeoutCancelNeverBlocks(t *testing.T) {
	labtest.NoLeaks(t, "the test", tmoLeakAdvice)
	t.Run("nothing registered", func(t *testing.T) {
		tmoRun(t, func(e *tmoEnv) {
			p := e.probe(tmoD)
			p.cancel("of a new handler")
			p.cancel("of a new handler, a second time")
			p.wantArmed(false, "a new handler, cancelled twice", tmoArmedCause)
			p.register("at 0s, after two Cancels")
			e.sleep(tmoD)
			p.want("two Cancels of a new handler, then Register at 0s, then 1s", tmoLateCause, tmoD)
		})
	})
	t.Run("twice", func(t *testing.T) {
		tmoRun(t, func(e *tmoEnv) {
			p := e.probe(tmoD)
			p.register("at 0s")
			e.sleep(tmoD / 2)
			p.cancel("at 0.5s")
			p.cancel("at 0.5s, a second time")
			p.cancel("at 0.5s, a third time")
			e.sleep(tmoLater)
			p.want("Register at 0s, then three Cancels at 0.5s, then 10 time-outs", tmoCancelCause)
		})
	})
	t.Run("after it ran", func(t *testing.T) {
		tmoRun(t, func(e *tmoEnv) {
			p := e.probe(tmoD)
			p.register("at 0s")
			e.sleep(tmoD)
			p.want("Register at 0s, then 1s", tmoLateCause, tmoD)
			p.cancel("at 1s, after its callback ran")
			p.cancel("at 1s, after its callback ran, a second time")
			e.sleep(tmoLater)
			p.want("Register at 0s, then 1s, then two Cancels", tmoOnceCause, tmoD)
		})
	})
	t.Run("twice after the timer fired", func(t *testing.T) {
		tmoRun(t, func(e *tmoEnv) {
			p := e.probe(tmoD)
			p.register("at 0s")
			e.lock()
			e.sleep(tmoD)
			p.cancel("at 1s, with mu held by the test after the timer had fired")
			p.cancel("at 1s, with mu held by the test after the timer had fired, a second time")
			e.unlock()
			e.sleep(tmoLater)
			p.want("Register at 0s; the test held mu as the timer fired at 1s, called Cancel twice, and let go "+
				"of mu", tmoRecheckCause)
		})
	})
	t.Run("from many goroutines", func(t *testing.T) {
		tmoRun(t, func(e *tmoEnv) {
			p := e.probe(tmoD)
			p.cancel("of a new handler")
			p.register("at 0s")
			e.sleep(tmoD / 2)
			const n = 8
			done := make(chan struct{}, n)
			for range n {
				go func() {
					e.mu.Lock()
					defer e.mu.Unlock()
					p.h.Cancel()
					done <- struct{}{}
				}()
			}
			synctest.Wait()
			if len(done) != n {
				e.t.Fatalf("%d goroutines called Cancel at 0.5s, each with mu held, on a handler registered at 0s; "+
					"only %d of the Cancels returned.\nExpected: every Cancel returns at once, however many come."+
					"\nLikely cause: %s\n\nGoroutines running the lab's code:\n%s", n, len(done), tmoBlockCause, e.stacks())
			}
			e.sleep(tmoLater)
			p.want(fmt.Sprintf("Register at 0s, then %d Cancels at 0.5s from %d goroutines, then 10 time-outs", n, n),
				tmoCancelCause)
		})
	})
	t.Run("from the callback", func(t *testing.T) {
		tmoRun(t, func(e *tmoEnv) {
			p, q := e.probe(tmoD), e.probe(3*tmoD)
			p.cancel("of a new handler")
			returned := make(chan struct{}, 1)
			p.setInside(func(n int) {
				if n > 1 {
					return
				}
				p.h.Cancel() // its own, which has fired: nothing to do
				p.h.Register()
				p.h.Cancel()
				q.h.Cancel() // another handler on the same lock, armed
				returned <- struct{}{}
			})
			p.register("at 0s")
			q.register("at 0s")
			e.sleep(tmoD)
			if len(returned) == 0 {
				e.t.Fatalf("the callback of %s, which called Cancel of its own handler, then Register and Cancel, "+
					"then Cancel of another handler on the same lock, had not returned once every goroutine of the "+
					"test was blocked.\nExpected: Cancel returns at once, from the callback too.\nLikely cause: %s"+
					"\n\nGoroutines running the lab's code:\n%s", p.name, tmoBlockCause, e.stacks())
			}
			story := "both registered at 0s; at 1s, the callback of the first called Cancel, Register and Cancel of " +
				"its own handler, and Cancel of the second; then 10 time-outs"
			e.sleep(tmoLater)
			p.want(story, "Register then Cancel, from the callback, must leave nothing armed. "+tmoCancelCause, tmoD)
			q.want(story, "Cancel, called from another handler's callback, must stop this handler's callback. "+
				tmoCancelCause)
			e.noGoroutines(story, tmoLingerCause)
		})
	})
}

// TestTimeoutReRegister registers handlers that are still armed: the
// callback runs once, d after the last Register. A handler registered
// again every d/2, as a keep-alive does, never fires until the last one.
func TestTimeoutReRegister(t *testing.T) {
	labtest.NoLeaks(t, "the test", tmoLeakAdvice)
	tmoRun(t, func(e *tmoEnv) {
		p := e.probe(tmoD)
		p.register("at 0s")
		p.register("at 0s, a second time")
		e.sleep(tmoLater)
		p.want("Register twice at 0s, then 10 time-outs", tmoTwiceCause, tmoD)

		q := e.probe(tmoD)
		start := e.since()
		for i := range 10 {
			at := start + time.Duration(i)*tmoD/2
			e.sleepUntil(at)
			q.register(fmt.Sprintf("at %v, while armed", at))
		}
		last := e.since()
		story := fmt.Sprintf("Register of %s every 0.5s from %v to %v", q.name, start, last)
		e.sleepUntil(last + tmoD - time.Nanosecond)
		q.want(story+", then until 1ns before d after the last", tmoTwiceCause)
		e.sleep(time.Nanosecond)
		q.want(story+", then d after the last", tmoLateCause, last+tmoD)
		e.sleep(tmoLater)
		q.want(story+", then 10 time-outs more", tmoTwiceCause, last+tmoD)
		e.noGoroutines(story+", once its callback had run", tmoEndCause)
	})
}

// TestTimeoutRetry is the lecture's SYN retry: the callback registers its
// handler again, so it runs every d, until Cancel stops it for good. In the
// second case Cancel comes as the timer fires again: the test holds mu at
// that moment, the note's race between the callback that re-arms itself
// and the event handler that cancels it.
func TestTimeoutRetry(t *testing.T) {
	labtest.NoLeaks(t, "the test", tmoLeakAdvice)
	const k = 5
	const limit = 20 // a callback re-arms itself at most this many times, so that a broken Cancel cannot run for ever
	every := func(n int) []time.Duration {
		at := make([]time.Duration, n)
		for i := range at {
			at[i] = time.Duration(i+1) * RetryInterval
		}
		return at
	}
	retry := func(p *tmoProbe) {
		p.setInside(func(n int) {
			if n < limit {
				p.h.Register()
			}
		})
	}
	t.Run("every d", func(t *testing.T) {
		tmoRun(t, func(e *tmoEnv) {
			p := e.probe(RetryInterval)
			retry(p)
			p.register("at 0s")
			e.sleepUntil(k*RetryInterval + RetryInterval/2)
			story := fmt.Sprintf("Register of %s at 0s, its callback registering it again", p.name)
			p.want(story, "the callback's Register must arm the handler again: it runs every d; "+tmoLateCause,
				every(k)...)
			p.wantArmed(true, story+", between two runs", "after the callback's Register, the handler is armed. A time-out's goroutine that "+
				"clears the armed registration after the callback, not before, wipes out the one the callback has just "+
				"made, and Cancel can no longer reach it: the note's lost reference. "+tmoArmedCause)
			p.cancel(fmt.Sprintf("at %v, between two runs", e.since()))
			story += fmt.Sprintf(", then Cancel at %v", e.since())
			p.wantArmed(false, story, tmoArmedCause)
			e.noGoroutines(story+", right after Cancel returned", tmoLingerCause)
			e.sleep(tmoLater)
			p.want(story+", then 10 time-outs more", tmoCancelCause, every(k)...)
		})
	})
	t.Run("cancel as it fires", func(t *testing.T) {
		tmoRun(t, func(e *tmoEnv) {
			p := e.probe(RetryInterval)
			retry(p)
			p.register("at 0s")
			e.sleepUntil(k*RetryInterval - RetryInterval/2)
			e.lock()
			e.sleep(RetryInterval / 2) // the timer fires; its goroutine waits for mu
			p.cancel(fmt.Sprintf("at %v, with mu held by the test as the timer fired", e.since()))
			e.unlock()
			synctest.Wait()
			story := fmt.Sprintf("Register of %s at 0s, its callback registering it again; the test took mu "+
				"before %v and held it as the timer fired, called Cancel, and let go of mu", p.name, k*RetryInterval)
			p.want(story, tmoRecheckCause, every(k-1)...)
			p.wantArmed(false, story, tmoArmedCause)
			e.noGoroutines(story, tmoLingerCause)
			e.sleep(tmoLater)
			p.want(story+", then 10 time-outs more", tmoRecheckCause, every(k-1)...)
		})
	})
}

// TestTimeoutArmed checks Armed through a handler's life: new, registered,
// about to fire, in its own callback before and after it registers again,
// fired, cancelled (before its timer fired, and after), registered twice.
func TestTimeoutArmed(t *testing.T) {
	labtest.NoLeaks(t, "the test", tmoLeakAdvice)
	tmoRun(t, func(e *tmoEnv) {
		p := e.probe(tmoD)
		p.wantArmed(false, "a new handler", "a handler is not armed until Register is called. "+tmoArmedCause)
		var (
			insideMu sync.Mutex // a callback run without mu must not race with the test
			inside   []bool     // Armed in the callback, before and after its Register
		)
		p.setInside(func(n int) {
			if n == 1 {
				before := p.h.Armed()
				p.h.Register()
				after := p.h.Armed()
				insideMu.Lock()
				inside = append(inside, before, after)
				insideMu.Unlock()
			}
		})
		p.register("at 0s")
		p.wantArmed(true, "Register at 0s", tmoArmedCause)
		e.sleepUntil(tmoD - time.Nanosecond)
		p.wantArmed(true, "Register at 0s, then 1ns before its time-out", tmoArmedCause)
		e.sleep(time.Nanosecond)
		p.want("Register at 0s, then 1s", tmoLateCause, tmoD)
		insideMu.Lock()
		got := inside
		insideMu.Unlock()
		if len(got) != 2 || got[0] || !got[1] {
			e.t.Fatalf("Register at 0s; at 1s, in its callback, Armed returned %v, then the callback called Register, "+
				"and Armed returned %v; want false, then true.\nLikely cause: %s",
				tmoAt(got, 0), tmoAt(got, 1), tmoArmedCause)
		}
		p.wantArmed(true, "Register at 0s, and again in its callback at 1s", tmoArmedCause)
		e.sleep(tmoD)
		p.want("Register at 0s, and again in its callback at 1s, then 2s", tmoLateCause, tmoD, 2*tmoD)
		p.wantArmed(false, "Register at 0s, and again in its callback at 1s; it ran again at 2s", tmoArmedCause)

		p.register("at 2s")
		p.cancel("at 2s")
		p.wantArmed(false, "Register, then Cancel", tmoArmedCause)

		p.register("at 2s")
		e.lock()
		e.sleep(tmoD)
		p.cancel("at 3s, with mu held by the test after the timer had fired")
		p.wantArmed(false, "Register at 2s; the test held mu as the timer fired at 3s, and called Cancel",
			tmoArmedCause)
		e.unlock()
		synctest.Wait()
		p.wantArmed(false, "Register at 2s; the test held mu as the timer fired at 3s, called Cancel, and let go "+
			"of mu", tmoArmedCause)

		p.register("at 3s")
		p.register("at 3s, a second time")
		p.wantArmed(true, "Register twice", tmoArmedCause)
		p.cancel("at 3s")
		p.wantArmed(false, "Register twice, then Cancel", tmoArmedCause)
		e.sleep(tmoLater)
		p.want("Register twice at 3s, then Cancel, then 10 time-outs", tmoCancelCause, tmoD, 2*tmoD)
	})
}

// tmoAt is the ith value of Armed the callback saw, for a message.
func tmoAt(got []bool, i int) string {
	if i < len(got) {
		return fmt.Sprint(got[i])
	}
	return "nothing (the callback did not run, or did not call it)"
}

// --- Many handlers at once -----------------------------------------------------------

// tmoEvent is the last thing that happened to a handler in the stress
// test, for the message of a callback that broke the rules.
type tmoEvent struct {
	what string        // "Register", "Cancel returned", "its callback ran" ...
	at   time.Duration // when
	by   string        // who: "a worker", "the callback of handler 3"
}

func (ev tmoEvent) String() string {
	if ev.what == "" {
		return "it had never been registered"
	}
	return fmt.Sprintf("the last thing that happened to it was %s at %v, by %s", ev.what, ev.at, ev.by)
}

// tmoStress is the shared state of the stress test: the note's map of
// time-outs, touched only with mu held, by the workers (the event
// handlers) and by the callbacks.
type tmoStress struct {
	e     *tmoEnv
	h     []*TimeoutHandler
	d     []time.Duration
	r     *rand.Rand            // the callbacks', used with mu held
	due   map[int]time.Duration // handler -> when its armed registration is due; absent: not armed
	last  map[int]tmoEvent      // handler -> the last thing that happened to it
	runs  int                   // callbacks run
	bad   map[string][]string   // kind of broken rule -> what happened
	extra int                   // Registers the callbacks may still make

	// worker is true while a worker (or the test) holds mu: a callback that
	// finds mu held then runs without it.
	worker     atomic.Bool
	unlockedMu sync.Mutex // guards unlocked, which callbacks run without mu add to
	unlocked   []string
}

// The kinds of broken rules of the stress test.
const (
	tmoKindNotArmed = "a callback ran though its handler was not armed"
	tmoKindEarly    = "a callback ran before it was due"
	tmoKindArmed    = "Armed was wrong"
)

// broke records a broken rule.
func (s *tmoStress) broke(kind, format string, args ...any) {
	s.bad[kind] = append(s.bad[kind], fmt.Sprintf(format, args...))
}

// register and cancel call handler i's methods, with mu held, and keep the
// map up to date.
func (s *tmoStress) register(i int, by string) {
	s.h[i].Register()
	now := s.e.since()
	s.due[i] = now + s.d[i]
	s.last[i] = tmoEvent{"Register", now, by}
}

func (s *tmoStress) cancel(i int, by string) {
	s.h[i].Cancel()
	delete(s.due, i)
	s.last[i] = tmoEvent{"Cancel returned", s.e.since(), by}
}

// checkArmed checks Armed of handler i, with mu held. A registration whose
// timer has fired, its goroutine waiting for mu, is not checked.
func (s *tmoStress) checkArmed(i int) {
	due, ok := s.due[i]
	if ok && due <= s.e.since() {
		return
	}
	if got := s.h[i].Armed(); got != ok {
		s.broke(tmoKindArmed, "at %v, Armed of handler %d returned %v, want %v: %v", s.e.since(), i, got, ok, s.last[i])
	}
}

// callback is handler i's: it checks that it holds mu, that its
// registration is the armed one, and that it is due; then, at random, it
// registers its handler again (a retry) or cancels another (an event).
func (s *tmoStress) callback(i int) {
	now := s.e.since()
	if !tmoHeld(s.e.mu) || s.worker.Load() {
		// Nothing else may be touched without mu: the check stops here.
		s.unlockedMu.Lock()
		s.unlocked = append(s.unlocked, fmt.Sprintf("handler %d's callback ran at %v without mu held", i, now))
		s.unlockedMu.Unlock()
		return
	}
	s.runs++
	due, ok := s.due[i]
	switch {
	case !ok:
		s.broke(tmoKindNotArmed, "handler %d's callback ran at %v, but %v", i, now, s.last[i])
	case now < due: // it may run later, if mu was held when it was due
		s.broke(tmoKindEarly, "handler %d's callback ran at %v, but its armed registration was due at %v; %v",
			i, now, due, s.last[i])
	}
	delete(s.due, i)
	by := fmt.Sprintf("the callback of handler %d", i)
	s.last[i] = tmoEvent{"its callback ran", now, by}
	switch x := s.r.IntN(4); {
	case x < 2 && s.extra > 0:
		s.extra--
		s.register(i, by)
	case x == 2:
		s.cancel(s.r.IntN(len(s.h)), by)
	}
}

// TestTimeoutStress runs many handlers on one lock, with random time-outs,
// and goroutines that register, cancel and check them at random, now and
// then holding mu while timers fire; callbacks register their handler again
// or cancel another. Every callback must run with mu held, not before d has
// passed since the last Register of its handler (later, if mu was held
// then), and never once Cancel has returned; Armed must say so. Once all
// are cancelled, no goroutine may be left.
func TestTimeoutStress(t *testing.T) {
	labtest.NoLeaks(t, "the test", tmoLeakAdvice)
	seed := labtest.Seed(t)
	const (
		handlers = 16
		workers  = 6
		ops      = 150 // per worker
	)
	tmoRun(t, func(e *tmoEnv) {
		s := &tmoStress{
			e: e, r: rand.New(rand.NewPCG(seed, 0)), extra: 300,
			due: map[int]time.Duration{}, last: map[int]tmoEvent{}, bad: map[string][]string{},
		}
		for i := range handlers {
			s.d = append(s.d, time.Duration(1+i%3)*tmoD/2) // 0.5s, 1s, 1.5s
			p := e.probe(s.d[i])
			s.h = append(s.h, p.h)
			p.setInside(func(int) { s.callback(i) })
		}
		// The first calls, where a stub fails.
		for _, p := range e.probes {
			p.register("at 0s")
			p.armed("at 0s")
			p.cancel("at 0s")
		}
		for i := range handlers {
			s.last[i] = tmoEvent{"Cancel returned", e.since(), "the test"}
		}
		labtest.Replay(e.t, seed)

		done := make(chan struct{}, workers)
		for w := range workers {
			r := rand.New(rand.NewPCG(seed, uint64(w)+1))
			go func() {
				defer func() { done <- struct{}{} }()
				by := fmt.Sprintf("worker %d", w)
				for range ops {
					time.Sleep(time.Duration(r.IntN(5)) * tmoD / 4) // 0 to 1s, by quarters: timers fire at the same moments
					e.mu.Lock()
					s.worker.Store(true)
					i := r.IntN(handlers)
					switch x := r.IntN(10); {
					case x < 4:
						s.register(i, by)
					case x < 6:
						s.cancel(i, by)
					case x < 8:
						s.checkArmed(i)
					default:
						// Hold mu while timers fire, then cancel: the note's race.
						time.Sleep(time.Duration(1+r.IntN(2)) * tmoD / 4)
						s.checkArmed(i)
						s.cancel(i, by)
					}
					s.worker.Store(false)
					e.mu.Unlock()
				}
			}()
		}
		for range workers {
			<-done
		}
		// The link goes down: every handler is registered (a last retry),
		// then cancelled, at once.
		e.lock()
		s.worker.Store(true)
		for i := range handlers {
			s.register(i, "the test, at the end")
		}
		for i := range handlers {
			s.cancel(i, "the test, at the end")
		}
		s.worker.Store(false)
		e.unlock()
		story := fmt.Sprintf("%d handlers, %d workers registering and cancelling them %d times each", handlers,
			workers, ops)
		synctest.Wait()
		left := e.goroutines() // reported after the broken rules, which say more
		e.sleep(tmoLater)
		e.lock()
		s.worker.Store(true)
		defer e.unlock()
		s.unlockedMu.Lock()
		unlocked := s.unlocked
		s.unlockedMu.Unlock()
		if len(unlocked) > 0 {
			e.t.Fatalf("%s: %d callbacks ran without mu held; the first:\n\t%s\nLikely cause: %s", story,
				len(unlocked), strings.Join(unlocked[:min(3, len(unlocked))], "\n\t"), tmoUnlockedCause)
		}
		if e.t.Failed() {
			return
		}
		var msgs []string
		for _, kind := range []string{tmoKindNotArmed, tmoKindEarly, tmoKindArmed} {
			bad := s.bad[kind]
			if len(bad) == 0 {
				continue
			}
			cause := map[string]string{
				tmoKindNotArmed: tmoRecheckCause,
				tmoKindEarly:    tmoTwiceCause + " Or: " + tmoStaleCause,
				tmoKindArmed:    tmoArmedCause,
			}[kind]
			msgs = append(msgs, fmt.Sprintf("%d times, %s; the first:\n\t%s\nLikely cause: %s",
				len(bad), kind, strings.Join(bad[:min(3, len(bad))], "\n\t"), cause))
		}
		if len(msgs) > 0 {
			e.t.Fatalf("%s: %d callbacks ran, and the rules were broken.\nExpected: each callback runs with mu "+
				"held, not before d has passed since the last Register of its handler, never once Cancel has returned; "+
				"Armed says whether "+
				"a registration is armed.\n\n%s", story, s.runs, strings.Join(msgs, "\n\n"))
		}
		e.noneLeft(left, story+", then every handler registered and cancelled", tmoLingerCause)
		if s.runs < 50 {
			e.t.Fatalf("%s: only %d callbacks ran; the test expected many more (docs/session.md, part A)", story, s.runs)
		}
	})
}
