package session

// The tests of part B: the session state machine, one endpoint at a time.
// The test is both the link and the other end: it calls the endpoint's
// methods (the link events, the packets that arrive, Send), and the Config
// it gives the endpoint records every packet sent and every DATA delivered;
// its NewID makes predictable IDs (101, 102, ...). They run in a
// testing/synctest bubble: time there is a fake clock that jumps ahead
// whenever every goroutine of the test is blocked, so a 3-second retry or a
// 10-second give-up costs no time, and a test knows to the nanosecond when
// each packet was sent. After every event a test checks the state, the
// session ID, and exactly what was sent and delivered:
//
//   - the handshake, of each role (TestEndpointInitiatorHandshake,
//     TestEndpointResponderHandshake);
//   - the time-outs: SYN resent every RetryInterval until the SYN-ACK
//     (TestEndpointRetry); SYN-ACK resent, and the half-open session given
//     up at HalfOpenTimeout (TestEndpointHalfOpen);
//   - session IDs and sequence numbers: packets of another session dropped
//     (TestEndpointWrongSessionID); each DATA delivered once, in order
//     (TestEndpointSequence); the note's restart bug, at the responder
//     (TestEndpointRestart) and at the initiator (TestEndpointNewSession);
//   - LinkDown and Close (TestEndpointLinkDown, TestEndpointClose);
//   - the transition table itself, row by row, against a seeded random run
//     of link events, packets and time passing (TestEndpointTable); and
//     events from many goroutines at once, under the race detector
//     (TestEndpointConcurrent).
//
// A call of the endpoint that never returns, or a fake clock that stands
// still (a goroutine waiting for a lock does not let it move), stops the
// test binary within seconds with what was stuck. Run them with:
//
//	go test -race -run '^TestEndpoint' ./session/

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golabs/internal/labtest"
)

const (
	// fsmFirstID is the first ID the tests' NewID makes; then 102, 103 ...
	fsmFirstID ID = 101
	// fsmQuiet is "however long you wait", on the fake clock: a retry
	// left armed fires 20 times in it.
	fsmQuiet = time.Minute
	// fsmKeep bounds the packets an endpoint's record keeps: an endpoint
	// that resends for ever must not fill the memory before it is caught.
	fsmKeep = 10000
	// fsmPoll is how often the watchdog looks, in real time.
	fsmPoll = 20 * time.Millisecond
)

// fsmLeakAdvice is what a test that leaves goroutines behind is told.
const fsmLeakAdvice = "every goroutine of the endpoint ends once its time-outs are cancelled or have fired " +
	"(docs/session.md, parts A and B)."

// fsmLeftAdvice is the likely cause of goroutines left blocked for good.
const fsmLeftAdvice = "a goroutine of the endpoint waits on a channel that nothing will ever send on or close: " +
	"the note's Cancel, which sends on an unbuffered channel that the timer's goroutine no longer reads, or a " +
	"timer's goroutine that waits for a signal after its time-out has fired or been cancelled " +
	"(docs/session.md, parts A and B)."

// fsmCallCause is the likely cause of a call of the endpoint that never
// returns.
const fsmCallCause = "the call waits for the endpoint's lock, which another goroutine holds for ever, or it " +
	"waits, lock held, for something that never comes. A TimeoutHandler runs its callback with mu already " +
	"held (part A): a callback that calls e.mu.Lock(), or a method of the endpoint that locks (State, " +
	"LinkDown, Send ...), waits for itself, and every later call waits behind it. A method that calls " +
	"another locking method does the same; so does a path that returns without Unlock (use defer), or a " +
	"Cancel that blocks on an unbuffered channel, as the note's did (docs/session.md, parts A and B)."

// fsmClockCause is the likely cause of a fake clock that does not move.
const fsmClockCause = "the fake clock stood still. It moves on only when every goroutine of the test is " +
	"blocked, and a goroutine waiting for a sync.Mutex does not count as blocked: so a goroutine waits " +
	"for the endpoint's lock for ever. Most likely a TimeoutHandler's callback (the retry or the give-up) " +
	"takes e.mu, or calls a method that does, while the handler already holds it for the callback (part " +
	"A: the callback runs with mu held), and waits for itself; or a method returned with mu still locked " +
	"(docs/session.md, parts A and B)."

// fsmEndCause is the likely cause of a bubble that does not end once its
// endpoints are closed.
const fsmEndCause = "goroutines of the endpoint were still running once the test had closed its endpoints: " +
	"a time-out that re-arms itself for ever although Close cancelled it, or a goroutine waiting for the " +
	"endpoint's lock, which a callback holds for ever (docs/session.md, parts A and B)."

// --- The watchdog ------------------------------------------------------------------

// fsmWatch is a test's watchdog, outside its bubble. The test tells it
// what it waits for (a call of the endpoint, the fake clock); a wait that
// has not ended after patience of real time never will: on the reference
// each takes microseconds, and a goroutine that waits for a lock keeps the
// fake clock from moving. The bubble can then never end, so the watchdog
// stops the test binary with what was stuck, instead of a hang.
type fsmWatch struct {
	name       string // the test's
	stop, done chan struct{}

	mu       sync.Mutex // guards what follows: the bubble writes, the watchdog reads
	what     string     // what the test waits for now; "" when it does not wait
	cause    string     // the likely cause, if it never ends
	n        int        // counts the waits
	reported []string   // the test's failures so far
}

// run is the watchdog's loop.
func (w *fsmWatch) run() {
	defer close(w.done)
	tick := time.NewTicker(fsmPoll)
	defer tick.Stop()
	seen, since := 0, time.Time{}
	for {
		select {
		case <-w.stop:
			return
		case now := <-tick.C:
			w.mu.Lock()
			what, cause, n := w.what, w.cause, w.n
			w.mu.Unlock()
			switch {
			case what == "":
				seen = 0
			case n != seen:
				seen, since = n, now
			case now.Sub(since) > patience:
				panic(w.dying(fmt.Sprintf("%s has not returned after %v of real time.\nLikely cause: %s\n\n"+
					"Goroutines running the lab's code:\n%s", what, patience, cause, stacks())))
			}
		}
	}
}

func (w *fsmWatch) begin(what, cause string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.what, w.cause = what, cause
	w.n++
}

func (w *fsmWatch) end() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.what = ""
}

func (w *fsmWatch) report(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.reported = append(w.reported, msg)
}

// dying is the message of a panic that stops the test binary.
func (w *fsmWatch) dying(msg string) string {
	w.mu.Lock()
	before := strings.Join(w.reported, "\n\n")
	w.mu.Unlock()
	s := "session: " + w.name + " cannot end, so it stops the test binary here (a synctest bubble ends only " +
		"once every goroutine in it has ended, and this one never will):\n\n" + msg
	if before != "" {
		s += "\n\nThe test had reported before:\n\n" + before
	}
	return s
}

// --- The bubble and the endpoints ------------------------------------------------------

// fsmEnv is one test's bubble: its clock, its watchdog, and the endpoints
// it made, which are closed when it ends.
type fsmEnv struct {
	t     *testing.T // the bubble's
	w     *fsmWatch
	start time.Time // when the bubble started, on its fake clock
	eps   []*fsmEP
}

// fsmRun runs f in a synctest bubble (bubble, harness_test.go) under a
// watchdog. When f returns or fails, every endpoint it made is closed, and
// must then send nothing, however long the fake clock runs.
func fsmRun(t *testing.T, f func(x *fsmEnv)) {
	t.Helper()
	w := &fsmWatch{name: t.Name(), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	defer func() {
		close(w.stop)
		<-w.done
	}()
	defer w.end()
	bubble(t, fsmLeftAdvice, func(t *testing.T) {
		x := &fsmEnv{t: t, w: w, start: time.Now()}
		defer func() {
			x.cleanup()
			// Ended by fsmRun, once every goroutine of the bubble has.
			w.begin("the test's synctest bubble, its endpoints closed,", fsmEndCause)
		}()
		f(x)
	})
}

// now is the time on the bubble's fake clock, since it started.
func (x *fsmEnv) now() time.Duration { return time.Since(x.start) }

func (x *fsmEnv) errorf(format string, args ...any) {
	x.t.Helper()
	msg := fmt.Sprintf(format, args...)
	x.w.report(msg)
	x.t.Error(msg)
}

func (x *fsmEnv) fatalf(format string, args ...any) {
	x.t.Helper()
	x.errorf(format, args...)
	x.t.FailNow()
}

// die fails the test with msg and stops the test binary: the bubble can
// never end.
func (x *fsmEnv) die(msg string) {
	x.t.Helper()
	x.t.Error(msg)
	panic(x.w.dying(msg))
}

// call runs fn, a call of the endpoint's code that what names, under the
// watchdog. A panic fails the test (a stub's with its message); so does a
// call that lets the fake clock move: the endpoint's methods never wait.
func (x *fsmEnv) call(what string, fn func()) {
	x.t.Helper()
	x.w.begin(what, fsmCallCause)
	defer x.w.end()
	start := time.Now()
	var p any
	var stack []byte
	func() {
		defer func() {
			if p = recover(); p != nil {
				stack = debug.Stack()
			}
		}()
		fn()
	}()
	if p != nil {
		if s, ok := labtest.Stub(p); ok {
			x.fatalf("%s", s)
		}
		x.fatalf("%s panicked: %v\n\n%s", what, p, stack)
	}
	if d := time.Since(start); d > 0 {
		x.fatalf("%s returned only after %v of the fake clock: it waited for time to pass.\nExpected: every "+
			"method of the endpoint returns at once; time passes in the TimeoutHandlers, never in a sleep "+
			"or a wait inside a method (docs/session.md, part B).", what, d)
	}
}

// tryCall is call for the end of a test: a panic is no failure (the call is
// another test's business), only reported as false.
func (x *fsmEnv) tryCall(what string, fn func()) (ok bool) {
	x.w.begin(what, fsmCallCause)
	defer x.w.end()
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	fn()
	return true
}

// sleepUntil lets the fake clock run until at (since the bubble started),
// then waits until every other goroutine of the bubble is blocked: every
// time-out due by then has fired, and its callback has returned.
func (x *fsmEnv) sleepUntil(at time.Duration) {
	x.t.Helper()
	x.w.begin(fmt.Sprintf("the test's wait for the fake clock to reach %v", at), fsmClockCause)
	defer x.w.end()
	if d := at - x.now(); d > 0 {
		time.Sleep(d)
	}
	synctest.Wait()
}

// sleep lets d of the fake clock pass (see sleepUntil).
func (x *fsmEnv) sleep(d time.Duration) { x.t.Helper(); x.sleepUntil(x.now() + d) }

// settle waits until every other goroutine of the bubble is blocked.
func (x *fsmEnv) settle() { x.t.Helper(); x.sleepUntil(x.now()) }

// cleanup closes the endpoints, when the test ends: they must go quiet.
// (Close's own bugs are TestEndpointClose's business: an endpoint that goes
// on sending after Close is stopped with LinkDown, if that works.)
func (x *fsmEnv) cleanup() {
	for _, ep := range x.eps {
		if !ep.closed {
			x.tryCall(ep.name+"'s Close(), called when the test ended,", ep.e.Close)
		}
		n := ep.count()
		x.sleep(fsmQuiet)
		if ep.count() == n {
			continue
		}
		x.tryCall(ep.name+"'s LinkDown(), called when the test ended,", ep.e.LinkDown)
		n = ep.count()
		x.sleep(fsmQuiet)
		if ep.count() == n {
			continue
		}
		recs := ep.takeRecs()
		x.die(fmt.Sprintf("when the test ended, %s went on sending after Close and LinkDown: %s.\nExpected: "+
			"nothing sent once Close (or LinkDown) has returned: both cancel the time-outs.\nLikely cause: a "+
			"retry whose reference was lost, as in the note: Register called again while a registration was "+
			"still armed, without cancelling it, or a callback that re-arms itself whatever the state "+
			"(docs/session.md, parts A and B).", ep.name, fsmTimed(recs[max(0, len(recs)-5):])))
	}
}

// fsmEP is an endpoint a test made, with the record of what it sent and
// delivered.
type fsmEP struct {
	x      *fsmEnv
	e      *Endpoint
	role   Role
	name   string // "the initiator"
	closed bool   // the test has called Close

	// A silent endpoint records nothing until loud is set: its Config
	// takes no lock, so that nothing but the endpoint's own lock orders
	// the goroutines that call it (TestEndpointConcurrent). Until then
	// only its NewID counts, in silentIDs, which the endpoint's lock
	// guards.
	silent    bool
	loud      atomic.Bool
	silentIDs int

	mu    sync.Mutex // guards what follows: the endpoint's calls of Send, Deliver and NewID write it
	log   []fsmRec   // every packet sent and DATA delivered, in order, up to fsmKeep
	n     int        // how many there were in all
	taken int        // log[:taken] has been looked at
	ids   []ID       // the IDs NewID made (once loud, if silent)
}

// fsmRec is a packet an endpoint sent (out) or a DATA it delivered.
type fsmRec struct {
	at  time.Duration // on the fake clock, since the bubble started
	out bool
	p   Packet
}

// newEndpoint makes an endpoint of role whose Config records into the
// returned fsmEP; with randomIDs, its NewID is nil.
func (x *fsmEnv) newEndpoint(role Role, randomIDs bool) *fsmEP {
	x.t.Helper()
	return x.makeEndpoint(&fsmEP{x: x, role: role, name: "the " + strings.ToLower(role.String())}, randomIDs)
}

// newSilentEndpoint makes a silent endpoint of role (see fsmEP.silent).
func (x *fsmEnv) newSilentEndpoint(role Role) *fsmEP {
	x.t.Helper()
	return x.makeEndpoint(&fsmEP{x: x, role: role, name: "the " + strings.ToLower(role.String()), silent: true}, false)
}

func (x *fsmEnv) makeEndpoint(ep *fsmEP, randomIDs bool) *fsmEP {
	x.t.Helper()
	role := ep.role
	cfg := Config{Role: role, Send: ep.sent, Deliver: ep.delivered}
	if !randomIDs {
		cfg.NewID = ep.newID
	}
	x.call(fmt.Sprintf("NewEndpoint(Config{Role: %v})", role), func() { ep.e = NewEndpoint(cfg) })
	if ep.e == nil {
		x.fatalf("NewEndpoint(Config{Role: %v}) returned nil (docs/session.md, part B)", role)
	}
	x.eps = append(x.eps, ep)
	return ep
}

func (ep *fsmEP) record(out bool, p Packet) {
	if ep.silent && !ep.loud.Load() {
		return
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	ep.n++
	if len(ep.log) < fsmKeep {
		ep.log = append(ep.log, fsmRec{ep.x.now(), out, p})
	}
}

func (ep *fsmEP) sent(p Packet)      { ep.record(true, p) }
func (ep *fsmEP) delivered(p Packet) { ep.record(false, p) }

func (ep *fsmEP) newID() ID {
	if ep.silent && !ep.loud.Load() {
		ep.silentIDs++
		return fsmFirstID + ID(ep.silentIDs-1)
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	id := fsmFirstID + ID(ep.silentIDs+len(ep.ids))
	ep.ids = append(ep.ids, id)
	return id
}

// madeIDs returns the IDs NewID has made.
func (ep *fsmEP) madeIDs() []ID {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return slices.Clone(ep.ids)
}

// count returns how many packets were sent and DATA delivered in all.
func (ep *fsmEP) count() int {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return ep.n
}

// takeRecs returns what was sent and delivered since the last take.
func (ep *fsmEP) takeRecs() []fsmRec {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	recs := slices.Clone(ep.log[ep.taken:])
	ep.taken = len(ep.log)
	return recs
}

// take returns the packets sent and the DATA delivered since the last take.
func (ep *fsmEP) take() (sent, delivered []Packet) {
	for _, r := range ep.takeRecs() {
		if r.out {
			sent = append(sent, r.p)
		} else {
			delivered = append(delivered, r.p)
		}
	}
	return sent, delivered
}

// The endpoint's methods, called under the watchdog.

func (ep *fsmEP) linkUp()   { ep.x.t.Helper(); ep.x.call(ep.name+"'s LinkUp()", ep.e.LinkUp) }
func (ep *fsmEP) linkDown() { ep.x.t.Helper(); ep.x.call(ep.name+"'s LinkDown()", ep.e.LinkDown) }

func (ep *fsmEP) close() {
	ep.x.t.Helper()
	ep.closed = true
	ep.x.call(ep.name+"'s Close()", ep.e.Close)
}

func (ep *fsmEP) packet(p Packet) {
	ep.x.t.Helper()
	ep.x.call(fmt.Sprintf("%s's HandlePacket(%v)", ep.name, p), func() { ep.e.HandlePacket(p) })
}

func (ep *fsmEP) send(data string) (err error) {
	ep.x.t.Helper()
	ep.x.call(fmt.Sprintf("%s's Send(%q)", ep.name, data), func() { err = ep.e.Send(data) })
	return err
}

func (ep *fsmEP) state() (s State) {
	ep.x.t.Helper()
	ep.x.call(ep.name+"'s State()", func() { s = ep.e.State() })
	return s
}

func (ep *fsmEP) sessionID() (id ID) {
	ep.x.t.Helper()
	ep.x.call(ep.name+"'s SessionID()", func() { id = ep.e.SessionID() })
	return id
}

// --- Checks ------------------------------------------------------------------------

// fsmWant is what an endpoint should be, and should have done, after an
// event: its state and session ID, what it sent and what it delivered.
type fsmWant struct {
	state State
	id    ID
	sent  []Packet
	deliv []Packet
}

// expect fails the test unless ep is as want says; when names the event,
// cause is the likely cause.
func (ep *fsmEP) expect(when string, want fsmWant, cause string) {
	ep.x.t.Helper()
	s, id := ep.state(), ep.sessionID()
	sent, deliv := ep.take()
	if s == want.state && id == want.id && slices.Equal(sent, want.sent) && slices.Equal(deliv, want.deliv) {
		return
	}
	ep.x.fatalf("%s, %s is in state %v with session ID %d; it sent %s and delivered %s.\nExpected: state %v, "+
		"session ID %d; %s sent and %s delivered.\nLikely cause: %s", when, ep.name, s, id, fsmList(sent),
		fsmList(deliv), want.state, want.id, fsmList(want.sent), fsmList(want.deliv), cause)
}

// sendOK calls Send(data), which must send want and return nil.
func (ep *fsmEP) sendOK(data string, want Packet, cause string) {
	ep.x.t.Helper()
	err := ep.send(data)
	sent, deliv := ep.take()
	if err != nil || !slices.Equal(sent, []Packet{want}) || len(deliv) != 0 {
		ep.x.fatalf("%s's Send(%q), Established in session %d, returned %v and sent %s.\nExpected: nil, and "+
			"%v sent.\nLikely cause: %s", ep.name, data, want.ID, err, fsmList(sent), want, cause)
	}
}

// refused calls Send, which must return ErrNotEstablished and send nothing:
// the endpoint is not Established (when says where it is).
func (ep *fsmEP) refused(when string) {
	ep.x.t.Helper()
	err := ep.send("too early")
	sent, _ := ep.take()
	if !errors.Is(err, ErrNotEstablished) || len(sent) != 0 {
		ep.x.fatalf("%s's Send, called %s, returned %v and sent %s.\nExpected: ErrNotEstablished, and nothing "+
			"sent: there is no session to send DATA in until it is Established (docs/session.md, part B).",
			ep.name, when, err, fsmList(sent))
	}
}

// quiet lets fsmQuiet of the fake clock pass: ep must send and deliver
// nothing, and stay in state s with session ID id. after says since when.
func (ep *fsmEP) quiet(after string, s State, id ID, cause string) {
	ep.x.t.Helper()
	from := ep.x.now()
	ep.x.sleep(fsmQuiet)
	state, sid := ep.state(), ep.sessionID()
	recs := ep.takeRecs()
	if len(recs) == 0 && state == s && sid == id {
		return
	}
	ep.x.fatalf("%s, %s sent (or delivered) %s, in the next %v of the fake clock, and is in state %v with "+
		"session ID %d.\nExpected: nothing sent, however long you wait, and state %v with session ID %d.\n"+
		"Likely cause: %s", after, ep.name, fsmTimedFrom(recs, from), fsmQuiet, state, sid, s, id, cause)
}

// establish opens a session at ep with the handshake, checked: the
// initiator's ID is the next NewID makes, the responder's is id.
func (ep *fsmEP) establish(id ID) ID {
	ep.x.t.Helper()
	if ep.role == Initiator {
		ep.linkUp()
		id = ep.lastID()
		ep.expect("after LinkUp in Idle", fsmWant{state: SynSent, id: id, sent: []Packet{{Kind: SYN, ID: id}}},
			fsmRow(Initiator, Idle, LinkUp, Any)+" (docs/session.md, part B).")
		ep.packet(Packet{Kind: SYNACK, ID: id})
		ep.expect(fmt.Sprintf("on SYN-ACK(%d) in SynSent", id), fsmWant{state: Established, id: id,
			sent: []Packet{{Kind: ACK, ID: id}}}, fsmRow(Initiator, SynSent, GotSYNACK, Same)+" (docs/session.md, part B).")
		return id
	}
	ep.packet(Packet{Kind: SYN, ID: id})
	ep.expect(fmt.Sprintf("on SYN(%d) in Idle", id), fsmWant{state: SynReceived, id: id,
		sent: []Packet{{Kind: SYNACK, ID: id}}}, fsmRow(Responder, Idle, GotSYN, Other)+" (docs/session.md, part B).")
	ep.packet(Packet{Kind: ACK, ID: id})
	ep.expect(fmt.Sprintf("on ACK(%d) in SynReceived", id), fsmWant{state: Established, id: id},
		fsmRow(Responder, SynReceived, GotACK, Same)+" (docs/session.md, part B).")
	return id
}

// lastID returns the last ID NewID made, failing the test if it made none.
func (ep *fsmEP) lastID() ID {
	ep.x.t.Helper()
	ids := ep.madeIDs()
	if len(ids) == 0 {
		sent, _ := ep.take()
		ep.x.fatalf("%s's LinkUp, in Idle, did not call Config.NewID; it sent %s.\nExpected: LinkUp of an Idle "+
			"initiator opens a new session, with a new ID from Config.NewID (docs/session.md, part B).",
			ep.name, fsmList(sent))
	}
	return ids[len(ids)-1]
}

// fsmRow quotes the row of Transitions for role in state from on ev, for
// a packet whose ID is as m says, for a message.
func fsmRow(role Role, from State, ev Event, m Match) string {
	tr, ok := Next(role, from, ev, m)
	if !ok {
		return fmt.Sprintf("the table has no row for %v in %v on %v: the event changes nothing and sends nothing",
			role, from, fsmEventName(ev, m))
	}
	return fmt.Sprintf("the table's row: %v, %v --%s--> %v: %q", role, from, fsmEventName(tr.Event, tr.Match),
		tr.To, tr.Action)
}

// fsmEventName names an event as the table's diagram does.
func fsmEventName(ev Event, m Match) string {
	switch m {
	case Same:
		return ev.String() + " (same ID)"
	case Other:
		return ev.String() + " (other ID)"
	}
	return ev.String()
}

// fsmList lists packets for a message.
func fsmList(ps []Packet) string {
	if len(ps) == 0 {
		return "nothing"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// fsmTimed lists records, with when each was sent (or delivered) on the
// fake clock since the test began, the first few only.
func fsmTimed(recs []fsmRec) string { return fsmTimedFrom(recs, -1) }

// fsmTimedFrom is fsmTimed with times since from (from < 0: since the
// test began).
func fsmTimedFrom(recs []fsmRec, from time.Duration) string {
	const keep = 4
	if len(recs) == 0 {
		return "nothing"
	}
	var s []string
	for _, r := range recs[:min(keep, len(recs))] {
		what := r.p.String()
		if !r.out {
			what += " delivered"
		}
		if from < 0 {
			s = append(s, fmt.Sprintf("%s at %v", what, r.at))
		} else {
			s = append(s, fmt.Sprintf("%s %v later", what, r.at-from))
		}
	}
	if len(recs) > keep {
		s = append(s, fmt.Sprintf("... (%d in all)", len(recs)))
	}
	return strings.Join(s, ", ")
}

// --- The handshake -----------------------------------------------------------------

// TestEndpointInitiatorHandshake drives an initiator through the handshake:
// LinkUp sends SYN(ID) with the ID NewID made (SynSent); the SYN-ACK of
// that ID is answered with ACK(ID) (Established); then Send numbers DATA
// from 0. Before that Send refuses (ErrNotEstablished); a second LinkUp is
// ignored; a duplicate SYN-ACK in Established is answered with the ACK
// again. With NewID nil, the IDs are random, non-zero and new each session.
func TestEndpointInitiatorHandshake(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		ep := x.newEndpoint(Initiator, false)
		ep.expect("when new", fsmWant{state: Idle}, "NewEndpoint returns an Idle endpoint with no session (ID "+
			"0) that has sent nothing (docs/session.md, part B).")
		ep.refused("in Idle, before LinkUp")

		ep.linkUp()
		id := ep.lastID()
		ep.expect("after LinkUp in Idle", fsmWant{state: SynSent, id: id, sent: []Packet{{Kind: SYN, ID: id}}},
			"LinkUp of an Idle initiator opens a session: "+fsmRow(Initiator, Idle, LinkUp, Any)+". The ID is the "+
				"one Config.NewID returned, and SessionID returns it from then on (docs/session.md, part B).")
		ep.refused("in SynSent, before the SYN-ACK")
		ep.linkUp()
		ep.expect("after a second LinkUp, in SynSent", fsmWant{state: SynSent, id: id}, "LinkUp opens a "+
			"session only from Idle; in any other state no row of the table matches, and it changes nothing "+
			"(docs/session.md, part B).")

		ep.packet(Packet{Kind: SYNACK, ID: id})
		ep.expect(fmt.Sprintf("on SYN-ACK(%d) in SynSent", id), fsmWant{state: Established, id: id,
			sent: []Packet{{Kind: ACK, ID: id}}}, "the SYN-ACK of the session completes the initiator's half of "+
			"the handshake: "+fsmRow(Initiator, SynSent, GotSYNACK, Same)+" (docs/session.md, part B).")
		for i, data := range []string{"a", "b", "c"} {
			ep.sendOK(data, Packet{Kind: DATA, ID: id, Seq: uint64(i), Data: data}, "DATA is numbered "+
				"within the session: Seq 0 for the first Send after the handshake, then 1, 2 ..., each DATA "+
				"carrying the session's ID (docs/session.md, part B).")
		}

		ep.packet(Packet{Kind: SYNACK, ID: id})
		ep.expect(fmt.Sprintf("on a second SYN-ACK(%d), in Established", id), fsmWant{state: Established, id: id,
			sent: []Packet{{Kind: ACK, ID: id}}}, "a SYN-ACK of the current session in Established means the "+
			"responder never got the ACK: it is still in SynReceived, resending SYN-ACK, and will give the "+
			"session up unless the ACK comes: "+fsmRow(Initiator, Established, GotSYNACK, Same)+
			" (docs/session.md, part B).")
		ep.sendOK("d", Packet{Kind: DATA, ID: id, Seq: 3, Data: "d"}, "a duplicate SYN-ACK changes "+
			"nothing but the ACK it makes the initiator resend: the session goes on, and so do its numbers; "+
			"starting again at 0 sends numbers the responder has delivered already, and it drops them "+
			"(docs/session.md, part B).")
		ep.linkUp()
		ep.expect("after LinkUp in Established", fsmWant{state: Established, id: id}, "LinkUp opens a "+
			"session only from Idle; in any other state it changes nothing (docs/session.md, part B).")

		// NewID nil: random IDs.
		r := x.newEndpoint(Initiator, true)
		var ids []ID
		for i := range 2 {
			if i > 0 {
				r.linkDown()
			}
			r.linkUp()
			sent, _ := r.take()
			sid := r.sessionID()
			if len(sent) != 1 || sent[0].Kind != SYN || sent[0].ID == 0 || sent[0].ID != sid || slices.Contains(ids, sid) {
				x.fatalf("an initiator with Config.NewID nil sent %s on LinkUp number %d (the IDs before: %v), "+
					"and SessionID returned %d.\nExpected: one SYN with a random non-zero ID (math/rand/v2), "+
					"new for each session, the one SessionID returns (docs/session.md, part B).",
					fsmList(sent), i+1, ids, sid)
			}
			ids = append(ids, sid)
		}
	})
}

// TestEndpointResponderHandshake drives a responder through the handshake:
// LinkUp changes nothing; SYN(ID) is answered with SYN-ACK(ID)
// (SynReceived), a second SYN(ID) with SYN-ACK(ID) again; ACK(ID) opens
// the session (Established), and DATA(ID) is delivered; its own Send
// numbers DATA from 0. Then the lost ACK: DATA(ID) in SynReceived counts
// as the ACK, and is delivered.
func TestEndpointResponderHandshake(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		ep := x.newEndpoint(Responder, false)
		ep.expect("when new", fsmWant{state: Idle}, "NewEndpoint returns an Idle endpoint with no session (ID "+
			"0) that has sent nothing (docs/session.md, part B).")
		ep.linkUp()
		ep.expect("after LinkUp in Idle", fsmWant{state: Idle}, "a responder does not open sessions: "+
			"LinkUp changes nothing for it, it waits for a SYN (docs/session.md, part B).")
		ep.refused("in Idle")

		ep.packet(Packet{Kind: SYN, ID: 7})
		ep.expect("on SYN(7) in Idle", fsmWant{state: SynReceived, id: 7, sent: []Packet{{Kind: SYNACK, ID: 7}}},
			"the responder takes the session ID the initiator made: "+fsmRow(Responder, Idle, GotSYN, Other)+
				" (docs/session.md, part B).")
		ep.refused("in SynReceived, before the ACK")
		ep.packet(Packet{Kind: SYN, ID: 7})
		ep.expect("on a second SYN(7), in SynReceived", fsmWant{state: SynReceived, id: 7,
			sent: []Packet{{Kind: SYNACK, ID: 7}}}, "a second SYN of the same session means the initiator "+
			"never got the SYN-ACK (it resends SYN every RetryInterval): "+
			fsmRow(Responder, SynReceived, GotSYN, Same)+" (docs/session.md, part B).")

		ep.packet(Packet{Kind: ACK, ID: 7})
		ep.expect("on ACK(7) in SynReceived", fsmWant{state: Established, id: 7}, "the ACK of the session "+
			"completes the handshake, and the responder sends nothing back: "+
			fsmRow(Responder, SynReceived, GotACK, Same)+" (docs/session.md, part B).")
		for i, data := range []string{"hello", "world"} {
			p := Packet{Kind: DATA, ID: 7, Seq: uint64(i), Data: data}
			ep.packet(p)
			ep.expect(fmt.Sprintf("on %v in Established", p), fsmWant{state: Established, id: 7,
				deliv: []Packet{p}}, "DATA of the session, with the next Seq expected, is handed to "+
				"Config.Deliver as it came (docs/session.md, part B).")
		}
		ep.sendOK("reply", Packet{Kind: DATA, ID: 7, Seq: 0, Data: "reply"}, "each end numbers its own "+
			"DATA from 0 within the session: the responder's first Send is Seq 0, whatever it has received "+
			"(docs/session.md, part B).")
		ep.sendOK("more", Packet{Kind: DATA, ID: 7, Seq: 1, Data: "more"}, "the responder's second Send "+
			"in the session is Seq 1 (docs/session.md, part B).")

		// The ACK is lost; the initiator, Established, sends DATA.
		lost := x.newEndpoint(Responder, false)
		lost.packet(Packet{Kind: SYN, ID: 9})
		lost.expect("on SYN(9) in Idle", fsmWant{state: SynReceived, id: 9, sent: []Packet{{Kind: SYNACK, ID: 9}}},
			fsmRow(Responder, Idle, GotSYN, Other)+" (docs/session.md, part B).")
		first := Packet{Kind: DATA, ID: 9, Seq: 0, Data: "first"}
		lost.packet(first)
		lost.expect(fmt.Sprintf("on %v in SynReceived (the ACK lost)", first), fsmWant{state: Established,
			id: 9, deliv: []Packet{first}}, "the initiator sends DATA only once Established, after its ACK: "+
			"DATA of the session in SynReceived proves the ACK was sent and lost, so it counts as the ACK "+
			"and is delivered too: "+fsmRow(Responder, SynReceived, GotDATA, Same)+" (docs/session.md, part B).")
		lost.packet(Packet{Kind: ACK, ID: 9})
		lost.expect("on the late ACK(9), in Established", fsmWant{state: Established, id: 9}, "an ACK in "+
			"Established has no row in the table: it changes nothing (docs/session.md, part B).")
		second := Packet{Kind: DATA, ID: 9, Seq: 1, Data: "second"}
		lost.packet(second)
		lost.expect(fmt.Sprintf("on %v in Established", second), fsmWant{state: Established, id: 9,
			deliv: []Packet{second}}, "after DATA(9, 0), which counted as the ACK, the next expected Seq "+
			"is 1 (docs/session.md, part B).")
	})
}

// --- The time-outs -----------------------------------------------------------------

// fsmRetryCause is the likely cause of a SYN not resent on time.
const fsmRetryCause = "LinkUp arms the retry (Register), and its callback, when it fires in SynSent, resends " +
	"SYN with the same ID and arms the retry again (Register from the callback), as the lecture's " +
	"synCallback re-schedules itself: one SYN every RetryInterval, exactly, until the SYN-ACK comes " +
	"(docs/session.md, parts A and B)."

// TestEndpointRetry checks the initiator's retry: in SynSent it resends
// SYN, with the same ID, exactly every RetryInterval (nothing 1ns before),
// for a minute; once the SYN-ACK has come, never again. Then the note's
// race: the SYN-ACK comes at the very instant the retry fires; at most
// that one SYN goes, and none after.
func TestEndpointRetry(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		ep := x.newEndpoint(Initiator, false)
		ep.linkUp()
		t0 := x.now()
		id := ep.lastID()
		ep.expect("after LinkUp in Idle", fsmWant{state: SynSent, id: id, sent: []Packet{{Kind: SYN, ID: id}}},
			fsmRow(Initiator, Idle, LinkUp, Any)+" (docs/session.md, part B).")
		syn := Packet{Kind: SYN, ID: id}
		for k := 1; k <= int(fsmQuiet/RetryInterval); k++ {
			due := t0 + time.Duration(k)*RetryInterval
			x.sleepUntil(due - time.Nanosecond)
			if recs := ep.takeRecs(); len(recs) != 0 {
				x.fatalf("the initiator, in SynSent since LinkUp at %v with no answer, sent %s, before %v.\n"+
					"Expected: SYN(%d) again exactly RetryInterval (%v) after the last SYN, at %v, and nothing "+
					"before.\nLikely cause: %s", t0, fsmTimed(recs), due, id, RetryInterval, due, fsmRetryCause)
			}
			x.sleepUntil(due)
			recs := ep.takeRecs()
			if len(recs) != 1 || recs[0].p != syn {
				x.fatalf("the initiator, in SynSent since LinkUp at %v with no answer, sent %s, where retry "+
					"number %d was due at %v.\nExpected: SYN(%d) once, exactly RetryInterval (%v) after the last: "+
					"the same session ID every time (the responder knows the session by it).\nLikely cause: %s",
					t0, fsmTimed(recs), k, due, id, RetryInterval, fsmRetryCause)
			}
			if s := ep.state(); s != SynSent {
				x.fatalf("the initiator is in state %v at %v, after retry number %d with no answer; want "+
					"SynSent: the initiator retries for as long as the link is up (docs/session.md, part B).",
					s, due, k)
			}
		}

		x.sleep(time.Second)
		ep.packet(Packet{Kind: SYNACK, ID: id})
		ep.expect(fmt.Sprintf("on SYN-ACK(%d), a second after retry number %d", id, fsmQuiet/RetryInterval),
			fsmWant{state: Established, id: id, sent: []Packet{{Kind: ACK, ID: id}}},
			fsmRow(Initiator, SynSent, GotSYNACK, Same)+" (docs/session.md, part B).")
		ep.quiet("once Established", Established, id,
			"the initiator kept resending SYN after the session was Established: "+
				"the SYN-ACK's handler must Cancel the retry, or its callback goes on resending and re-arming "+
				"itself, the note's runaway time-out (docs/session.md, parts A and B).")

		// The SYN-ACK at the very instant the retry fires.
		ep2 := x.newEndpoint(Initiator, false)
		ep2.linkUp()
		t1 := x.now()
		id2 := ep2.lastID()
		ep2.take()
		x.w.begin(fmt.Sprintf("the test's wait for the fake clock to reach %v", t1+RetryInterval), fsmClockCause)
		time.Sleep(RetryInterval) // wakes at the instant the retry's timer fires: no synctest.Wait
		x.w.end()
		ep2.packet(Packet{Kind: SYNACK, ID: id2})
		x.settle()
		recs := ep2.takeRecs()
		var acks, syns, others []fsmRec
		for _, r := range recs {
			switch {
			case r.out && r.p == Packet{Kind: ACK, ID: id2}:
				acks = append(acks, r)
			case r.out && r.p == Packet{Kind: SYN, ID: id2} && r.at == t1+RetryInterval && len(acks) == 0 &&
				len(syns) == 0:
				syns = append(syns, r) // the retry won the lock: one SYN, before the ACK, is fine
			default:
				others = append(others, r)
			}
		}
		if len(acks) != 1 || len(others) != 0 || ep2.state() != Established {
			x.fatalf("the SYN-ACK(%d) came at the very instant the retry fired (%v after LinkUp), and the "+
				"initiator sent %s and is in state %v.\nExpected: ACK(%d) once, and Established; SYN(%d) at "+
				"most once, before the ACK, if the retry's callback got the lock first.\nLikely cause: %s",
				id2, RetryInterval, fsmTimed(recs), ep2.state(), id2, id2, fsmRetryCause)
		}
		ep2.quiet(fmt.Sprintf("after the SYN-ACK(%d) that came at the very instant the retry fired", id2),
			Established, id2, "the retry's timer had fired, and its callback was waiting for the lock while "+
				"the SYN-ACK's handler held it and cancelled the retry: then it ran all the same. That is "+
				"the note's race (Stop cannot stop a timer that has fired): once it holds mu, the timer's "+
				"goroutine must check that it was not cancelled (docs/session.md, parts A and B).")
	})
}

// TestEndpointHalfOpen checks the responder's time-outs: in SynReceived it
// resends SYN-ACK exactly every RetryInterval, and gives the half-open
// session up exactly HalfOpenTimeout after the SYN (Idle, ID 0), and sends
// nothing more. A SYN of a new session in SynReceived starts both
// time-outs again; the ACK cancels both.
func TestEndpointHalfOpen(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		ep := x.newEndpoint(Responder, false)

		// halfOpen checks the retries and the give-up that follow session
		// id's SYN, which came just now; after says what came before it,
		// retryCause is the likely cause of a retry not on time.
		halfOpen := func(id ID, after, retryCause string) {
			x.t.Helper()
			t0 := x.now()
			synack := Packet{Kind: SYNACK, ID: id}
			for k := 1; RetryInterval*time.Duration(k) < HalfOpenTimeout; k++ {
				due := t0 + time.Duration(k)*RetryInterval
				x.sleepUntil(due - time.Nanosecond)
				if recs := ep.takeRecs(); len(recs) != 0 {
					x.fatalf("the responder, in SynReceived since SYN(%d) at %v%s, sent %s, before %v.\n"+
						"Expected: SYN-ACK(%d) again exactly RetryInterval (%v) after the last, at %v, and "+
						"nothing before.\nLikely cause: %s", id, t0, after, fsmTimed(recs), due, id,
						RetryInterval, due, retryCause)
				}
				x.sleepUntil(due)
				if recs := ep.takeRecs(); len(recs) != 1 || recs[0].p != synack {
					x.fatalf("the responder, in SynReceived since SYN(%d) at %v%s, with no ACK, sent %s, where a "+
						"retry was due at %v.\nExpected: SYN-ACK(%d) once, exactly RetryInterval (%v) after the last.\nLikely "+
						"cause: %s", id, t0, after, fsmTimed(recs), due, id, RetryInterval, retryCause)
				}
			}
			give := t0 + HalfOpenTimeout
			x.sleepUntil(give - time.Nanosecond)
			ep.expect(fmt.Sprintf("at %v, 1ns before HalfOpenTimeout (%v) after SYN(%d)%s", give-time.Nanosecond,
				HalfOpenTimeout, id, after), fsmWant{state: SynReceived, id: id},
				"the half-open session was given up too early: "+
					"the give-up is armed by the SYN that opens the session, for HalfOpenTimeout, and the "+
					"retries do not touch it (docs/session.md, parts A and B).")
			x.sleepUntil(give)
			ep.expect(fmt.Sprintf("at %v, HalfOpenTimeout (%v) after SYN(%d)%s with no ACK", give,
				HalfOpenTimeout, id, after), fsmWant{state: Idle},
				"the responder did not give the half-open session up on time: "+
					"the SYN arms the give-up (a second TimeoutHandler, for HalfOpenTimeout) with the retry, "+
					"and nothing but the ACK (or DATA), a new session's SYN or LinkDown cancels or re-arms it; "+
					"its callback, in SynReceived, cancels the retry and forgets the session: "+
					fsmRow(Responder, SynReceived, GiveUp, Any)+" (docs/session.md, parts A and B).")
			ep.quiet(fmt.Sprintf("after giving up session %d", id), Idle, 0,
				"the responder kept resending SYN-ACK after it gave the half-open session up: "+
					"the give-up must Cancel the retry (docs/session.md, parts A and B).")
		}

		ep.packet(Packet{Kind: SYN, ID: 7})
		ep.expect("on SYN(7) in Idle", fsmWant{state: SynReceived, id: 7, sent: []Packet{{Kind: SYNACK, ID: 7}}},
			fsmRow(Responder, Idle, GotSYN, Other)+" (docs/session.md, part B).")
		halfOpen(7, "", "the SYN arms the retry (Register), and the retry's callback, when it fires in "+
			"SynReceived, resends SYN-ACK(ID) and arms itself again (docs/session.md, parts A and B).")

		// A SYN of a new session while half-open: both time-outs start again.
		ep.packet(Packet{Kind: SYN, ID: 8})
		ep.expect("on SYN(8) in Idle, after a session given up", fsmWant{state: SynReceived, id: 8,
			sent: []Packet{{Kind: SYNACK, ID: 8}}}, "an endpoint that gave a session up takes the next SYN "+
			"as any Idle one: "+fsmRow(Responder, Idle, GotSYN, Other)+" (docs/session.md, part B).")
		x.sleep(2 * time.Second)
		ep.packet(Packet{Kind: SYN, ID: 9})
		ep.expect("on SYN(9), 2s after SYN(8), in SynReceived", fsmWant{state: SynReceived, id: 9,
			sent: []Packet{{Kind: SYNACK, ID: 9}}}, "a SYN of another session in SynReceived is a new "+
			"session: "+fsmRow(Responder, SynReceived, GotSYN, Other)+" (docs/session.md, part B).")
		halfOpen(9, ", which replaced session 8 (SYN(8) 2s before)",
			"a SYN of a new session in SynReceived arms the retry and the give-up again, for the new "+
				"session: its SYN-ACK is resent RetryInterval after its SYN, and it is given up HalfOpenTimeout "+
				"after it, not on the old session's time-outs (Register cancels what was armed) "+
				"(docs/session.md, parts A and B).")

		// The ACK cancels both.
		ep.packet(Packet{Kind: SYN, ID: 10})
		ep.take()
		x.sleep(RetryInterval + time.Second)
		ep.packet(Packet{Kind: ACK, ID: 10})
		ep.expect("on ACK(10), 4s after SYN(10)", fsmWant{state: Established, id: 10,
			sent: []Packet{{Kind: SYNACK, ID: 10}}}, "one SYN-ACK(10) resent at 3s, then the ACK opens the "+
			"session: "+fsmRow(Responder, SynReceived, GotACK, Same)+" (docs/session.md, part B).")
		ep.quiet("once Established by ACK(10)", Established, 10, "the ACK must Cancel both time-outs: the "+
			"retry, or SYN-ACK goes on, and the give-up, or the open session is given up "+
			"(docs/session.md, parts A and B).")
	})
}

// --- Session IDs and sequence numbers ------------------------------------------------

// fsmOtherCause is the likely cause of a packet of another session taken
// for one of the current session.
const fsmOtherCause = "a packet counts for the session only if its ID is the session's: compare p.ID with " +
	"the current ID before anything else. The note's bug was an ACK accepted for a different session; a " +
	"packet of another session (an older one's, late, or a stranger's) is dropped: it changes nothing, " +
	"sends nothing, and leaves the time-outs as they were (docs/session.md, part B)."

// TestEndpointWrongSessionID sends each end packets of other sessions, and
// packets no row of the table takes: a SYN-ACK, ACK or DATA of another
// session ID, or of ID 0, a SYN or ACK to the initiator, a SYN-ACK to the
// responder. Each is dropped: no change of state, nothing sent or
// delivered, and the time-outs go on as if it had not come.
func TestEndpointWrongSessionID(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		type drop struct {
			p   Packet
			why string
		}
		dropAll := func(ep *fsmEP, s State, id ID, drops []drop) {
			x.t.Helper()
			for _, d := range drops {
				ep.packet(d.p)
				ep.expect(fmt.Sprintf("on %v in %v (session %d)", d.p, s, id), fsmWant{state: s, id: id}, d.why)
			}
		}

		// The initiator, in SynSent.
		in := x.newEndpoint(Initiator, false)
		in.linkUp()
		t0 := x.now()
		id := in.lastID()
		in.take()
		dropAll(in, SynSent, id, []drop{
			{Packet{Kind: SYNACK, ID: id + 50}, fsmOtherCause},
			{Packet{Kind: SYNACK, ID: 0}, "a packet with ID 0 is dropped: 0 is never a session's ID " +
				"(docs/session.md, part B)."},
			{Packet{Kind: DATA, ID: id, Seq: 0, Data: "early"}, "DATA before the SYN-ACK: " +
				fsmRow(Initiator, SynSent, GotDATA, Same) + " (docs/session.md, part B)."},
			{Packet{Kind: SYN, ID: id}, "an initiator never takes a SYN: " +
				fsmRow(Initiator, SynSent, GotSYN, Same) + " (docs/session.md, part B)."},
			{Packet{Kind: ACK, ID: id}, "an initiator never takes an ACK: " +
				fsmRow(Initiator, SynSent, GotACK, Same) + " (docs/session.md, part B)."},
		})
		x.sleepUntil(t0 + RetryInterval)
		in.expect(fmt.Sprintf("at %v, RetryInterval after LinkUp, the packets of other sessions dropped",
			t0+RetryInterval), fsmWant{state: SynSent, id: id, sent: []Packet{{Kind: SYN, ID: id}}},
			"a packet of another session must not cancel the retry, or the initiator stops resending SYN "+
				"and the handshake stalls: "+fsmOtherCause)
		in.packet(Packet{Kind: SYNACK, ID: id})
		in.expect(fmt.Sprintf("on SYN-ACK(%d) in SynSent", id), fsmWant{state: Established, id: id,
			sent: []Packet{{Kind: ACK, ID: id}}}, fsmRow(Initiator, SynSent, GotSYNACK, Same)+
			" (docs/session.md, part B).")
		dropAll(in, Established, id, []drop{
			{Packet{Kind: SYNACK, ID: id + 50}, fsmOtherCause},
			{Packet{Kind: DATA, ID: id + 50, Seq: 0, Data: "stray"}, fsmOtherCause},
			{Packet{Kind: DATA, ID: 0, Seq: 0, Data: "zero"}, fsmOtherCause},
			{Packet{Kind: ACK, ID: id}, "an initiator never takes an ACK: " +
				fsmRow(Initiator, Established, GotACK, Same) + " (docs/session.md, part B)."},
		})
		mine := Packet{Kind: DATA, ID: id, Seq: 0, Data: "mine"}
		in.packet(mine)
		in.expect(fmt.Sprintf("on %v in Established, after DATA of other sessions", mine), fsmWant{state: Established,
			id: id, deliv: []Packet{mine}}, "DATA of another session must not move the session's next "+
			"expected Seq: "+fsmOtherCause)

		// The responder.
		re := x.newEndpoint(Responder, false)
		dropAll(re, Idle, 0, []drop{
			{Packet{Kind: SYN, ID: 0}, "a packet with ID 0 is dropped, even a SYN: 0 is never a session's ID " +
				"(docs/session.md, part B)."},
			{Packet{Kind: ACK, ID: 7}, "an ACK with no session: " + fsmRow(Responder, Idle, GotACK, Other) +
				" (docs/session.md, part B)."},
			{Packet{Kind: DATA, ID: 7, Seq: 0, Data: "no session"}, "DATA with no session: " +
				fsmRow(Responder, Idle, GotDATA, Other) + " (docs/session.md, part B)."},
		})
		re.packet(Packet{Kind: SYN, ID: 7})
		t1 := x.now()
		re.expect("on SYN(7) in Idle", fsmWant{state: SynReceived, id: 7, sent: []Packet{{Kind: SYNACK, ID: 7}}},
			fsmRow(Responder, Idle, GotSYN, Other)+" (docs/session.md, part B).")
		dropAll(re, SynReceived, 7, []drop{
			{Packet{Kind: ACK, ID: 8}, "the responder accepted an ACK of another session: " + fsmOtherCause},
			{Packet{Kind: ACK, ID: 0}, fsmOtherCause},
			{Packet{Kind: DATA, ID: 8, Seq: 0, Data: "stray"}, "DATA of another session is no ACK of this " +
				"one: " + fsmOtherCause},
			{Packet{Kind: SYNACK, ID: 7}, "a responder never takes a SYN-ACK: " +
				fsmRow(Responder, SynReceived, GotSYNACK, Same) + " (docs/session.md, part B)."},
		})
		x.sleepUntil(t1 + HalfOpenTimeout)
		re.expect(fmt.Sprintf("at %v, HalfOpenTimeout after SYN(7), the ACK and DATA of other sessions "+
			"dropped", t1+HalfOpenTimeout), fsmWant{state: Idle, sent: []Packet{{Kind: SYNACK, ID: 7},
			{Kind: SYNACK, ID: 7}, {Kind: SYNACK, ID: 7}}}, "SYN-ACK(7) resent at 3s, 6s and 9s, and the "+
			"session given up at 10s, as if the packets of other sessions had never come: "+fsmOtherCause)

		re.establish(20)
		dropAll(re, Established, 20, []drop{
			{Packet{Kind: ACK, ID: 21}, fsmOtherCause},
			{Packet{Kind: DATA, ID: 21, Seq: 0, Data: "stray"}, fsmOtherCause},
			{Packet{Kind: DATA, ID: 7, Seq: 0, Data: "old"}, "DATA of the session given up before: " + fsmOtherCause},
		})
		mine = Packet{Kind: DATA, ID: 20, Seq: 0, Data: "mine"}
		re.packet(mine)
		re.expect(fmt.Sprintf("on %v in Established, after DATA of other sessions", mine), fsmWant{state: Established,
			id: 20, deliv: []Packet{mine}}, "DATA of another session must not move the session's next "+
			"expected Seq: "+fsmOtherCause)
	})
}

// fsmSeqCause is the likely cause of DATA delivered, or dropped, against
// the sequence numbers.
const fsmSeqCause = "DATA of the session is delivered only if its Seq is the next expected or later, and " +
	"then the next expected is Seq+1: each Seq at most once, in increasing order. A duplicate, or a Seq " +
	"older than one already delivered (overtaken on the link), is dropped; a gap is fine (the ones between " +
	"were lost, or come late and are dropped). Setting the next expected to Seq, not Seq+1, delivers a " +
	"duplicate twice (docs/session.md, part B)."

// TestEndpointSequence sends each end, Established, DATA with the Seqs 0,
// 1, 1, 0, 2, 5, 3, 4, 5, 6: 0, 1, 2, 5 and 6 are delivered, once each and
// in that order; the duplicates and the older ones are dropped.
func TestEndpointSequence(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		for _, role := range []Role{Initiator, Responder} {
			ep := x.newEndpoint(role, false)
			id := ep.establish(7)
			var got []uint64
			for i, seq := range []uint64{0, 1, 1, 0, 2, 5, 3, 4, 5, 6} {
				p := Packet{Kind: DATA, ID: id, Seq: seq, Data: fmt.Sprintf("data %d, packet %d", seq, i)}
				ep.packet(p)
				var want []Packet
				if len(got) == 0 || seq > got[len(got)-1] {
					want = []Packet{p}
				}
				ep.expect(fmt.Sprintf("on %v in Established, the Seqs delivered before %v", p, got),
					fsmWant{state: Established, id: id, deliv: want}, fsmSeqCause)
				if want != nil {
					got = append(got, seq)
				}
			}
		}
	})
}

// fsmRestartCause is the likely cause of a responder that does not take
// the restarted initiator's new session.
const fsmRestartCause = "a SYN of another session while Established means the initiator restarted: its old " +
	"session is gone. A responder that ignores the SYN can never talk to it again. " +
	"Take the new ID, send SYN-ACK(ID), and wait for the ACK in SynReceived, the time-outs armed; the " +
	"sequence numbers start again at 0 (docs/session.md, part B)."

// TestEndpointRestart is the note's restart, at the responder. Established
// in session 7, it has delivered DATA 0 to 4; the initiator restarts and
// opens session 8, whose DATA counts from 0 again. The responder must take
// the SYN(8), deliver DATA(8, 0) (the note's responder, still expecting 5,
// dropped it as old), and never deliver DATA of session 7 again, whatever
// its Seq; its own DATA counts from 0 too. Then a third session, whose ACK
// is lost: its first DATA opens it.
func TestEndpointRestart(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		ep := x.newEndpoint(Responder, false)
		ep.establish(7)
		for seq := range uint64(5) {
			p := Packet{Kind: DATA, ID: 7, Seq: seq, Data: fmt.Sprintf("old %d", seq)}
			ep.packet(p)
			ep.expect(fmt.Sprintf("on %v in Established", p), fsmWant{state: Established, id: 7,
				deliv: []Packet{p}}, fsmSeqCause)
		}
		ep.sendOK("old reply", Packet{Kind: DATA, ID: 7, Seq: 0, Data: "old reply"}, "the responder's first "+
			"Send in a session is Seq 0 (docs/session.md, part B).")

		ep.packet(Packet{Kind: SYN, ID: 8})
		ep.expect("on SYN(8) in Established (session 7): the initiator restarted", fsmWant{state: SynReceived,
			id: 8, sent: []Packet{{Kind: SYNACK, ID: 8}}}, fsmRestartCause+" "+
			fsmRow(Responder, Established, GotSYN, Other)+".")
		late := Packet{Kind: DATA, ID: 7, Seq: 5, Data: "old 5, late"}
		ep.packet(late)
		ep.expect(fmt.Sprintf("on %v in SynReceived (session 8)", late), fsmWant{state: SynReceived, id: 8},
			"the responder delivered a DATA of an older session: "+fsmOtherCause)
		ep.packet(Packet{Kind: ACK, ID: 8})
		ep.expect("on ACK(8) in SynReceived", fsmWant{state: Established, id: 8},
			fsmRow(Responder, SynReceived, GotACK, Same)+" (docs/session.md, part B).")
		for seq := range uint64(2) {
			p := Packet{Kind: DATA, ID: 8, Seq: seq, Data: fmt.Sprintf("new %d", seq)}
			ep.packet(p)
			ep.expect(fmt.Sprintf("on %v, the new session's, after session 7 had delivered Seq 0 to 4", p),
				fsmWant{state: Established, id: 8, deliv: []Packet{p}}, "the responder still expected "+
					"the old session's next Seq, and dropped the new session's DATA as old: the note's "+
					"restart bug. The next expected Seq goes back to 0 with every new session "+
					"(docs/session.md, part B).")
		}
		for _, seq := range []uint64{5, 6, 100, 2} {
			p := Packet{Kind: DATA, ID: 7, Seq: seq, Data: fmt.Sprintf("old %d, late", seq)}
			ep.packet(p)
			ep.expect(fmt.Sprintf("on %v, of the old session, in Established (session 8)", p),
				fsmWant{state: Established, id: 8}, "the responder delivered a DATA of an older session: a "+
					"packet of an older session is never delivered, whatever its Seq; that is what the "+
					"session ID is for. "+fsmOtherCause)
		}
		ep.sendOK("new reply", Packet{Kind: DATA, ID: 8, Seq: 0, Data: "new reply"}, "the responder's "+
			"numbering starts again at 0 in each session (docs/session.md, part B).")

		// A third session, whose ACK is lost.
		ep.packet(Packet{Kind: SYN, ID: 9})
		ep.expect("on SYN(9) in Established (session 8)", fsmWant{state: SynReceived, id: 9,
			sent: []Packet{{Kind: SYNACK, ID: 9}}}, fsmRestartCause)
		first := Packet{Kind: DATA, ID: 9, Seq: 0, Data: "third 0"}
		ep.packet(first)
		ep.expect(fmt.Sprintf("on %v in SynReceived (the ACK lost), after session 8 had delivered Seq 0 and 1",
			first), fsmWant{state: Established, id: 9, deliv: []Packet{first}}, "DATA of the session in "+
			"SynReceived counts as the ACK and is delivered, and the new session expects Seq 0: "+
			fsmRow(Responder, SynReceived, GotDATA, Same)+" (docs/session.md, part B).")
		old := Packet{Kind: DATA, ID: 8, Seq: 2, Data: "second session's 2"}
		ep.packet(old)
		ep.expect(fmt.Sprintf("on %v in Established (session 9)", old), fsmWant{state: Established, id: 9},
			"the responder delivered a DATA of an older session: "+fsmOtherCause)
	})
}

// TestEndpointNewSession is the restart at the initiator: after LinkDown
// and LinkUp it opens a new session with a new ID, numbers its DATA from 0
// again, expects DATA from 0, and drops the old session's packets.
func TestEndpointNewSession(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		ep := x.newEndpoint(Initiator, false)
		id := ep.establish(0)
		for seq, data := range []string{"a", "b", "c"} {
			ep.sendOK(data, Packet{Kind: DATA, ID: id, Seq: uint64(seq), Data: data}, "DATA is numbered from 0 "+
				"within the session (docs/session.md, part B).")
		}
		for seq := range uint64(4) {
			p := Packet{Kind: DATA, ID: id, Seq: seq, Data: fmt.Sprintf("in %d", seq)}
			ep.packet(p)
			ep.expect(fmt.Sprintf("on %v in Established", p), fsmWant{state: Established, id: id,
				deliv: []Packet{p}}, fsmSeqCause)
		}
		ep.linkDown()
		ep.expect(fmt.Sprintf("after LinkDown in Established (session %d)", id), fsmWant{state: Idle},
			fsmRow(Initiator, Established, LinkDown, Any)+" (docs/session.md, part B).")
		ep.linkUp()
		id2 := ep.lastID()
		if id2 == id {
			x.fatalf("the initiator opened its second session with the ID of the first, %d.\nExpected: a new "+
				"ID from Config.NewID for each session: the responder tells the sessions apart by it "+
				"(docs/session.md, part B).", id)
		}
		ep.expect(fmt.Sprintf("after LinkUp, session %d over", id), fsmWant{state: SynSent, id: id2,
			sent: []Packet{{Kind: SYN, ID: id2}}}, fsmRow(Initiator, Idle, LinkUp, Any)+
			" (docs/session.md, part B).")
		ep.packet(Packet{Kind: SYNACK, ID: id})
		ep.expect(fmt.Sprintf("on SYN-ACK(%d), of the old session, in SynSent (session %d)", id, id2),
			fsmWant{state: SynSent, id: id2}, fsmOtherCause)
		ep.packet(Packet{Kind: SYNACK, ID: id2})
		ep.expect(fmt.Sprintf("on SYN-ACK(%d) in SynSent", id2), fsmWant{state: Established, id: id2,
			sent: []Packet{{Kind: ACK, ID: id2}}}, fsmRow(Initiator, SynSent, GotSYNACK, Same)+
			" (docs/session.md, part B).")
		ep.sendOK("x", Packet{Kind: DATA, ID: id2, Seq: 0, Data: "x"}, "the initiator's numbering went on "+
			"from the old session: DATA is numbered from 0 in every session, or the responder, which "+
			"expects 0 in the new session, delivers numbers out of order and later drops them "+
			"(docs/session.md, part B).")
		p := Packet{Kind: DATA, ID: id2, Seq: 0, Data: "in 0, again"}
		ep.packet(p)
		ep.expect(fmt.Sprintf("on %v, after session %d had delivered Seq 0 to 3", p, id), fsmWant{state: Established,
			id: id2, deliv: []Packet{p}}, "the initiator still expected the old session's next Seq: the "+
			"next expected Seq goes back to 0 with every new session (docs/session.md, part B).")
		old := Packet{Kind: DATA, ID: id, Seq: 4, Data: "old, late"}
		ep.packet(old)
		ep.expect(fmt.Sprintf("on %v, of the old session, in Established (session %d)", old, id2),
			fsmWant{state: Established, id: id2}, fsmOtherCause)
	})
}

// --- LinkDown and Close ----------------------------------------------------------------

// fsmReach brings a new endpoint of role to state s, and returns its
// session ID.
func fsmReach(ep *fsmEP, s State) ID {
	ep.x.t.Helper()
	switch {
	case s == Idle:
		return 0
	case s == Established:
		return ep.establish(7)
	case ep.role == Initiator:
		ep.linkUp()
		id := ep.lastID()
		ep.expect("after LinkUp in Idle", fsmWant{state: SynSent, id: id, sent: []Packet{{Kind: SYN, ID: id}}},
			fsmRow(Initiator, Idle, LinkUp, Any)+" (docs/session.md, part B).")
		return id
	default:
		ep.packet(Packet{Kind: SYN, ID: 7})
		ep.expect("on SYN(7) in Idle", fsmWant{state: SynReceived, id: 7, sent: []Packet{{Kind: SYNACK, ID: 7}}},
			fsmRow(Responder, Idle, GotSYN, Other)+" (docs/session.md, part B).")
		return 7
	}
}

// fsmStates is each role's states.
var fsmStates = map[Role][]State{
	Initiator: {Idle, SynSent, Established},
	Responder: {Idle, SynReceived, Established},
}

// TestEndpointLinkDown calls LinkDown, a second into each state of each
// role: the endpoint is Idle with no session, sends nothing for a minute
// (its time-outs are cancelled), refuses Send, drops the old session's
// packets, and opens the next session as a new endpoint would.
func TestEndpointLinkDown(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		for _, role := range []Role{Initiator, Responder} {
			for _, s := range fsmStates[role] {
				ep := x.newEndpoint(role, false)
				id := fsmReach(ep, s)
				x.sleep(time.Second)
				ep.linkDown()
				when := fmt.Sprintf("after LinkDown in %v (session %d)", s, id)
				ep.expect(when, fsmWant{state: Idle}, "LinkDown ends the session, whatever the state: "+
					fsmRow(role, s, LinkDown, Any)+"; both sequence numbers back to 0 (docs/session.md, part B).")
				ep.quiet(when, Idle, 0, "the endpoint sent something after LinkDown: "+
					"LinkDown must Cancel both time-outs, or the retry goes on resending and re-arming itself "+
					"with no session, the note's lost time-out (docs/session.md, parts A and B).")
				ep.refused(when)
				if id != 0 {
					kind, ev := SYNACK, GotSYNACK
					if role == Responder {
						kind, ev = ACK, GotACK
					}
					p := Packet{Kind: kind, ID: id}
					ep.packet(p)
					ep.expect(fmt.Sprintf("on %v, of the session LinkDown ended, in Idle", p), fsmWant{state: Idle},
						"after LinkDown there is no session: "+fsmRow(role, Idle, ev, Other)+
							" (docs/session.md, part B).")
				}
				if role == Initiator {
					ep.linkUp()
					nid := ep.lastID()
					ep.expect(when+", then LinkUp", fsmWant{state: SynSent, id: nid, sent: []Packet{{Kind: SYN,
						ID: nid}}}, "after LinkDown the initiator opens a new session on LinkUp: "+
						fsmRow(Initiator, Idle, LinkUp, Any)+" (docs/session.md, part B).")
				} else {
					ep.packet(Packet{Kind: SYN, ID: 50})
					ep.expect(when+", then SYN(50)", fsmWant{state: SynReceived, id: 50, sent: []Packet{{
						Kind: SYNACK, ID: 50}}}, "after LinkDown the responder takes a new session: "+
						fsmRow(Responder, Idle, GotSYN, Other)+" (docs/session.md, part B).")
				}
				ep.close()
			}
		}
	})
}

// TestEndpointClose closes an initiator in SynSent, a responder in
// SynReceived and one Established: each is Idle, sends nothing for a
// minute, and ignores every later event (LinkUp, packets, Send); a second
// Close is fine.
func TestEndpointClose(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	fsmRun(t, func(x *fsmEnv) {
		const closedCause = "Close ends the endpoint for good: every later event is ignored, LinkUp and " +
			"packets included (a flag that each method checks first, with the lock held) " +
			"(docs/session.md, part B)."
		for _, c := range []struct {
			role Role
			s    State
		}{{Initiator, SynSent}, {Responder, SynReceived}, {Responder, Established}} {
			ep := x.newEndpoint(c.role, false)
			id := fsmReach(ep, c.s)
			x.sleep(time.Second)
			ep.close()
			when := fmt.Sprintf("after Close in %v (session %d)", c.s, id)
			ep.expect(when, fsmWant{state: Idle}, "Close cancels both time-outs and forgets the session "+
				"(docs/session.md, part B).")
			ep.quiet(when, Idle, 0, "the endpoint sent something after Close: "+
				"Close must Cancel both time-outs (docs/session.md, parts A and B).")
			ep.linkUp()
			ep.expect(when+", on LinkUp", fsmWant{state: Idle}, closedCause)
			for _, p := range []Packet{{Kind: SYN, ID: 60}, {Kind: SYNACK, ID: id}, {Kind: ACK, ID: id},
				{Kind: DATA, ID: id, Seq: 0, Data: "after Close"}} {
				ep.packet(p)
				ep.expect(fmt.Sprintf("%s, on %v", when, p), fsmWant{state: Idle}, closedCause)
			}
			ep.refused(when)
			ep.close()
			ep.expect(when+", on a second Close", fsmWant{state: Idle}, "Close may be called again: it "+
				"changes nothing the second time (docs/session.md, part B).")
		}
	})
}

// --- The table -----------------------------------------------------------------------

// fsmModel is what the table says an endpoint is: its state, session ID,
// sequence numbers and armed time-outs.
type fsmModel struct {
	role               Role
	state              State
	id                 ID
	nextSend, nextRecv uint64
	retryAt, giveUpAt  time.Duration // on the bubble's clock; 0: not armed
}

// apply does what row tr's action says, for packet p (if the event is
// one), at time now: newID is the ID NewID made, if the action makes one.
// It returns what the endpoint must send and deliver.
func (m *fsmModel) apply(tr Transition, p Packet, now time.Duration, newID ID) (sent, deliv []Packet) {
	has := func(s string) bool { return strings.Contains(tr.Action, s) }
	switch {
	case has("make a new ID"):
		m.id, m.nextSend, m.nextRecv = newID, 0, 0
	case has("take its ID"):
		m.id, m.nextSend, m.nextRecv = p.ID, 0, 0
	case has("forget"):
		m.id, m.nextSend, m.nextRecv = 0, 0, 0
	}
	if has("number DATA from 0") {
		m.nextSend = 0
	}
	if has("expect DATA from 0") {
		m.nextRecv = 0
	}
	switch {
	case has("cancel the time-outs"), has("forget the session"):
		m.retryAt, m.giveUpAt = 0, 0
	case has("cancel the retry"):
		m.retryAt = 0
	}
	switch {
	case has("arm the retry and the give-up"):
		m.retryAt, m.giveUpAt = now+RetryInterval, now+HalfOpenTimeout
	case has("arm the retry"):
		m.retryAt = now + RetryInterval
	}
	for _, s := range []struct {
		text string
		kind Kind
	}{{"send SYN(ID)", SYN}, {"send SYN-ACK(ID)", SYNACK}, {"send ACK(ID)", ACK}} {
		if has(s.text) {
			sent = append(sent, Packet{Kind: s.kind, ID: m.id})
		}
	}
	if has("deliver it") && p.Seq >= m.nextRecv {
		deliv = []Packet{p}
		m.nextRecv = p.Seq + 1
	}
	m.state = tr.To
	return sent, deliv
}

// timer returns the next time-out due, and when; ok is false if none is
// armed.
func (m *fsmModel) timer() (ev Event, at time.Duration, ok bool) {
	switch {
	case m.retryAt == 0 && m.giveUpAt == 0:
		return 0, 0, false
	case m.giveUpAt == 0 || m.retryAt != 0 && m.retryAt < m.giveUpAt:
		return Retry, m.retryAt, true
	case m.retryAt == m.giveUpAt:
		panic("session: the test's model has the retry and the give-up due at once")
	}
	return GiveUp, m.giveUpAt, true
}

// fsmTable is one run of TestEndpointTable: an endpoint, the model of it,
// and the steps so far.
type fsmTable struct {
	x     *fsmEnv
	ep    *fsmEP
	m     fsmModel
	rng   *rand.Rand
	step  int
	steps int
	hist  []string
	used  []ID         // the session IDs so far, for packets of older sessions
	taken map[int]bool // the rows of Transitions taken so far, by index
}

// check compares the endpoint with the model after an event: what
// describes it (with the state before), tr is its row of the table (ok
// false: none), sent and deliv what the row makes the endpoint do.
func (r *fsmTable) check(what string, tr Transition, ok bool, sent, deliv []Packet) {
	r.x.t.Helper()
	s, id := r.ep.state(), r.ep.sessionID()
	gotSent, gotDeliv := r.ep.take()
	row := "No row of the table matches: the event changes nothing, sends nothing and delivers nothing."
	if ok {
		row = fmt.Sprintf("The table's row: %v, %v --%s--> %v: %q.", tr.Role, tr.From,
			fsmEventName(tr.Event, tr.Match), tr.To, tr.Action)
	}
	line := fmt.Sprintf("step %d at %v: %s: now %v (session %d), sent %s, delivered %s", r.step, r.x.now(),
		what, s, id, fsmList(gotSent), fsmList(gotDeliv))
	if s == r.m.state && id == r.m.id && slices.Equal(gotSent, sent) && slices.Equal(gotDeliv, deliv) {
		r.hist = append(r.hist, line)
		if ok {
			r.taken[slices.Index(Transitions, tr)] = true
		}
		return
	}
	before := r.hist[max(0, len(r.hist)-12):]
	if len(before) == 0 {
		before = []string{"(none)"}
	}
	r.x.fatalf("%s does not follow the transition table, at step %d of %d of a random run, at %v of the fake "+
		"clock: %s.\n%s\nExpected: state %v, session ID %d; %s sent and %s delivered.\nGot: state %v, "+
		"session ID %d; %s sent and %s delivered.\n\nThe steps before, oldest first:\n  %s\n\n(docs/session.md, "+
		"part B: the table is Transitions, in session/table.go.)", r.ep.name, r.step, r.steps, r.x.now(),
		what, row, r.m.state, r.m.id, fsmList(sent), fsmList(deliv), s, id, fsmList(gotSent),
		fsmList(gotDeliv), strings.Join(before, "\n  "))
}

// where describes the model's state, for a message.
func (r *fsmTable) where() string {
	if r.m.state == Idle {
		return "in Idle"
	}
	return fmt.Sprintf("in %v (session %d)", r.m.state, r.m.id)
}

// event does one random event and checks it against the table.
func (r *fsmTable) event() {
	r.x.t.Helper()
	ep, m, rng := r.ep, &r.m, r.rng
	n := rng.IntN(100)
	if m.state == SynReceived && n >= 42 && rng.IntN(3) == 0 {
		n = 20 // the clock runs on: give the give-up a chance
	}
	switch {
	case n < 7, n < 12:
		ev, name := LinkUp, "LinkUp"
		if n >= 7 {
			ev, name = LinkDown, "LinkDown"
		}
		what := fmt.Sprintf("%s, %s", name, r.where())
		made := len(ep.madeIDs())
		if ev == LinkUp {
			ep.linkUp()
		} else {
			ep.linkDown()
		}
		tr, ok := Next(m.role, m.state, ev, Any)
		var sent, deliv []Packet
		if ok {
			var newID ID
			if strings.Contains(tr.Action, "make a new ID") {
				ids := ep.madeIDs()
				if len(ids) == made {
					sent, _ := ep.take()
					r.x.fatalf("%s's LinkUp, in Idle at step %d of a random run, did not call Config.NewID; it "+
						"sent %s.\nExpected: LinkUp of an Idle initiator opens a new session, with a new ID from "+
						"Config.NewID (docs/session.md, part B).", ep.name, r.step, fsmList(sent))
				}
				newID = ids[len(ids)-1]
				r.used = append(r.used, newID)
			}
			sent, deliv = m.apply(tr, Packet{}, r.x.now(), newID)
		}
		r.check(what, tr, ok, sent, deliv)

	case n < 20:
		data := fmt.Sprintf("send %d", r.step)
		what := fmt.Sprintf("Send(%q), %s", data, r.where())
		err := ep.send(data)
		var want []Packet
		wantErr := ErrNotEstablished
		if m.state == Established {
			want = []Packet{{Kind: DATA, ID: m.id, Seq: m.nextSend, Data: data}}
			m.nextSend++
			wantErr = nil
		}
		if (wantErr == nil) != (err == nil) || err != nil && !errors.Is(err, ErrNotEstablished) {
			r.x.fatalf("%s's Send(%q), %s, returned %v; want %v: Send sends DATA only when "+
				"Established, and returns ErrNotEstablished otherwise (docs/session.md, part B).",
				ep.name, data, r.where(), err, wantErr)
		}
		r.check(what, Transition{}, false, want, nil)

	case n < 42:
		var d time.Duration
		switch k := rng.IntN(10); {
		case k < 4:
			d = time.Duration(1 + rng.Int64N(int64(time.Second)))
		case k < 8:
			d = time.Second + time.Duration(rng.Int64N(int64(RetryInterval)))
		default:
			d = RetryInterval + time.Duration(rng.Int64N(int64(HalfOpenTimeout)))
		}
		r.pass(d)

	default:
		p := r.packet()
		match := Other
		if m.state != Idle && p.ID == m.id {
			match = Same
		}
		ev := map[Kind]Event{SYN: GotSYN, SYNACK: GotSYNACK, ACK: GotACK, DATA: GotDATA}[p.Kind]
		what := fmt.Sprintf("%v, of %s session, %s", p, map[Match]string{Same: "the", Other: "another"}[match],
			r.where())
		ep.packet(p)
		tr, ok := Next(m.role, m.state, ev, match)
		var sent, deliv []Packet
		if ok {
			if strings.Contains(tr.Action, "take its ID") {
				r.used = append(r.used, p.ID)
			}
			sent, deliv = m.apply(tr, p, r.x.now(), 0)
		}
		r.check(what, tr, ok, sent, deliv)
	}
}

// pass lets d of the fake clock pass, checking each time-out due on the
// way: nothing 1ns before it, its row of the table when it fires.
func (r *fsmTable) pass(d time.Duration) {
	r.x.t.Helper()
	m := &r.m
	end := r.x.now() + d
	for {
		ev, at, ok := m.timer()
		if !ok || at > end {
			break
		}
		name := map[Event]string{Retry: "retry", GiveUp: "give-up"}[ev]
		r.x.sleepUntil(at - time.Nanosecond)
		r.check(fmt.Sprintf("the fake clock ran to 1ns before the %s is due, %s", name, r.where()),
			Transition{}, false, nil, nil)
		r.x.sleepUntil(at)
		what := fmt.Sprintf("the %s fired, %s", name, r.where())
		if ev == Retry {
			m.retryAt = 0
		} else {
			m.giveUpAt = 0
		}
		tr, ok := Next(m.role, m.state, ev, Any)
		if !ok {
			panic(fmt.Sprintf("session: the test's model has the %s armed %s, where the table has no row for it",
				name, r.where()))
		}
		sent, deliv := m.apply(tr, Packet{}, r.x.now(), 0)
		r.check(what, tr, true, sent, deliv)
	}
	r.x.sleepUntil(end)
	r.check(fmt.Sprintf("the fake clock ran on %v, no time-out due, %s", d, r.where()), Transition{}, false, nil, nil)
}

// packet makes a random packet: of the current session or another (an
// older one's, or a small ID), of a kind either role may get.
func (r *fsmTable) packet() Packet {
	m, rng := &r.m, r.rng
	kinds := []Kind{SYNACK, SYNACK, SYNACK, DATA, DATA, DATA, SYN, ACK}
	if m.role == Responder {
		kinds = []Kind{SYN, SYN, SYN, ACK, ACK, DATA, DATA, DATA, SYNACK}
	}
	p := Packet{Kind: kinds[rng.IntN(len(kinds))]}
	if m.state != Idle && rng.IntN(100) < 65 {
		p.ID = m.id
	} else {
		for p.ID == 0 || p.ID == m.id {
			if len(r.used) > 0 && rng.IntN(2) == 0 {
				p.ID = r.used[rng.IntN(len(r.used))]
			} else {
				p.ID = ID(1 + rng.IntN(4))
			}
		}
	}
	if p.Kind == DATA {
		p.Seq = uint64(max(0, int64(m.nextRecv)+rng.Int64N(5)-2))
		p.Data = fmt.Sprintf("data %d", r.step)
	}
	return p
}

// fsmProbe opens and ends a session at an endpoint of each role, before a
// random run: a method not written yet fails the test there, before the
// run's seed is worth printing.
func fsmProbe(x *fsmEnv) {
	x.t.Helper()
	for _, role := range []Role{Initiator, Responder} {
		ep := x.newEndpoint(role, false)
		ep.establish(7)
		ep.linkDown()
		ep.close()
	}
}

// fsmSteps is how many events a random run of TestEndpointTable has at
// least; it goes on, up to 4 times as many, until it has taken every row
// of its role's table.
const fsmSteps = 400

// fsmRows returns how many rows role has in Transitions.
func fsmRows(role Role) int {
	n := 0
	for _, tr := range Transitions {
		if tr.Role == role {
			n++
		}
	}
	return n
}

// TestEndpointTable checks the endpoint against the table, Transitions, row
// by row: a seeded random run of at least 400 events at one endpoint of
// each role, on until it has taken every row of its role's table (LinkUp,
// LinkDown, Send, packets of each kind of the current session and of
// others, and the fake clock running on, past the retries and the
// give-ups due), each checked, as it happens, against Next(role, state
// before, event, match): the state, the session ID, the packet sent, the
// DATA delivered. A time-out is checked 1ns before it is due (nothing) and
// when it is. A failure prints the seed and the command that replays it.
func TestEndpointTable(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	seed := labtest.Seed(t)
	for _, role := range []Role{Initiator, Responder} {
		t.Run(role.String(), func(t *testing.T) {
			fsmRun(t, func(x *fsmEnv) {
				fsmProbe(x)
				ep := x.newEndpoint(role, false)
				labtest.Replay(x.t, seed)
				r := &fsmTable{x: x, ep: ep, m: fsmModel{role: role}, steps: fsmSteps,
					rng: rand.New(rand.NewPCG(seed, uint64(role))), taken: map[int]bool{}}
				r.check("new", Transition{}, false, nil, nil)
				for r.step = 1; r.step <= r.steps; r.step++ {
					r.event()
					if r.step == r.steps && r.steps < 4*fsmSteps && len(r.taken) < fsmRows(role) {
						r.steps++ // on until every row has been taken
					}
				}
			})
		})
	}
}

// --- Concurrency ---------------------------------------------------------------------

// fsmRaceCause is the likely cause of an endpoint left in a state no
// sequence of events leads to.
const fsmRaceCause = "events handled without the lock, or not whole under it: each method takes mu for " +
	"the whole event (Lock, defer Unlock), and the time-outs' callbacks run with it held (part A), so the " +
	"endpoint sees one event at a time, in one order (docs/session.md, part B)."

// TestEndpointConcurrent sends events to an initiator and a responder
// from many goroutines at once, under -race, in two phases.
//
// In the first, each goroutine calls one method only (HandlePacket, with
// packets of each kind and of several sessions; LinkUp; LinkDown; Send;
// State and SessionID), as fast as it can, and the endpoints' Config
// takes no lock: nothing but the endpoint's own lock orders the
// goroutines, so a method that reads or writes the endpoint without it
// races with the others, and the race detector sees it however the
// goroutines happen to run. Then each endpoint must be in a state of its
// role, with an ID only if not Idle, and after LinkDown send nothing for a
// minute and open the next session as a new one would.
//
// In the second, a new pair gets random events from 12 goroutines, among
// them sleeps, so that the time-outs fire among the events. Everything is
// recorded: each endpoint sent only the packets of its role, each
// session's DATA numbered 0, 1, 2 ...; it delivered each session's DATA in
// increasing Seq; and again LinkDown leaves it quiet, and the next
// handshake works.
func TestEndpointConcurrent(t *testing.T) {
	labtest.NoLeaks(t, "the endpoint", fsmLeakAdvice)
	seed := labtest.Seed(t)
	fsmRun(t, func(x *fsmEnv) {
		const methods, events = 6, 200
		fsmProbe(x)
		silent := []*fsmEP{x.newSilentEndpoint(Initiator), x.newSilentEndpoint(Responder)}
		labtest.Replay(x.t, seed)
		start := make(chan struct{})
		done := make(chan any, 2*methods)
		for _, ep := range silent {
			for g := range methods {
				rng := rand.New(rand.NewPCG(seed, uint64(ep.role)*100+uint64(g)))
				go func() {
					defer func() { done <- recover() }()
					<-start
					for i := range events {
						fsmOneMethod(ep.e, ep.role, g, i, rng)
					}
				}()
			}
		}
		close(start)
		x.wait(done, 2*methods, "goroutines calling one method each of the endpoints at once")
		x.noRace(fmt.Sprintf("%d goroutines called the endpoints' methods at once, one method each", 2*methods))
		for _, ep := range silent {
			ep.loud.Store(true)
			ep.valid(fmt.Sprintf("after %d goroutines called its methods at once", methods))
			ep.recover(fmt.Sprintf("the events from %d goroutines at once", methods))
		}

		in := x.newEndpoint(Initiator, false)
		re := x.newEndpoint(Responder, false)
		const workers = 6
		var fresh atomic.Uint64 // the IDs of new sessions the responder is offered
		fresh.Store(1000)
		for _, ep := range []*fsmEP{in, re} {
			for g := range workers {
				rng := rand.New(rand.NewPCG(seed, 1000+uint64(ep.role)*100+uint64(g)))
				go func() {
					defer func() { done <- recover() }()
					for range events {
						fsmRandomCall(ep, rng, &fresh)
					}
				}()
			}
		}
		x.wait(done, 2*workers, "goroutines sending the endpoints random events at once, the clock running")
		x.noRace(fmt.Sprintf("%d goroutines sent the endpoints random events at once, the time-outs firing "+
			"among them", 2*workers))
		for _, ep := range []*fsmEP{in, re} {
			ep.valid(fmt.Sprintf("after %d goroutines sent it random events at once", workers))
			ep.checkLog(workers)
			ep.recover(fmt.Sprintf("the random events from %d goroutines at once", workers))
		}
	})
}

// wait waits for n goroutines of TestEndpointConcurrent, each of which
// sends what it recovered on done; what names them.
func (x *fsmEnv) wait(done <-chan any, n int, what string) {
	x.t.Helper()
	x.w.begin("the test's wait for the "+what+",", fsmCallCause)
	var panics []any
	for range n {
		if v := <-done; v != nil {
			panics = append(panics, v)
		}
	}
	x.w.end()
	if len(panics) == 0 {
		return
	}
	if s, ok := labtest.Stub(panics[0]); ok {
		x.fatalf("%s", s)
	}
	x.fatalf("a call of the endpoint's methods, from one of the %s, panicked: %v (and %d more)", what,
		panics[0], len(panics)-1)
}

// noRace fails the test if the race detector has found a data race: the
// report is above; what says what the goroutines did.
func (x *fsmEnv) noRace(what string) {
	x.t.Helper()
	if x.t.Failed() { // under -race, Failed also counts the races found
		x.fatalf("the race detector found a data race (its report is above, with the two accesses) while "+
			"%s.\nExpected: no race.\nLikely cause: %s", what, fsmRaceCause)
	}
}

// valid fails the test unless ep is in a state of its role, with a session
// ID if and only if it is not Idle; after says after what.
func (ep *fsmEP) valid(after string) {
	ep.x.t.Helper()
	s, id := ep.state(), ep.sessionID()
	if !slices.Contains(fsmStates[ep.role], s) || (s == Idle) != (id == 0) {
		ep.x.fatalf("%s, %s is in state %v with session ID %d.\nExpected: one of the states of its role, %v, "+
			"with an ID (non-zero) unless Idle.\nLikely cause: %s", after, ep.name, s, id,
			fsmStates[ep.role], fsmRaceCause)
	}
}

// recover ends ep's session with LinkDown after what: it must then be
// quiet, and open the next session as a new endpoint would.
func (ep *fsmEP) recover(what string) {
	ep.x.t.Helper()
	ep.take()
	ep.linkDown()
	ep.expect("after "+what+", then LinkDown", fsmWant{state: Idle}, "LinkDown ends the session, "+
		"whatever the state (docs/session.md, part B).")
	ep.quiet("after "+what+", then LinkDown", Idle, 0, "a time-out still fires after LinkDown: its "+
		"reference was lost while events came at once, as in the note (Register called while a "+
		"registration was armed, without cancelling it, or the handlers changed without the lock), and "+
		"nothing can cancel it now (docs/session.md, parts A and B).")
	id := ep.establish(5000)
	p := Packet{Kind: DATA, ID: id, Seq: 0, Data: "after"}
	ep.sendOK("after", p, "after LinkDown, a new session numbers DATA from 0 (docs/session.md, part B).")
	ep.packet(p)
	ep.expect(fmt.Sprintf("on %v in a new session, after LinkDown", p), fsmWant{state: Established,
		id: id, deliv: []Packet{p}}, "after LinkDown, a new session expects DATA from 0 "+
		"(docs/session.md, part B).")
	ep.close()
}

// fsmOneMethod is call i of goroutine g of the first phase of
// TestEndpointConcurrent: each goroutine calls one method only, and
// takes no lock of its own.
func fsmOneMethod(e *Endpoint, role Role, g, i int, rng *rand.Rand) {
	switch g {
	case 0, 1:
		own := ID(10000*(g+1) + i/3) // a new session every 3 calls
		var p Packet
		switch k := rng.IntN(10); {
		case role == Initiator && k < 6: // IDs NewID may well have made
			p = Packet{Kind: SYNACK, ID: fsmFirstID + ID(rng.IntN(i/4+2))}
		case role == Initiator && k < 9:
			p = Packet{Kind: DATA, ID: fsmFirstID + ID(rng.IntN(i/4+2)), Seq: uint64(rng.IntN(4)), Data: "x"}
		case role == Initiator:
			p = Packet{Kind: Kind(1 + rng.IntN(4)), ID: own}
		case k < 3:
			p = Packet{Kind: SYN, ID: own}
		case k < 5:
			p = Packet{Kind: ACK, ID: own}
		case k < 9:
			p = Packet{Kind: DATA, ID: own, Seq: uint64(rng.IntN(4)), Data: "x"}
		default:
			p = Packet{Kind: SYNACK, ID: own}
		}
		e.HandlePacket(p)
	case 2:
		e.LinkUp()
	case 3:
		e.LinkDown()
	case 4:
		e.Send("x")
	default:
		e.State()
		e.SessionID()
	}
}

// fsmRandomCall makes one random call of ep's endpoint, from one of the
// goroutines of TestEndpointConcurrent (so not under the watchdog, and
// not through the test's helpers, which may fail the test).
func fsmRandomCall(ep *fsmEP, rng *rand.Rand, fresh *atomic.Uint64) {
	e := ep.e
	switch n := rng.IntN(100); {
	case n < 8:
		e.LinkUp()
	case n < 11:
		e.LinkDown()
	case n < 22:
		e.Send("concurrent")
	case n < 28:
		e.State()
		e.SessionID()
	case n < 46:
		time.Sleep(time.Duration(rng.Int64N(int64(2 * RetryInterval))))
	default:
		kinds := []Kind{SYN, SYNACK, ACK, DATA}
		p := Packet{Kind: kinds[rng.IntN(len(kinds))], Seq: uint64(rng.IntN(6)), Data: "concurrent"}
		switch k := rng.IntN(10); {
		case k < 6:
			p.ID = e.SessionID()
		case k < 8 && p.Kind == SYN:
			p.ID = ID(fresh.Add(1))
		default:
			p.ID = ID(1 + rng.IntN(3))
		}
		if p.Kind != DATA {
			p.Seq, p.Data = 0, ""
		}
		e.HandlePacket(p)
	}
}

// checkLog checks what ep sent and delivered while many goroutines sent
// it events: the packets of its role, with IDs; each session's DATA sent
// numbered 0, 1, 2 ...; each session's DATA delivered in increasing Seq,
// and only in a session it opened. A handshake packet (SYN or SYN-ACK) of
// an ID opens a session with that ID: its numbers start again.
func (ep *fsmEP) checkLog(workers int) {
	ep.x.t.Helper()
	recs := ep.takeRecs()
	open := SYN
	kinds := []Kind{SYN, ACK, DATA}
	if ep.role == Responder {
		open, kinds = SYNACK, []Kind{SYNACK, DATA}
	}
	nextSend := map[ID]uint64{}
	lastRecv := map[ID]int64{}
	for i, r := range recs {
		p := r.p
		bad := ""
		switch {
		case p.ID == 0:
			bad = "a packet with ID 0, which is no session's"
		case r.out && !slices.Contains(kinds, p.Kind):
			bad = fmt.Sprintf("a %v, which the %v never sends", p.Kind, ep.role)
		case r.out && p.Kind == open:
			nextSend[p.ID], lastRecv[p.ID] = 0, -1
		case r.out && p.Kind == DATA:
			next, ok := nextSend[p.ID]
			if !ok || p.Seq != next {
				bad = fmt.Sprintf("DATA numbered %d where the session's next was %d (or of a session it never "+
					"opened)", p.Seq, next)
			}
			nextSend[p.ID] = p.Seq + 1
		case !r.out:
			last, ok := lastRecv[p.ID]
			if !ok || int64(p.Seq) <= last {
				bad = fmt.Sprintf("a DATA delivered after Seq %d of the same session had been (or of a session "+
					"it never opened)", last)
			}
			lastRecv[p.ID] = int64(p.Seq)
		}
		if bad != "" {
			ep.x.fatalf("while %d goroutines sent %s events at once, it sent or delivered %s: %s.\nThe records "+
				"before it: %s.\nExpected: only the packets of its role, with IDs; each session's DATA "+
				"numbered 0, 1, 2 ...; each session's DATA delivered in increasing Seq, once.\nLikely cause: "+
				"%s", workers, ep.name, fsmTimed(recs[i:i+1]), bad, fsmTimed(recs[max(0, i-6):i]), fsmRaceCause)
		}
	}
}
