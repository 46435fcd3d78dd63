package session

// The tests of part C: two endpoints, an initiator and a responder, over a
// bad link. They run the student's Endpoint (part B), and with it the
// student's TimeoutHandler (part A), as the lecture's probes ran: packets
// lost, duplicated, delayed and reordered; the link cut and healed; either
// side restarted while the other goes on. Run them with:
//
//	go test -race -run '^TestLink' ./session/
//
// The link (lnkLink) is the tests' own network, in memory, in the spirit of
// MIT 6.5840's labrpc. It has two ends, one for each Role, and an Endpoint
// plugged into each: Config.Send hands it a packet, it decides the packet's
// fate, and goroutines of its own hand the copies that survive to the other
// end's HandlePacket later. Config.Send is called with the sender's lock
// held, so the link never calls an endpoint from inside Send: every packet
// travels in a goroutine of its own.
//
// What the link does to a packet, from a seeded random source (labtest.Seed:
// a failure prints the seed and the command that replays the run):
//   - it drops it, with probability Drop;
//   - it sends it twice, with probability Dup (the second copy later);
//   - it delays each copy by a random time between MinDelay and MaxDelay,
//     in steps of lnkStep, so that copies arriving at the same instant are
//     handed over at once, from several goroutines;
//   - so it reorders packets, unless FIFO: then each packet arrives after
//     the ones sent before it in the same direction;
//   - a packet sent while the link is down is lost, and so is one that
//     arrives while it is down; one that left before a cut and arrives
//     after the link came back up is handed over: a packet of an old
//     session, in a new one.
//
// A test drives the link, in virtual time (a testing/synctest bubble: a
// 3-second retry costs nothing), with up (LinkUp at both ends), cut
// (LinkDown at both ends, the link down), restart (Close one end's
// Endpoint and plug in a new one of the same role, which starts Idle; a
// restarted initiator makes new IDs, since cfg.NewID is the link's; the
// packets of the old endpoint still in flight arrive at the new one), and
// Send on either end. Deterministic scenarios replace the random fate of
// the packets by a script of their own.
//
// While it runs, the link checks every packet against the transition table
// (table.go). An end is in the session of the last handshake packet it
// sent (the initiator's SYN, the responder's SYN-ACK) until a LinkDown or a
// restart: every row that enters a session sends one, and none leaves a
// session without one, a LinkDown or the give-up. So, at the moment of
// each packet and each delivery, the link knows the session of each end,
// and checks that:
//   - an end delivers only DATA of its session, each Seq at most once and
//     in increasing order, with the payload the other end sent with that
//     Seq: a DATA of an older session, whatever its Seq, is never
//     delivered (the note's restart bug);
//   - DATA is numbered from 0 in each session, with no gap and no Seq
//     twice, even with many goroutines calling Send;
//   - a new session has a new ID, made by cfg.NewID; a closed endpoint
//     sends and delivers nothing;
//   - once an end is Established, every DATA of its session that arrives
//     with a Seq higher than any that arrived before it is delivered.
// The tests add what each scenario must end with: both ends Established in
// the same session within a bounded virtual time, and the DATA delivered.

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/labtest"
)

// lnkStep is the grain of the link's random delays: copies whose delays
// round to the same step arrive at the same virtual instant, and their
// HandlePacket calls race.
const lnkStep = 5 * time.Millisecond

// lnkPoll is how often, in virtual time, a test looks at the endpoints'
// states while it waits for them.
const lnkPoll = 10 * time.Millisecond

// lnkBound is how long, in virtual time, a test waits for both ends to be
// Established over a lossy link. With a drop rate of 0.2 the handshake
// needs a few retries at most (RetryInterval each); a correct endpoint
// makes it in a few seconds, and this bound is twenty retries.
const lnkBound = 20 * RetryInterval

// lnkTraceLines is how many of the last events on the link a failure shows.
const lnkTraceLines = 40

// lnkLeakAdvice is the advice of the tests' leak check.
const lnkLeakAdvice = "every goroutine an Endpoint starts (each TimeoutHandler's timer goroutine) must end once its " +
	"time-out fires or is cancelled, and Close must cancel both time-outs (docs/session.md, parts A and C)."

// lnkBubbleAdvice is the advice of a bubble that ends deadlocked.
const lnkBubbleAdvice = "a timer goroutine of a TimeoutHandler waits on a channel nothing will ever send on or close " +
	"(the note's cancel channel, read once), or an Endpoint method waits for something that never comes. Close must " +
	"cancel both time-outs, and a cancelled registration's goroutine must end (docs/session.md, parts A and C)."

// lnkFaults is what the link does to packets: see the top of the file.
type lnkFaults struct {
	Drop     float64       // probability that a packet is lost
	Dup      float64       // probability that a packet that is not lost arrives twice
	MinDelay time.Duration // each copy is delayed by a random time in [MinDelay, MaxDelay]
	MaxDelay time.Duration
	FIFO     bool          // each packet's first copy arrives after those sent before it, the same way
	DupLag   time.Duration // a duplicate arrives up to DupLag after its MaxDelay (FIFO does not hold it back)
}

// lnkReliable is a link that loses nothing and keeps the order: every
// packet arrives 10ms after it was sent.
var lnkReliable = lnkFaults{MinDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond, FIFO: true}

func (f lnkFaults) String() string {
	order := "reordered"
	if f.FIFO {
		order = "in order"
	}
	return fmt.Sprintf("drop %.2f, duplicate %.2f, delay %v to %v, %s", f.Drop, f.Dup, f.MinDelay, f.MaxDelay, order)
}

// lnkScript decides the fate of one packet in a deterministic scenario:
// the delays of its copies (none: lost). ok false leaves it to the faults.
type lnkScript func(from Role, p Packet) (delays []time.Duration, ok bool)

// lnkKey names a DATA packet: who sent it, in which session, which Seq.
type lnkKey struct {
	from Role
	id   ID
	seq  uint64
}

// lnkArrival is one DATA of an end's session handed to it.
type lnkArrival struct {
	at      time.Time
	seq     uint64
	watched bool // the end was Established in the session when it arrived
	done    bool // HandlePacket has returned
}

// lnkEnd is one endpoint plugged into the link, and the link's model of it.
type lnkEnd struct {
	role Role
	gen  int // 1 for the first endpoint of its role, 2 after one restart ...
	ep   *Endpoint

	// Guarded by the link's mu.
	closing    bool // the test is closing it: what arrives now may meet a closed endpoint
	closed     bool // Close has returned
	afterClose int  // packets it sent after Close
	cur        ID   // its session: that of the last SYN (SYN-ACK) it sent; 0 none
	est        bool // it is known to be Established in cur
	nextSeq    uint64
	delivered  []uint64      // Seqs it delivered in cur, in order
	arrivals   []*lnkArrival // DATA of cur handed to it
	sessions   int           // sessions it entered
	sendOK     int           // Sends that returned nil (counted by the test)
	dataSent   int           // DATA packets it sent
	seenSYN    map[ID]bool   // the responder: IDs of the SYNs handed to it
	deliveries int           // DATA it delivered, all sessions
	payloads   int           // DATA the test had it send (send1)
}

func (e *lnkEnd) String() string {
	name := "the initiator"
	if e.role == Responder {
		name = "the responder"
	}
	if e.gen > 1 {
		name += fmt.Sprintf(" (restarted, #%d)", e.gen)
	}
	return name
}

// lnkLink is the in-memory link between an initiator and a responder.
type lnkLink struct {
	t      *testing.T
	run    string // which run of the test this is, for the messages
	seed   uint64
	faults lnkFaults
	start  time.Time
	stopCh chan struct{}
	wg     sync.WaitGroup

	mu       sync.Mutex
	rng      *rand.Rand
	script   lnkScript
	up       bool
	stopped  bool
	broken   bool // an endpoint panicked: nothing is handed over any more
	ends     [2]*lnkEnd
	gens     [2]int
	madeIDs  map[ID]bool         // IDs cfg.NewID made
	usedIDs  map[ID]bool         // IDs the initiator opened a session with
	sent     map[lnkKey][]string // the payloads of each DATA sent
	sends    map[lnkKey]int      // how many times each packet was sent, for fate
	lastAt   [2]time.Time        // FIFO: when the last first copy sent from each role arrives
	trace    []string
	problems []string
	nprob    int
	firstAt  int       // the trace's length when the first problem was found; -1 none
	hshake   []string  // the handshake packets sent, in order: "I SYN(5)"
	lastSYN  time.Time // when the initiator last sent SYN
}

// lnkNew returns a link with faults, whose randomness comes from seed, and
// an endpoint of each role plugged in; the link is down. When the test
// ends, both endpoints are closed, the link waits for its goroutines, and
// reports what its checks found.
func lnkNew(t *testing.T, seed uint64, faults lnkFaults) *lnkLink {
	t.Helper()
	l := &lnkLink{
		t: t, seed: seed, faults: faults, start: time.Now(), stopCh: make(chan struct{}), firstAt: -1,
		rng:     rand.New(rand.NewPCG(seed, seed^0x5e55)),
		madeIDs: map[ID]bool{}, usedIDs: map[ID]bool{}, sent: map[lnkKey][]string{}, sends: map[lnkKey]int{},
	}
	t.Cleanup(l.stop)
	for _, r := range []Role{Initiator, Responder} {
		l.plug(r)
	}
	return l
}

// lnkProbe calls each method of an Endpoint once, through try, on
// endpoints of its own, so that a stub (of the endpoint, or of the
// TimeoutHandler it uses) fails the test here, with its message, and not
// in a goroutine of the link.
func lnkProbe(t *testing.T) {
	t.Helper()
	bubble(t, lnkBubbleAdvice, func(t *testing.T) {
		var ini, res *Endpoint
		cfg := func(r Role) Config {
			return Config{Role: r, Send: func(Packet) {}, Deliver: func(Packet) {}, NewID: func() ID { return 7 }}
		}
		try(t, "NewEndpoint", func() { ini = NewEndpoint(cfg(Initiator)) })
		try(t, "NewEndpoint", func() { res = NewEndpoint(cfg(Responder)) })
		try(t, "Endpoint.State", func() { ini.State() })
		try(t, "Endpoint.SessionID", func() { ini.SessionID() })
		try(t, "Endpoint.LinkUp (of the initiator: it registers the retry)", func() { ini.LinkUp() })
		try(t, "Endpoint.HandlePacket(SYN-ACK) (the initiator cancels the retry)", func() {
			ini.HandlePacket(Packet{Kind: SYNACK, ID: 7})
		})
		try(t, "Endpoint.Send", func() { ini.Send("probe") })
		try(t, "Endpoint.HandlePacket(SYN) (the responder registers its time-outs)", func() {
			res.HandlePacket(Packet{Kind: SYN, ID: 7})
		})
		try(t, "Endpoint.HandlePacket(DATA)", func() { res.HandlePacket(Packet{Kind: DATA, ID: 7, Data: "probe"}) })
		try(t, "Endpoint.LinkDown", func() { ini.LinkDown() })
		try(t, "Endpoint.Close", func() { ini.Close(); res.Close() })
	})
}

// lnkStuck is how long, in real time, one run of a test of the link may
// take before the watchdog stops the test binary. On the reference a run
// takes a few milliseconds under -race.
const lnkStuck = 10 * time.Second

// lnkRun runs body in a bubble with a new link whose randomness comes
// from seed: the frame of every test of the link. run says which run of
// the test it is, for the messages ("" if there is one). A watchdog,
// outside the bubble, stops the test binary if the run has not ended
// within lnkStuck: goroutines waiting for an endpoint's lock stop the fake
// clock, and the bubble would wait for them for ever.
func lnkRun(t *testing.T, seed uint64, run string, faults lnkFaults, body func(t *testing.T, l *lnkLink)) {
	t.Helper()
	done := make(chan struct{})
	defer close(done)
	name := t.Name()
	go func() {
		select {
		case <-done:
		case <-time.After(lnkStuck):
			panic(fmt.Sprintf("session: %s (%s) has run for %v of real time and cannot end, so it stops the test "+
				"binary here (on the reference a run takes milliseconds).\nLikely cause: goroutines wait for an "+
				"endpoint's lock for ever, which no fake time can end, since a goroutine waiting for a sync.Mutex "+
				"stops synctest's clock: a goroutine holds the lock while it waits on a channel (the note's "+
				"deadlock: a Cancel that sends on an unbuffered cancel channel that nobody reads any more), or "+
				"takes the lock it already holds (a callback that locks mu, called with mu held); or a time-out "+
				"that re-arms itself for ever after Close (docs/session.md, parts A and C).\n\nGoroutines running "+
				"the lab's code:\n%s", name, cmp.Or(run, "its one run"), lnkStuck, stacks()))
		}
	}()
	bubble(t, lnkBubbleAdvice, func(t *testing.T) {
		l := lnkNew(t, seed, faults)
		if run != "" {
			l.run = run + "; "
		}
		body(t, l)
	})
}

// lnkRuns runs body over a link with faults, once for each of n seeds
// made from the test's seed, so that the test's seed replays them all.
func lnkRuns(t *testing.T, seed uint64, n int, faults lnkFaults, body func(t *testing.T, l *lnkLink)) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 0x11c))
	for i := range n {
		lnkRun(t, r.Uint64(), fmt.Sprintf("run %d of %d", i+1, n), faults, body)
	}
}

// lnkStart is the start of a test of the link: the leak check, the probe,
// then the seed, printed with the command that replays the run if the test
// fails.
func lnkStart(t *testing.T) uint64 {
	t.Helper()
	labtest.NoLeaks(t, "the test's endpoints were closed", lnkLeakAdvice)
	lnkProbe(t)
	seed := labtest.Seed(t)
	labtest.Replay(t, seed)
	return seed
}

// --- The link ---------------------------------------------------------------------------

func lnkArrow(from Role) string {
	if from == Initiator {
		return "I→R"
	}
	return "R→I"
}

func lnkOther(r Role) Role { return 1 - r }

// now is the virtual time since the link was made.
func (l *lnkLink) now() time.Duration { return time.Since(l.start) }

// logf adds a line to the trace. Call it with mu held.
func (l *lnkLink) logf(format string, args ...any) {
	l.trace = append(l.trace, fmt.Sprintf("%8.3fs  ", l.now().Seconds())+fmt.Sprintf(format, args...))
}

// problem records what a check found. Call it with mu held.
func (l *lnkLink) problem(format string, args ...any) {
	l.nprob++
	msg := fmt.Sprintf(format, args...)
	if l.firstAt < 0 {
		l.firstAt = len(l.trace)
	}
	l.logf("!! %s", strings.SplitN(msg, "\n", 2)[0])
	if len(l.problems) < 3 && !slices.Contains(l.problems, msg) {
		l.problems = append(l.problems, msg)
	}
}

// traceTail returns the last events on the link, or those up to a few
// after the first problem the checks found, for a failure message.
func (l *lnkLink) traceTail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	tr := l.trace
	head := fmt.Sprintf("The last events on the link (virtual time; %slink: %v):\n", l.run, l.faults)
	if l.firstAt >= 0 && l.firstAt+5 < len(tr) {
		head = fmt.Sprintf("The events on the link up to the first problem (virtual time; %slink: %v):\n",
			l.run, l.faults)
		tr = tr[:l.firstAt+5]
	}
	if len(tr) > lnkTraceLines {
		head += fmt.Sprintf("  ... %d earlier events\n", len(tr)-lnkTraceLines)
		tr = tr[len(tr)-lnkTraceLines:]
	}
	return head + "  " + strings.Join(tr, "\n  ")
}

// fail fails the test with msg and the tail of the trace.
func (l *lnkLink) fail(msg string, args ...any) {
	l.t.Helper()
	l.t.Errorf(msg+"\n\n%s", append(args, l.traceTail())...)
}

// plug makes a new endpoint of role r and plugs it into the link, in place
// of the one there was.
func (l *lnkLink) plug(r Role) *lnkEnd {
	l.mu.Lock()
	l.gens[r]++
	e := &lnkEnd{role: r, gen: l.gens[r], seenSYN: map[ID]bool{}}
	l.mu.Unlock()
	cfg := Config{
		Role:    r,
		Send:    func(p Packet) { l.send(e, p) },
		Deliver: func(p Packet) { l.deliver(e, p) },
		NewID:   l.newID,
	}
	try(l.t, "NewEndpoint", func() { e.ep = NewEndpoint(cfg) })
	l.mu.Lock()
	l.ends[r] = e
	l.mu.Unlock()
	return e
}

// end returns the endpoint plugged in as r.
func (l *lnkLink) end(r Role) *lnkEnd {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ends[r]
}

// newID is every endpoint's cfg.NewID: random IDs of 6 digits, each new, so
// a restarted initiator makes new ones too.
func (l *lnkLink) newID() ID {
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		id := ID(100000 + l.rng.IntN(900000))
		if !l.madeIDs[id] {
			l.madeIDs[id] = true
			return id
		}
	}
}

// send is every endpoint's cfg.Send: check p against the model of e, and
// put its copies on their way. It is called with e's lock held: it never
// calls an endpoint.
func (l *lnkLink) send(e *lnkEnd, p Packet) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.closed {
		e.afterClose++
		if e.afterClose == 1 {
			l.problem("%v sent %v after it was closed.\nExpected: a closed endpoint sends nothing: Close cancels both "+
				"time-outs, and every later event is ignored.\nLikely cause: Close does not cancel the retry, or the "+
				"retry's callback re-arms itself whatever the state (docs/session.md, parts B and C).", e, p)
		}
		if l.stopped && e.afterClose > 20 {
			// A retry that re-arms itself for ever after Close would
			// keep the bubble's clock running for ever: end its
			// goroutine here (the deferred Unlock runs).
			runtime.Goexit()
		}
		return
	}
	l.model(e, p)
	if l.stopped {
		return
	}
	from := e.role
	if !l.up {
		l.logf("%s %v sent by %v: lost, the link is down", lnkArrow(from), p, e)
		return
	}
	delays, scripted := []time.Duration(nil), false
	if l.script != nil {
		delays, scripted = l.script(from, p)
	}
	if !scripted {
		delays = l.fate(from, p)
	}
	if len(delays) == 0 {
		l.logf("%s %v sent by %v: lost", lnkArrow(from), p, e)
		return
	}
	now := time.Now()
	parts := make([]string, len(delays))
	for i, d := range delays {
		at := now.Add(d)
		if i == 0 && l.faults.FIFO && !scripted {
			if !at.After(l.lastAt[from]) {
				at = l.lastAt[from].Add(time.Nanosecond)
			}
			l.lastAt[from] = at
		}
		parts[i] = fmt.Sprintf("%.3fs", at.Sub(l.start).Seconds())
		l.wg.Add(1)
		go l.carry(lnkOther(from), p, at)
	}
	l.logf("%s %v sent by %v: arrives at %s", lnkArrow(from), p, e, strings.Join(parts, " and "))
}

// fate draws the delays of a packet's copies from the faults: none if it
// is lost. The draw depends on the seed and on the packet (who sent it,
// its kind, session and Seq, and how many times the same was sent
// before), not on the order in which goroutines send: a seed replays the
// same faults. Call it with mu held.
func (l *lnkLink) fate(from Role, p Packet) []time.Duration {
	key := lnkKey{from, p.ID, p.Seq}
	if p.Kind != DATA {
		key.seq = uint64(p.Kind) << 56
	}
	n := l.sends[key]
	l.sends[key]++
	h := uint64(from+1)*0x9e3779b97f4a7c15 ^ uint64(p.Kind)*0xbf58476d1ce4e5b9 ^ uint64(p.ID)*0x94d049bb133111eb ^
		(p.Seq+1)*0xd6e8feb86659fd93 ^ uint64(n+1)*0xa0761d6478bd642f
	rng := rand.New(rand.NewPCG(l.seed, h))
	f := l.faults
	if f.Drop > 0 && rng.Float64() < f.Drop {
		return nil
	}
	delay := func(max time.Duration) time.Duration {
		d := f.MinDelay
		if span := max - f.MinDelay; span > 0 {
			d += time.Duration(rng.Int64N(int64(span)/int64(lnkStep)+1)) * lnkStep
		}
		return d
	}
	ds := []time.Duration{delay(f.MaxDelay)}
	if f.Dup > 0 && rng.Float64() < f.Dup {
		ds = append(ds, max(ds[0], delay(f.MaxDelay+f.DupLag)))
	}
	return ds
}

// carry is the goroutine of one copy of a packet: at the time it arrives,
// it hands it to the endpoint plugged in at role to, if the link is up.
func (l *lnkLink) carry(to Role, p Packet, at time.Time) {
	defer l.wg.Done()
	timer := time.NewTimer(time.Until(at))
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-l.stopCh:
		return
	}
	l.mu.Lock()
	if l.stopped || l.broken {
		l.mu.Unlock()
		return
	}
	if !l.up {
		l.logf("%s %v: lost, the link is down", lnkArrow(lnkOther(to)), p)
		l.mu.Unlock()
		return
	}
	e := l.ends[to]
	a := l.arrive(e, p)
	l.mu.Unlock()

	defer func() {
		if v := recover(); v != nil {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.broken = true
			if s, ok := labtest.Stub(v); ok {
				l.problem("%s", s)
				return
			}
			l.problem("%v: HandlePacket(%v) panicked: %v\n\n%s", e, p, v, debug.Stack())
		}
	}()
	e.ep.HandlePacket(p)
	if a != nil {
		l.mu.Lock()
		a.done = true
		l.mu.Unlock()
	}
}

// arrive records that p is handed to e now, and returns its record if it is
// a DATA of e's session. Call it with mu held.
func (l *lnkLink) arrive(e *lnkEnd, p Packet) *lnkArrival {
	switch {
	case p.ID == e.cur || e.closed:
		l.logf("%s %v arrives at %v", lnkArrow(lnkOther(e.role)), p, e)
	case e.cur == 0:
		l.logf("%s %v arrives at %v, which has no session", lnkArrow(lnkOther(e.role)), p, e)
	default:
		l.logf("%s %v arrives at %v, in session %d", lnkArrow(lnkOther(e.role)), p, e, e.cur)
	}
	if e.role == Responder && p.Kind == SYN {
		e.seenSYN[p.ID] = true
	}
	if p.Kind != DATA || e.closed || e.cur == 0 || p.ID != e.cur {
		return nil
	}
	a := &lnkArrival{at: time.Now(), seq: p.Seq, watched: e.est && !e.closing}
	e.arrivals = append(e.arrivals, a)
	return a
}

// --- The model ------------------------------------------------------------------------

// model checks a packet e sends against what the table lets it send, and
// follows e's session. Call it with mu held.
func (l *lnkLink) model(e *lnkEnd, p Packet) {
	switch {
	case p.ID == 0:
		l.problem("%v sent %v: a packet with session ID 0.\nExpected: 0 is never a session's ID; a packet is "+
			"always of the current session (docs/session.md, part B).", e, p)
	case e.role == Initiator && p.Kind == SYN:
		l.hshake = append(l.hshake, "I "+p.String())
		l.lastSYN = time.Now()
		if p.ID == e.cur {
			return // a retry
		}
		if !l.madeIDs[p.ID] {
			l.problem("%v opened session %d, an ID cfg.NewID never made.\nExpected: each new session's ID comes from "+
				"cfg.NewID (docs/session.md, part B).", e, p.ID)
		} else if l.usedIDs[p.ID] {
			l.problem("%v opened session %d again, an ID it had opened a session with before.\nExpected: a new "+
				"ID for each session (cfg.NewID at each LinkUp from Idle): DATA of the old session still in flight "+
				"would be taken for the new one's, the note's restart bug (docs/session.md, part C).", e, p.ID)
		}
		l.usedIDs[p.ID] = true
		l.enter(e, p.ID)
	case e.role == Responder && p.Kind == SYNACK:
		l.hshake = append(l.hshake, "R "+p.String())
		if !e.seenSYN[p.ID] {
			l.problem("%v sent %v, but no SYN(%d) ever reached it.\nExpected: the responder answers a SYN with "+
				"SYN-ACK of the SYN's ID (docs/session.md, part B).", e, p, p.ID)
		}
		if p.ID != e.cur {
			l.enter(e, p.ID)
		}
	case e.role == Initiator && p.Kind == ACK:
		l.hshake = append(l.hshake, "I "+p.String())
		if p.ID != e.cur {
			l.problem("%v sent %v, but its session is %s.\nExpected: ACK only of the session the initiator "+
				"opened, in answer to its SYN-ACK (docs/session.md, part B).", e, p, lnkSess(e.cur))
			return
		}
		e.est = true // the initiator sends ACK in Established only
	case p.Kind == DATA:
		e.dataSent++
		l.sent[lnkKey{e.role, p.ID, p.Seq}] = append(l.sent[lnkKey{e.role, p.ID, p.Seq}], p.Data)
		switch {
		case p.ID != e.cur:
			l.problem("%v sent %v, but its session is %s.\nExpected: DATA only in the current session, "+
				"Established (docs/session.md, part B).", e, p, lnkSess(e.cur))
		case p.Seq != e.nextSeq:
			l.problem("%v sent %v, but the last DATA it sent in session %d was Seq %s.\nExpected: DATA numbered "+
				"0, 1, 2 ... in each session, each Seq once, even when goroutines call Send at once.\nLikely cause: "+
				"the Seq is not reset when a session opens, or it is read and incremented in two steps, not both "+
				"under the endpoint's lock (docs/session.md, parts B and C).", e, p, p.ID, lnkPrevSeq(e.nextSeq))
			e.nextSeq = max(e.nextSeq, p.Seq+1)
		default:
			e.nextSeq++
		}
		if e.role == Responder && p.ID == e.cur {
			e.est = true // the responder sends DATA in Established only
		}
	default:
		l.problem("%v sent %v.\nExpected: the initiator sends SYN, ACK and DATA; the responder SYN-ACK and DATA "+
			"(docs/session.md, part B).", e, p)
	}
}

func lnkSess(id ID) string {
	if id == 0 {
		return "none (Idle)"
	}
	return fmt.Sprint(id)
}

func lnkPrevSeq(next uint64) string {
	if next == 0 {
		return "none (it had sent no DATA in it yet)"
	}
	return fmt.Sprint(next - 1)
}

// enter moves the model of e to session id. Call it with mu held.
func (l *lnkLink) enter(e *lnkEnd, id ID) {
	l.leave(e)
	e.cur, e.sessions = id, e.sessions+1
}

// leave ends the model of e's session (LinkDown, a restart, a new
// session), and checks that e delivered what it had to. Call it with mu
// held.
func (l *lnkLink) leave(e *lnkEnd) {
	if e.cur != 0 {
		l.checkExpected(e)
	}
	e.cur, e.est, e.nextSeq, e.delivered, e.arrivals = 0, false, 0, nil, nil
}

// checkExpected checks that e delivered every DATA of its session that
// arrived once it was Established with a Seq higher than every one that
// arrived before it (those that arrived at the same instant are left out:
// their order is the lock's). Call it with mu held.
func (l *lnkLink) checkExpected(e *lnkEnd) {
	got := map[uint64]bool{}
	for _, s := range e.delivered {
		got[s] = true
	}
	var missed []uint64
	for i, a := range e.arrivals {
		if !a.watched || !a.done || got[a.seq] {
			continue
		}
		expected := true
		for j, b := range e.arrivals {
			if j != i && (b.at.Before(a.at) && b.seq >= a.seq || b.at.Equal(a.at) && b.seq > a.seq) {
				expected = false
				break
			}
		}
		if expected && !slices.Contains(missed, a.seq) {
			missed = append(missed, a.seq)
		}
	}
	if len(missed) > 0 {
		l.problem("%v, Established in session %d, was handed DATA with Seq %v of its session, each higher than "+
			"every Seq that had arrived before, and did not deliver it.\nExpected: DATA of the session whose Seq is "+
			"the next expected or later is delivered (cfg.Deliver), and the next expected becomes Seq+1.\nLikely "+
			"cause: only Seq == next expected is accepted, so one lost or overtaken packet stops the session; or "+
			"the next expected Seq was not reset to 0 when the session opened, and still counts from an older "+
			"session: the note's restart bug (docs/session.md, parts B and C).", e, e.cur, lnkShort(missed))
	}
}

func lnkShort(s []uint64) string {
	if len(s) > 8 {
		return fmt.Sprintf("%v ... (%d of them)", s[:8], len(s))
	}
	return fmt.Sprint(s)
}

// deliver is every endpoint's cfg.Deliver: check p against the model of e.
// It is called with e's lock held.
func (l *lnkLink) deliver(e *lnkEnd, p Packet) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logf("%v delivers %v", e, p)
	e.deliveries++
	key := lnkKey{lnkOther(e.role), p.ID, p.Seq}
	switch {
	case e.closed:
		l.problem("%v delivered %v after it was closed.\nExpected: a closed endpoint ignores every event "+
			"(docs/session.md, part B).", e, p)
	case p.Kind != DATA:
		l.problem("%v delivered %v.\nExpected: only DATA is delivered to the application (docs/session.md, part B).",
			e, p)
	case e.cur == 0:
		l.problem("%v delivered %v while it had no session: it had not opened one since it started or since "+
			"LinkDown.\nExpected: an endpoint with no session (Idle) drops every DATA; a restarted responder waits "+
			"for a SYN (docs/session.md, parts B and C).", e, p)
	case p.ID != e.cur:
		l.problem("%v delivered %v, a DATA of session %d, while it was in session %d (its last handshake packet "+
			"was for %d).\nExpected: DATA of another session is dropped whatever its Seq: a packet of an older "+
			"session is told apart by its ID, not by its number. That is the fix of the note's restart bug "+
			"(docs/session.md, part C).", e, p, p.ID, e.cur, e.cur)
	case len(e.delivered) > 0 && p.Seq <= e.delivered[len(e.delivered)-1]:
		what := "again"
		if p.Seq < e.delivered[len(e.delivered)-1] {
			what = "after a later one"
		}
		l.problem("%v delivered %v %s: it had delivered Seq %d of this session.\nExpected: each Seq at most once, "+
			"in increasing order: a DATA whose Seq is below the next expected is a duplicate or was overtaken, and "+
			"is dropped.\nLikely cause: the next expected Seq is not updated to Seq+1, or it is read and updated "+
			"in two steps, not both under the endpoint's lock (docs/session.md, parts B and C).",
			e, p, what, e.delivered[len(e.delivered)-1])
	case !slices.Contains(l.sent[key], p.Data):
		l.problem("%v delivered %v, but %v never sent DATA(%d, %d, %q).\nExpected: the packet that arrived, as "+
			"it is (docs/session.md, part B).", e, p, lnkOther(e.role), p.ID, p.Seq, p.Data)
	}
	if p.Kind == DATA && p.ID == e.cur {
		e.delivered = append(e.delivered, p.Seq)
		e.est = true // a delivery proves the session Established
	}
}

// --- What a test does ---------------------------------------------------------------------

// endpoints returns the endpoints plugged in now.
func (l *lnkLink) endpoints() (ini, res *Endpoint) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ends[Initiator].ep, l.ends[Responder].ep
}

// linkUp brings the link up, and tells both ends (in a random order).
func (l *lnkLink) linkUp() {
	l.mu.Lock()
	l.up = true
	l.logf("test: the link is up: LinkUp at both ends")
	order := l.order()
	l.mu.Unlock()
	for _, r := range order {
		e := l.end(r)
		try(l.t, "Endpoint.LinkUp", e.ep.LinkUp)
	}
}

// order returns both roles, in a random order. Call it with mu held.
func (l *lnkLink) order() []Role {
	if l.rng.IntN(2) == 0 {
		return []Role{Initiator, Responder}
	}
	return []Role{Responder, Initiator}
}

// cut takes the link down, and tells both ends (in a random order).
func (l *lnkLink) cut() {
	l.mu.Lock()
	l.up = false
	l.logf("test: the link is down: LinkDown at both ends")
	order := l.order()
	for _, e := range l.ends {
		// What was handed over and not yet handled when the link
		// went down may be dropped: LinkDown comes first.
		for _, a := range e.arrivals {
			a.watched = a.watched && a.done
		}
	}
	l.mu.Unlock()
	for _, r := range order {
		e := l.end(r)
		try(l.t, "Endpoint.LinkDown", e.ep.LinkDown)
		l.mu.Lock()
		l.leave(e)
		l.mu.Unlock()
	}
}

// restart closes the endpoint of role r and plugs in a new one; if the
// link is up, the new one gets LinkUp, as a program that starts with its
// link up. It returns the new end.
func (l *lnkLink) restart(r Role) *lnkEnd {
	l.mu.Lock()
	old := l.ends[r]
	l.logf("test: %v is closed, and a new %v starts", old, strings.ToLower(r.String()))
	up := l.up
	l.mu.Unlock()
	l.close(old)
	e := l.plug(r)
	if up {
		try(l.t, "Endpoint.LinkUp", e.ep.LinkUp)
	}
	return e
}

// close closes the endpoint of e. Until Close returns, e may still
// handle a packet handed to it before, or not: nothing that has not been
// handled yet is expected delivered. Once Close returns, e must send and
// deliver nothing.
func (l *lnkLink) close(e *lnkEnd) {
	l.mu.Lock()
	e.closing = true
	for _, a := range e.arrivals {
		a.watched = a.watched && a.done
	}
	l.mu.Unlock()
	try(l.t, "Endpoint.Close", e.ep.Close)
	l.mu.Lock()
	l.leave(e)
	e.closed = true
	l.mu.Unlock()
}

// sendData sends data from the endpoint plugged in as r, and counts the
// Sends that succeed. It reports whether Send returned nil; an error other
// than ErrNotEstablished, or a panic, is a problem the link reports. Any
// goroutine may call it.
func (l *lnkLink) sendData(r Role, data string) (ok bool) {
	e := l.end(r)
	defer func() {
		if v := recover(); v != nil {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.problem("%v: Send(%q) panicked: %v\n\n%s", e, data, v, debug.Stack())
			ok = false
		}
	}()
	err := e.ep.Send(data)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err == nil:
		e.sendOK++
		return true
	case !errors.Is(err, ErrNotEstablished):
		l.problem("%v: Send(%q) returned %v.\nExpected: nil in Established, ErrNotEstablished in any other "+
			"state (docs/session.md, part B).", e, data, err)
	}
	return false
}

// lnkStates is what the test sees of both ends.
type lnkStates struct {
	iniState, resState State
	iniID, resID       ID
}

func (s lnkStates) String() string {
	return fmt.Sprintf("the initiator is %v in session %s, the responder %v in session %s",
		s.iniState, lnkSess(s.iniID), s.resState, lnkSess(s.resID))
}

// established reports whether both ends are Established in the same session.
func (s lnkStates) established() bool {
	return s.iniState == Established && s.resState == Established && s.iniID == s.resID && s.iniID != 0
}

// states returns the states and sessions of both ends. An end seen
// Established in the session the model has for it (its state read before
// and after its ID, the same) is known to be Established: from then on,
// its session's DATA is expected delivered.
func (l *lnkLink) states() lnkStates {
	ini, res := l.end(Initiator), l.end(Responder)
	var s lnkStates
	var again [2]State
	try(l.t, "Endpoint.State", func() { s.iniState, s.resState = ini.ep.State(), res.ep.State() })
	try(l.t, "Endpoint.SessionID", func() { s.iniID, s.resID = ini.ep.SessionID(), res.ep.SessionID() })
	try(l.t, "Endpoint.State", func() { again = [2]State{ini.ep.State(), res.ep.State()} })
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range []struct {
		e         *lnkEnd
		st, again State
		id        ID
	}{{ini, s.iniState, again[0], s.iniID}, {res, s.resState, again[1], s.resID}} {
		if x.st == Established && x.again == Established && x.id == x.e.cur && x.id != 0 {
			x.e.est = true
		}
	}
	s.iniState, s.resState = again[0], again[1]
	return s
}

// await waits, in virtual time, until both ends are Established in the
// same session, at most bound. It fails the test if they are not, with
// what each end is, and cause. With data, the initiator sends DATA, one
// every lnkPoll, from the moment it is Established, as an application
// does: the table counts on it when the ACK is lost (a responder in
// SynReceived takes DATA of its session for the ACK).
func (l *lnkLink) await(bound time.Duration, data bool, cause string) (lnkStates, bool) {
	l.t.Helper()
	return l.awaitNew(bound, data, 0, cause)
}

// awaitNew is await, for a session other than old.
func (l *lnkLink) awaitNew(bound time.Duration, data bool, old ID, cause string) (lnkStates, bool) {
	l.t.Helper()
	deadline := time.Now().Add(bound)
	for {
		s := l.states()
		if s.established() && s.iniID != old {
			return s, true
		}
		if !time.Now().Before(deadline) {
			what := "in the same session"
			if old != 0 {
				what = fmt.Sprintf("in the same session, a new one (not %d)", old)
			}
			l.fail("after %v of virtual time over the link, %v.\nExpected: both Established %s within %v.\n"+
				"Likely cause: %s", bound, s, what, bound, cause)
			return s, false
		}
		if data && s.iniState == Established {
			l.send1(Initiator)
		}
		time.Sleep(lnkPoll)
	}
}

// lnkAwaitCause is the likely cause of a handshake that does not end over
// a lossy link.
const lnkAwaitCause = "the handshake does not survive a lost or duplicated packet: the retry is not re-armed after " +
	"it fires (SYN resent once, then never), a duplicate SYN-ACK in Established is not answered with ACK again, or " +
	"the responder does not take DATA of its session in SynReceived as proof of the lost ACK (docs/session.md, " +
	"parts B and C)."

// exchange has both ends send n DATA each, one every gap, while they are
// Established (a Send that returns ErrNotEstablished is tried again at the
// next gap), at most bound. It returns the sends that succeeded.
func (l *lnkLink) exchange(n int, gap, bound time.Duration) (sent [2]int) {
	l.t.Helper()
	deadline := time.Now().Add(bound)
	for (sent[0] < n || sent[1] < n) && time.Now().Before(deadline) && !l.t.Failed() {
		for _, r := range []Role{Initiator, Responder} {
			if sent[r] < n && l.send1(r) {
				sent[r]++
			}
		}
		time.Sleep(gap)
	}
	return sent
}

// send1 sends one DATA from the end plugged in as r, its payload the
// end's name and a count: "I1:17" is the 17th DATA the first initiator
// sent. It reports whether Send returned nil.
func (l *lnkLink) send1(r Role) bool {
	l.mu.Lock()
	e := l.ends[r]
	data := fmt.Sprintf("%c%d:%d", r.String()[0], e.gen, e.payloads)
	e.payloads++
	l.mu.Unlock()
	return l.sendData(r, data)
}

// settle waits until no SYN can still be in flight. A test calls it
// before it cuts the link or restarts an end, when the scenario needs
// both ends to end up in the same session: a SYN of a dead session that
// arrives late makes the responder leave its session for the dead one,
// and the table has no way back (see "What the table does not cover" in
// docs/session.md, part C).
func (l *lnkLink) settle() {
	l.mu.Lock()
	until := l.lastSYN.Add(l.faults.MaxDelay + l.faults.DupLag + lnkStep)
	l.mu.Unlock()
	if d := time.Until(until); d > 0 {
		time.Sleep(d)
	}
}

// drain lets every packet in flight arrive.
func (l *lnkLink) drain() {
	time.Sleep(l.faults.MaxDelay + l.faults.DupLag + 2*lnkStep + 2*time.Second)
}

// check fails the test with what the link's checks found so far.
func (l *lnkLink) check() {
	l.t.Helper()
	l.mu.Lock()
	for _, e := range l.ends {
		if e.cur != 0 {
			l.checkExpected(e)
			for _, a := range e.arrivals {
				a.watched = false // checked once
			}
		}
	}
	probs, n := l.problems, l.nprob
	l.problems, l.nprob = nil, 0
	l.mu.Unlock()
	if n == 0 {
		return
	}
	more := ""
	if n > len(probs) {
		more = fmt.Sprintf("\n\n(%d problems in all in this run)", n)
	}
	l.fail("the link saw the endpoints break the session's rules:\n\n%s%s", strings.Join(probs, "\n\n"), more)
}

// stop ends the run: both endpoints closed, every packet still in flight
// dropped, the link's goroutines ended, and what its checks found reported.
func (l *lnkLink) stop() {
	l.mu.Lock()
	ends := slices.Clone(l.ends[:])
	l.mu.Unlock()
	if !l.t.Failed() {
		l.check()
	}
	for _, e := range ends {
		if e != nil && e.ep != nil {
			l.close(e)
		}
	}
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	close(l.stopCh)
	l.wg.Wait()
	// The time-outs of closed endpoints must not fire and send: give them
	// the time to, in virtual time.
	time.Sleep(HalfOpenTimeout + RetryInterval)
	l.mu.Lock()
	probs := l.problems
	l.problems = nil
	l.mu.Unlock()
	if len(probs) > 0 && !l.t.Failed() {
		l.t.Errorf("after the test closed both endpoints:\n\n%s", strings.Join(probs, "\n\n"))
	}
}

// --- The handshake, state by state ---------------------------------------------------------

// TestLinkHandshakeStates checks that the student's endpoints walk the
// main path of the state diagrams (docs/session.md, part B): over a link
// that delivers every packet 10ms after it was sent, the two ends are seen
// in each state of the handshake in turn, at the virtual instants the
// diagrams imply, and LinkDown takes both back to Idle. That the handout
// draws exactly the table is checked in internal/handouts.
func TestLinkHandshakeStates(t *testing.T) {
	lnkProbe(t)
	lnkRun(t, 0, "", lnkReliable, func(t *testing.T, l *lnkLink) {
		start := time.Now()
		l.linkUp()
		for _, step := range []struct {
			at       time.Duration
			ini, res State
			what     string
		}{
			{5 * time.Millisecond, SynSent, Idle, "after LinkUp at both ends, SYN in flight"},
			{15 * time.Millisecond, SynSent, SynReceived, "after the SYN reached the responder, SYN-ACK in flight"},
			{25 * time.Millisecond, Established, SynReceived, "after the SYN-ACK reached the initiator, ACK in flight"},
			{35 * time.Millisecond, Established, Established, "after the ACK reached the responder"},
		} {
			time.Sleep(step.at - time.Since(start))
			if s := l.states(); s.iniState != step.ini || s.resState != step.res {
				l.fail("%v %s (the link delivers every packet 10ms after it is sent), %v.\nExpected: the "+
					"initiator %v and the responder %v, as the state diagrams draw the handshake (docs/session.md, "+
					"part B, \"The state machine\").", step.at, step.what, s, step.ini, step.res)
				return
			}
		}
		l.cut()
		if s := l.states(); s.iniState != Idle || s.resState != Idle {
			l.fail("after LinkDown at both ends, %v.\nExpected: both Idle: \"link down\" leads every state to "+
				"Idle (docs/session.md, part B, \"The state machine\").", s)
		}
		l.check()
	})
}

// --- The tests ----------------------------------------------------------------------------

// delivered returns the Seqs the end plugged in as r delivered in its
// session, in order.
func (l *lnkLink) delivered(r Role) []uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ends[r].delivered)
}

// handshake returns the handshake packets sent so far, in order.
func (l *lnkLink) handshake() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.hshake)
}

// lnkSeq returns 0, 1, ..., n-1.
func lnkSeq(n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = uint64(i)
	}
	return s
}

// sendN has the end plugged in as r send n DATA at the same instant. It
// fails the test and reports false if a Send fails: the test calls it
// when both ends are Established.
func (l *lnkLink) sendN(r Role, n int) bool {
	l.t.Helper()
	for range n {
		if !l.send1(r) {
			l.fail("%v: Send failed, while %v.\nExpected: nil: Send in Established sends DATA (docs/session.md, "+
				"part B).", l.end(r), l.states())
			return false
		}
	}
	return true
}

// TestLinkReliable runs the handshake and DATA both ways over a link that
// loses nothing and keeps the order: exactly SYN, SYN-ACK, ACK, nothing
// resent, both ends Established in the session cfg.NewID made, and every
// DATA delivered once, in order, at the other end.
func TestLinkReliable(t *testing.T) {
	seed := lnkStart(t)
	lnkRun(t, seed, "", lnkReliable, func(t *testing.T, l *lnkLink) {
		l.linkUp()
		s, ok := l.await(RetryInterval, false, "over a link that loses nothing, the handshake is SYN, SYN-ACK, ACK: "+
			"see the rows of Idle, SynSent and SynReceived in table.go (docs/session.md, parts B and C).")
		if !ok {
			return
		}
		id := s.iniID
		want := []string{fmt.Sprintf("I SYN(%d)", id), fmt.Sprintf("R SYN-ACK(%d)", id), fmt.Sprintf("I ACK(%d)", id)}
		if hs := l.handshake(); !slices.Equal(hs, want) {
			l.fail("over a link that loses nothing, the handshake packets sent were %v.\nExpected: exactly %v: the "+
				"initiator's SYN of a new ID, the responder's SYN-ACK of the same ID, the initiator's ACK, each "+
				"once (docs/session.md, parts B and C).", hs, want)
			return
		}
		// Five bursts of 10 DATA each way, each burst sent at one instant.
		const n = 50
		for range n / 10 {
			if !l.sendN(Initiator, 10) || !l.sendN(Responder, 10) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		l.drain()
		for _, r := range []Role{Initiator, Responder} {
			if got := l.delivered(r); !slices.Equal(got, lnkSeq(n)) {
				l.fail("over a link that loses nothing and keeps the order, %v delivered the Seqs %v of the "+
					"%d DATA the other end sent (Seq 0 to %d).\nExpected: each of them, once, in order "+
					"(docs/session.md, parts B and C).", l.end(r), lnkShort(got), n, n-1)
			}
		}
		// Established: nothing is resent, however long the session lasts.
		time.Sleep(3 * RetryInterval)
		if hs := l.handshake(); !slices.Equal(hs, want) {
			l.fail("once both ends were Established, handshake packets were sent again: %v.\nExpected: only %v: "+
				"the retry is cancelled when the session is Established, and the give-up too.\nLikely cause: the "+
				"transition to Established does not cancel the retry, or a Cancel does not stop a timer that had "+
				"already fired (docs/session.md, parts A and B).", hs, want)
		}
		if st := l.states(); st.iniID != id || !st.established() {
			l.fail("%v later, %v.\nExpected: both still Established in session %d: nothing in the table leaves "+
				"it but LinkDown (docs/session.md, part B).", 3*RetryInterval, st, id)
		}
		l.check()
	})
}

// lnkDropFirst is a script that loses the first packet of kind k.
func lnkDropFirst(l *lnkLink, k Kind) {
	dropped := false // guarded by l.mu: the script runs with it held
	l.script = func(from Role, p Packet) ([]time.Duration, bool) {
		if p.Kind == k && !dropped {
			dropped = true
			return nil, true
		}
		return nil, false
	}
}

// TestLinkLostHandshake loses one handshake packet, the first of its kind,
// over an otherwise reliable link: the retries (RetryInterval) make the
// session all the same. A lost ACK is made up for by the DATA that
// follows it, or, with no DATA, by the responder's SYN-ACK retry, which
// the initiator, Established, answers with ACK again.
func TestLinkLostHandshake(t *testing.T) {
	seed := lnkStart(t)
	for _, tc := range []struct {
		name  string
		lost  Kind
		data  bool          // the initiator sends DATA as soon as it is Established
		least time.Duration // both ends are not Established before
		cause string
	}{
		{"SYN", SYN, false, RetryInterval, "the initiator does not resend SYN after RetryInterval in SynSent (the " +
			"retry is not registered at LinkUp, or does not resend)"},
		{"SYN-ACK", SYNACK, false, RetryInterval, "neither the responder's retry (SYN-ACK again after " +
			"RetryInterval) nor its answer to a SYN resent (SynReceived, SYN of the same ID: SYN-ACK again) works"},
		{"ACK then DATA", ACK, true, 0, "the responder in SynReceived drops DATA of its session, where the table " +
			"takes it as proof that the ACK was sent: Established, and the DATA delivered"},
		{"ACK alone", ACK, false, RetryInterval, "the responder does not resend SYN-ACK after RetryInterval in " +
			"SynReceived, or the initiator in Established does not answer a SYN-ACK of its session with ACK again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lnkRun(t, seed, "", lnkReliable, func(t *testing.T, l *lnkLink) {
				lnkDropFirst(l, tc.lost)
				start := time.Now()
				l.linkUp()
				s, ok := l.await(RetryInterval+time.Second, tc.data, fmt.Sprintf("with the first %v lost, %s "+
					"(docs/session.md, parts B and C).", tc.lost, tc.cause))
				if !ok {
					return
				}
				if took := time.Since(start); took < tc.least {
					l.fail("with the first %v lost, both ends were Established after %v.\nExpected: not before "+
						"%v: nothing but the retry resends a handshake packet, and it waits RetryInterval "+
						"(docs/session.md, parts B and C).", tc.lost, took, tc.least)
				}
				if tc.data {
					time.Sleep(100 * time.Millisecond)
					if got := l.delivered(Responder); len(got) == 0 || got[0] != 0 {
						l.fail("with the ACK lost, the initiator sent DATA(%d, 0, ...) and more, and the responder "+
							"delivered the Seqs %v.\nExpected: from 0: in SynReceived, DATA of its session proves "+
							"the ACK was sent: Established, and the DATA delivered (docs/session.md, part B).",
							s.iniID, lnkShort(got))
					}
				}
				l.check()
			})
		})
	}
}

// lnkLossy is one run over a bad link: the handshake, then n DATA each
// way, one every gap. Both ends must be Established in one session
// within lnkBound, and stay so; the link checks the rest.
func lnkLossy(t *testing.T, l *lnkLink, n int, gap time.Duration) {
	l.linkUp()
	s, ok := l.await(lnkBound, true, lnkAwaitCause)
	if !ok {
		return
	}
	sent := l.exchange(n, gap, lnkBound)
	if sent[Initiator] < n || sent[Responder] < n {
		l.fail("within %v, the initiator's Send succeeded %d times and the responder's %d, of %d each, after both "+
			"were Established in session %d; now %v.\nExpected: both stay Established (nothing in the table leaves "+
			"it but LinkDown), and Send succeeds there (docs/session.md, parts B and C).",
			lnkBound, sent[Initiator], sent[Responder], n, s.iniID, l.states())
		return
	}
	l.drain()
	if st := l.states(); !st.established() || st.iniID != s.iniID {
		l.fail("after the DATA, %v.\nExpected: both still Established in session %d: a lost, duplicated or late "+
			"packet of the session changes nothing once it is Established (docs/session.md, parts B and C).",
			st, s.iniID)
	}
	l.mu.Lock()
	counts := [2]int{l.ends[Initiator].deliveries, l.ends[Responder].deliveries}
	l.mu.Unlock()
	if counts[Initiator] == 0 || counts[Responder] == 0 {
		l.fail("the initiator delivered %d DATA and the responder %d, of %d sent each way over a link where most "+
			"arrive.\nExpected: DATA of the session delivered whenever its Seq is the next expected or later "+
			"(docs/session.md, parts B and C).", counts[Initiator], counts[Responder], n)
	}
	l.check()
}

// lnkSeeded runs lnkLossy over a link with faults, once for each of runs
// seeds made from the test's.
func lnkSeeded(t *testing.T, faults lnkFaults, runs, n int, gap time.Duration) {
	lnkRuns(t, lnkStart(t), runs, faults, func(t *testing.T, l *lnkLink) { lnkLossy(t, l, n, gap) })
}

// TestLinkDrop loses a quarter of the packets, the others arriving in
// order: the retries make the session, and every DATA that arrives is
// delivered, once.
func TestLinkDrop(t *testing.T) {
	lnkSeeded(t, lnkFaults{Drop: 0.25, MinDelay: 20 * time.Millisecond, MaxDelay: 20 * time.Millisecond, FIFO: true},
		20, 30, 20*time.Millisecond)
}

// TestLinkDuplicate duplicates half of the packets, the copy arriving up to
// 300ms after the first: each handshake packet may come twice, and each
// DATA is delivered once.
func TestLinkDuplicate(t *testing.T) {
	lnkSeeded(t, lnkFaults{Dup: 0.5, MinDelay: 20 * time.Millisecond, MaxDelay: 20 * time.Millisecond, FIFO: true,
		DupLag: 300 * time.Millisecond}, 20, 30, 20*time.Millisecond)
}

// TestLinkReorder delays each packet by a random time up to 300ms, so
// that DATA, sent every 20ms, arrives out of order: a DATA overtaken by a
// later one is dropped, the others delivered in increasing Seq.
func TestLinkReorder(t *testing.T) {
	lnkSeeded(t, lnkFaults{MaxDelay: 300 * time.Millisecond}, 20, 30, 20*time.Millisecond)
}

// TestLinkLossy does it all at once, 40 runs: packets lost, duplicated,
// delayed and reordered.
func TestLinkLossy(t *testing.T) {
	lnkSeeded(t, lnkLossyFaults, 40, 30, 20*time.Millisecond)
}

// lnkLossyFaults is the bad link of the tests that do everything at once.
var lnkLossyFaults = lnkFaults{Drop: 0.2, Dup: 0.2, MaxDelay: 200 * time.Millisecond, DupLag: 200 * time.Millisecond}

// lnkSlow is a script that, while on, delays every DATA by 1.5s: it is
// still in flight when the test restarts an end.
type lnkSlow struct {
	l  *lnkLink
	on bool // guarded by l.mu
}

func lnkSlowData(l *lnkLink) *lnkSlow {
	s := &lnkSlow{l: l}
	l.script = func(from Role, p Packet) ([]time.Duration, bool) {
		if s.on && p.Kind == DATA {
			return []time.Duration{1500 * time.Millisecond}, true
		}
		return nil, false
	}
	return s
}

func (s *lnkSlow) set(on bool) {
	s.l.mu.Lock()
	s.on = on
	s.l.mu.Unlock()
}

// TestLinkInitiatorRestart restarts the initiator in the middle of a
// session: the note's bug. The new initiator opens a session with a new ID;
// the responder, Established in the old one, moves to it (a SYN of another
// session), and numbers DATA from 0 again: the new session's DATA from Seq
// 0 is delivered although the old one had reached Seq 349, and no DATA of
// the old session, still in flight, is delivered once the new one is open.
// Then the same over a lossy link, the restart at a random moment.
func TestLinkInitiatorRestart(t *testing.T) {
	seed := lnkStart(t)
	t.Run("old DATA in flight", func(t *testing.T) {
		lnkRun(t, seed, "", lnkReliable, func(t *testing.T, l *lnkLink) {
			slow := lnkSlowData(l)
			l.linkUp()
			s, ok := l.await(RetryInterval, false, lnkAwaitCause)
			if !ok {
				return
			}
			old := s.iniID
			// The old session reaches Seq 299 each way, then 50 more DATA
			// are sent each way, slow: still in flight at the restart.
			for range 6 {
				if !l.sendN(Initiator, 50) || !l.sendN(Responder, 50) {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			slow.set(true)
			if !l.sendN(Initiator, 50) || !l.sendN(Responder, 50) {
				return
			}
			slow.set(false)
			time.Sleep(50 * time.Millisecond)

			l.restart(Initiator)
			s, ok = l.awaitNew(RetryInterval, false, old, "the responder, Established in the old session, does not "+
				"take the new initiator's SYN (a SYN of another session: the initiator restarted), or the new "+
				"initiator does not make a new ID (docs/session.md, parts B and C).")
			if !ok {
				return
			}
			if !l.sendN(Initiator, 50) || !l.sendN(Responder, 50) {
				return
			}
			time.Sleep(100 * time.Millisecond)
			if got := l.delivered(Responder); !slices.Equal(got, lnkSeq(50)) {
				l.fail("after the initiator restarted, the responder, Established in the new session %d, "+
					"delivered the Seqs %v of the 50 DATA the new initiator sent (Seq 0 to 49).\nExpected: all of "+
					"them, in order: sequence numbers count from 0 in each session.\nLikely cause: the responder "+
					"kept the next expected Seq of the old session, which had reached Seq 349, and took the new "+
					"DATA for old: the note's restart bug. Reset both sequence numbers when a session opens "+
					"(docs/session.md, part C).", s.iniID, lnkShort(got))
			}
			if got := l.delivered(Initiator); !slices.Equal(got, lnkSeq(50)) {
				l.fail("after the initiator restarted, the new initiator delivered the Seqs %v of the 50 DATA the "+
					"responder sent in the new session %d (Seq 0 to 49).\nExpected: all of them, in order: the "+
					"responder numbers its DATA from 0 in each session (docs/session.md, part C).",
					lnkShort(got), s.iniID)
			}
			// The old session's DATA in flight arrives now, in the new
			// session: the link checks that neither end delivers it.
			l.drain()
			l.check()
		})
	})
	t.Run("lossy", func(t *testing.T) {
		lnkRuns(t, seed, 16, lnkLossyFaults, func(t *testing.T, l *lnkLink) {
			l.linkUp()
			st, ok := l.await(lnkBound, true, lnkAwaitCause)
			if !ok {
				return
			}
			l.mu.Lock()
			at := 10 + l.rng.IntN(30)
			l.mu.Unlock()
			l.exchange(at, 30*time.Millisecond, lnkBound)
			l.settle()
			l.restart(Initiator)
			if _, ok := l.awaitNew(lnkBound, true, st.iniID, "the responder, Established in the old session, "+
				"does not take a SYN of another session (the initiator restarted), or "+lnkAwaitCause); !ok {
				return
			}
			l.exchange(20, 30*time.Millisecond, lnkBound)
			l.drain()
			l.check()
		})
	})
}

// TestLinkResponderRestart restarts the responder in the middle of a
// session. The table gives the initiator no way to notice: the new
// responder is Idle and drops DATA of a session it does not know, while
// the initiator stays Established and its Send succeeds. The link going
// down and up again (LinkDown, LinkUp at both ends) opens a new session,
// where DATA counts from 0 both ways, and the old session's DATA still in
// flight is dropped.
func TestLinkResponderRestart(t *testing.T) {
	seed := lnkStart(t)
	lnkRun(t, seed, "", lnkReliable, func(t *testing.T, l *lnkLink) {
		slow := lnkSlowData(l)
		l.linkUp()
		s, ok := l.await(RetryInterval, false, lnkAwaitCause)
		if !ok {
			return
		}
		old := s.iniID
		if !l.sendN(Initiator, 100) || !l.sendN(Responder, 100) {
			return
		}
		time.Sleep(50 * time.Millisecond)
		slow.set(true)
		if !l.sendN(Initiator, 20) || !l.sendN(Responder, 20) {
			return
		}
		slow.set(false)

		l.restart(Responder)
		time.Sleep(50 * time.Millisecond)
		if !l.sendN(Initiator, 10) {
			return
		}
		time.Sleep(100 * time.Millisecond)
		if st := l.states(); st.iniState != Established || st.iniID != old || st.resState != Idle || st.resID != 0 {
			l.fail("the responder restarted, and the initiator sent DATA of its session %d: now %v.\nExpected: the "+
				"initiator still Established in session %d (nothing tells it), and the new responder Idle, with no "+
				"session: it waits for a SYN, and drops DATA of a session it does not know (the table has no row "+
				"for DATA in Idle) (docs/session.md, parts B and C).", old, st, old)
			return
		}

		l.cut()
		l.linkUp()
		s, ok = l.awaitNew(RetryInterval, false, old, "after LinkDown and LinkUp at both ends, the initiator opens "+
			"a new session (Idle, LinkUp: a new ID, SYN), and the restarted responder takes it (Idle, SYN) "+
			"(docs/session.md, parts B and C).")
		if !ok {
			return
		}
		if !l.sendN(Initiator, 30) || !l.sendN(Responder, 30) {
			return
		}
		time.Sleep(100 * time.Millisecond)
		for _, r := range []Role{Initiator, Responder} {
			if got := l.delivered(r); !slices.Equal(got, lnkSeq(30)) {
				l.fail("in the new session %d, %v delivered the Seqs %v of the 30 DATA the other end sent (Seq 0 to "+
					"29).\nExpected: all of them, in order: sequence numbers count from 0 in each session, at both "+
					"ends; LinkDown resets them (docs/session.md, parts B and C).", s.iniID, l.end(r), lnkShort(got))
			}
		}
		l.drain() // the old session's slow DATA arrives in the new one
		l.check()
	})
}

// pump sends DATA from both ends, one every gap, for d; a Send may fail
// (the link is going up and down).
func (l *lnkLink) pump(d, gap time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		l.send1(Initiator)
		l.send1(Responder)
		time.Sleep(gap)
	}
}

// TestLinkFlapping cuts the link and heals it again and again, with DATA
// flowing both ways over a lossy link: some downs are shorter than the
// link's delay, so packets of a session arrive in the next one. Each
// LinkUp opens a new session; the link checks that none is delivered
// outside its own. After the last cut, once nothing is in flight, both
// ends are Established in a new session, and DATA flows.
func TestLinkFlapping(t *testing.T) {
	seed := lnkStart(t)
	faults := lnkFaults{Drop: 0.1, Dup: 0.1, MaxDelay: 300 * time.Millisecond, DupLag: 200 * time.Millisecond}
	const flaps = 8
	lnkRuns(t, seed, 12, faults, func(t *testing.T, l *lnkLink) {
		l.linkUp()
		for range flaps {
			l.mu.Lock()
			upFor := 300*time.Millisecond + time.Duration(l.rng.IntN(40))*50*time.Millisecond
			downFor := time.Duration(l.rng.IntN(9)) * 50 * time.Millisecond
			l.mu.Unlock()
			l.pump(upFor, 30*time.Millisecond)
			l.cut()
			time.Sleep(downFor)
			l.linkUp()
		}
		l.pump(time.Second, 30*time.Millisecond)
		l.cut()
		time.Sleep(faults.MaxDelay + faults.DupLag + lnkStep) // nothing left in flight
		l.linkUp()
		st, ok := l.await(lnkBound, true, "after the last LinkDown and LinkUp, nothing left in flight: "+
			lnkAwaitCause)
		if !ok {
			return
		}
		l.mu.Lock()
		opened := l.ends[Initiator].sessions
		l.mu.Unlock()
		if opened != flaps+2 {
			l.fail("over %d LinkUps, the initiator opened %d sessions.\nExpected: one at each LinkUp: LinkDown "+
				"forgets the session (Idle), and LinkUp in Idle opens a new one, with a new ID (docs/session.md, "+
				"part B).", flaps+2, opened)
		}
		sent := l.exchange(20, 30*time.Millisecond, lnkBound)
		if sent[Initiator] < 20 || sent[Responder] < 20 {
			l.fail("in the last session %d, the initiator's Send succeeded %d times and the responder's %d, of "+
				"20 each; now %v.\nExpected: both stay Established (docs/session.md, parts B and C).",
				st.iniID, sent[Initiator], sent[Responder], l.states())
		}
		l.drain()
		l.check()
	})
}

// TestLinkConcurrentSend has eight goroutines at each end call Send at
// once, while the link loses, duplicates and reorders packets, and goes
// down and up once. Run under -race: each Send takes the next Seq and
// sends under the endpoint's lock, so each session's DATA is numbered 0,
// 1, 2 ... with no Seq twice, and each Send that returns nil sent one
// DATA.
func TestLinkConcurrentSend(t *testing.T) {
	seed := lnkStart(t)
	lnkRuns(t, seed, 6, lnkLossyFaults, func(t *testing.T, l *lnkLink) {
		l.linkUp()
		if _, ok := l.await(lnkBound, true, lnkAwaitCause); !ok {
			return
		}
		var wg sync.WaitGroup
		for _, r := range []Role{Initiator, Responder} {
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range 25 {
						l.sendData(r, fmt.Sprintf("%c:g%d:%d", r.String()[0], g, k))
						time.Sleep(time.Duration((g+k)%3+1) * 2 * lnkStep)
					}
				}()
			}
		}
		time.Sleep(100 * time.Millisecond)
		l.settle()
		l.cut()
		time.Sleep(50 * time.Millisecond)
		l.linkUp()
		wg.Wait()
		if _, ok := l.await(lnkBound, true, lnkAwaitCause); !ok {
			return
		}
		l.drain()
		l.mu.Lock()
		var bad []string
		for _, e := range l.ends {
			if e.sendOK != e.dataSent {
				bad = append(bad, fmt.Sprintf("%v: Send returned nil %d times, and it sent %d DATA",
					e, e.sendOK, e.dataSent))
			}
		}
		l.mu.Unlock()
		if len(bad) > 0 {
			l.fail("with goroutines calling Send at once, %s.\nExpected: one DATA for each Send that returns "+
				"nil, none for one that fails (docs/session.md, parts B and C).", strings.Join(bad, "; "))
		}
		l.check()
	})
}
