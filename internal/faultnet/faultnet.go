// Package faultnet is an unreliable network for tests: it carries Go's
// net/rpc calls over real loopback TCP connections and, message by message,
// loses, duplicates, delays and re-delivers them, deterministically from a
// seed. It is the network of the lecture on at-most-once RPC: requests and
// replies get lost, a client that hears nothing must retry, and a server must
// recognise the retries and the duplicates (by client ID and sequence
// number) so that each request is executed at most once.
//
// A test makes a Network with New(seed, cfg), points it at a server with
// SetServer, and gives each client the End of its number. A client calls
// End.Call where it would call rpc.Client.Call. For every call the network
// decides, from the Config's probabilities, what happens to it:
//
//   - DropRequest: the request is lost on the way; the handler never runs.
//   - DropReply: the handler runs, but its reply is lost on the way back.
//   - Duplicate: the request arrives twice, both copies at once, so the
//     handler runs twice concurrently; the caller gets the first reply.
//   - Late: a copy of the request arrives again LateDelay after the call has
//     returned, after newer requests of the same client: a delayed duplicate
//     out of order. Late is decided on its own, so a request that was
//     dropped can still arrive late, as a delayed packet does.
//   - MaxDelay: every request waits a random time before it is sent, so
//     requests of different clients (and duplicate copies) reorder.
//
// A caller learns of a loss the way a real client does: no reply comes. Call
// then returns false after Timeout and does not say what went wrong (a lost
// request and a lost reply look the same from the client), so a client must
// retry, and the server must not execute a retry twice.
//
// Determinism: all random choices come from the seed. Each client has its
// own random stream, derived from (seed, client), and every call draws the
// same number of values from it whatever the Config, so call 17 of client 3
// (its 17th call to begin) meets the same faults in every run with the same
// seed, however the test's goroutines are scheduled and whatever the other
// clients do. What the seed does not fix is the timing of the real network
// and of the server: which of two concurrent copies the server runs first
// may vary from run to run, and so may which goroutine makes call 17 if a
// client calls from several at once.
//
// Crashes and partitions: SetServer("") takes the server down (every call
// fails after Timeout), SetServer(addr) points the network at a server that
// restarted on a new address, and Cut and Heal isolate one client. Each End
// keeps one net/rpc connection, dialled on first use and redialled after it
// breaks.
//
// Observing: Stats counts what happened, Events is the log of every message
// (what happened to call 17 of client 3, and when), and Describe formats
// events for a failure message, so that a test can tell a student which
// request was duplicated before their server executed it twice.
//
// Arguments and replies cross the network in gob, as with net/rpc: they must
// be gob-encodable (exported fields). Call copies args before it returns, so
// a caller may reuse its args; a reply is written only when Call returns
// true. Close waits (at most five seconds) for late copies still in flight,
// then closes every connection; no goroutine of the network outlives it.
package faultnet

import (
	"fmt"
	"math/rand/v2"
	"net/rpc"
	"sync"
	"sync/atomic"
	"time"
)

// Config sets the faults. Probabilities are in [0, 1]; a zero Config is a
// reliable network.
type Config struct {
	DropRequest float64       // a request is lost before it reaches the server: the handler never runs
	DropReply   float64       // the reply is lost after the handler ran
	Duplicate   float64       // the request is delivered twice, both copies at once; the caller gets the first reply
	Late        float64       // a copy of the request is delivered again LateDelay after the call has returned
	MaxDelay    time.Duration // each delivered request waits a random time in [0, MaxDelay) before it is sent
	LateDelay   time.Duration // how long after the call a late copy is delivered (default 50ms)
	Timeout     time.Duration // how long a caller waits before it learns that a message was lost (default 10ms)
}

const (
	defaultLateDelay = 50 * time.Millisecond
	defaultTimeout   = 10 * time.Millisecond

	// dialTimeout bounds a dial. On loopback a dial succeeds or is refused
	// at once; the bound is for a machine under heavy load.
	dialTimeout = 2 * time.Second
)

// closeWait bounds how long Close waits for late copies in flight (a
// variable so that the package's own tests can shorten it).
var closeWait = 5 * time.Second

// normalized checks c and fills in the defaults. A bad Config is a bug in
// the test, so it panics.
func (c Config) normalized() Config {
	for _, p := range []struct {
		name string
		v    float64
	}{{"DropRequest", c.DropRequest}, {"DropReply", c.DropReply}, {"Duplicate", c.Duplicate}, {"Late", c.Late}} {
		if !(p.v >= 0 && p.v <= 1) {
			panic(fmt.Sprintf("faultnet: Config.%s is %v: a probability must be between 0 and 1", p.name, p.v))
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"MaxDelay", c.MaxDelay}, {"LateDelay", c.LateDelay}, {"Timeout", c.Timeout}} {
		if d.v < 0 {
			panic(fmt.Sprintf("faultnet: Config.%s is %v: a duration cannot be negative", d.name, d.v))
		}
	}
	if c.LateDelay == 0 {
		c.LateDelay = defaultLateDelay
	}
	if c.Timeout == 0 {
		c.Timeout = defaultTimeout
	}
	return c
}

// A Network connects clients to one server through faults. All its methods
// are safe for concurrent use.
type Network struct {
	seed  uint64
	start time.Time

	mu       sync.Mutex
	cfg      Config // normalized
	addr     string // the server's address; "" when it is down
	cut      map[int]bool
	ends     map[int]*End
	closed   bool          // Close has begun: new calls fail at once
	inflight int           // late and straggling copies being delivered
	idle     chan struct{} // closed when inflight drops to 0

	abort     chan struct{} // closed when Close stops waiting for copies in flight
	aborted   atomic.Bool   // abort is closed: no more connections, no more copies
	closeDone chan struct{} // closed when Close has finished

	connMu sync.Mutex
	conns  map[*clientCodec]struct{} // connections whose reader is still running

	stats counters
	log   eventLog
}

// New returns a network whose random choices all come from seed, with the
// faults of cfg and no server (call SetServer).
func New(seed uint64, cfg Config) *Network {
	idle := make(chan struct{})
	close(idle)
	return &Network{
		seed:      seed,
		start:     time.Now(),
		cfg:       cfg.normalized(),
		cut:       make(map[int]bool),
		ends:      make(map[int]*End),
		idle:      idle,
		abort:     make(chan struct{}),
		closeDone: make(chan struct{}),
		conns:     make(map[*clientCodec]struct{}),
		log:       eventLog{size: maxEvents},
	}
}

// SetConfig changes the faults for the calls that begin from now on.
func (n *Network) SetConfig(cfg Config) {
	cfg = cfg.normalized()
	n.mu.Lock()
	n.cfg = cfg
	n.mu.Unlock()
}

// SetServer sets the server's TCP address, such as "127.0.0.1:41237". ""
// means the server is down: every call fails after Timeout. Changing the
// address closes every connection to the old one, so calls in flight there
// fail.
func (n *Network) SetServer(addr string) {
	n.mu.Lock()
	if addr == n.addr {
		n.mu.Unlock()
		return
	}
	n.addr = addr
	ends := n.endList()
	n.mu.Unlock()
	for _, e := range ends {
		e.disconnect()
	}
}

// End returns the endpoint of client number client, creating it on first
// use. Client numbers name the clients in Events and choose their random
// streams; the server never sees them.
func (n *Network) End(client int) *End {
	n.mu.Lock()
	defer n.mu.Unlock()
	e := n.ends[client]
	if e == nil {
		e = &End{
			net: n,
			id:  client,
			rng: rand.New(rand.NewPCG(mix(n.seed), mix(n.seed^mix(uint64(client))))),
		}
		n.ends[client] = e
	}
	return e
}

// Cut cuts client off: until Heal, every call of that client fails after
// Timeout without reaching the server, and its late copies are lost.
func (n *Network) Cut(client int) {
	n.mu.Lock()
	n.cut[client] = true
	n.mu.Unlock()
}

// Heal reconnects a client that Cut cut off.
func (n *Network) Heal(client int) {
	n.mu.Lock()
	delete(n.cut, client)
	n.mu.Unlock()
}

// Close waits (at most five seconds) for late copies still in flight to be
// delivered, then closes every connection, which fails the calls still
// waiting for a reply. Calls that begin after Close fail at once. When Close
// returns, no goroutine of the network is left running. Close may be called
// more than once.
func (n *Network) Close() {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		<-n.closeDone
		return
	}
	n.closed = true
	n.mu.Unlock()

	n.waitIdle(closeWait)

	n.mu.Lock()
	n.aborted.Store(true)
	close(n.abort)
	ends := n.endList()
	n.mu.Unlock()
	for _, e := range ends {
		e.disconnect()
	}
	// Every copy still in flight now ends quickly: its sleep is cut short
	// or its connection is closed.
	n.waitIdle(-1)
	n.waitReaders(time.Second)
	close(n.closeDone)
}

// endList returns the ends. n.mu must be held.
func (n *Network) endList() []*End {
	ends := make([]*End, 0, len(n.ends))
	for _, e := range n.ends {
		ends = append(ends, e)
	}
	return ends
}

// state is what a call needs to know of the network when it begins.
type state struct {
	cfg    Config
	addr   string
	cut    bool
	closed bool
}

func (n *Network) state(client int) state {
	n.mu.Lock()
	defer n.mu.Unlock()
	return state{cfg: n.cfg, addr: n.addr, cut: n.cut[client], closed: n.closed}
}

// track registers a copy that will be delivered after its call has
// returned, so that Close waits for it. It reports false once Close has
// stopped waiting: the copy must not be sent.
func (n *Network) track() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.aborted.Load() {
		return false
	}
	if n.inflight == 0 {
		n.idle = make(chan struct{})
	}
	n.inflight++
	return true
}

func (n *Network) untrack() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.inflight--
	if n.inflight == 0 {
		close(n.idle)
	}
}

// waitIdle waits until no tracked copy is in flight, at most d (forever if
// d < 0). It reports whether none is.
func (n *Network) waitIdle(d time.Duration) bool {
	var expired <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	for {
		n.mu.Lock()
		if n.inflight == 0 {
			n.mu.Unlock()
			return true
		}
		idle := n.idle
		n.mu.Unlock()
		select {
		case <-idle:
		case <-expired:
			return false
		}
	}
}

// waitReaders waits, at most d, until the reading goroutine of every
// connection has seen its connection close.
func (n *Network) waitReaders(d time.Duration) {
	n.connMu.Lock()
	conns := make([]*clientCodec, 0, len(n.conns))
	for c := range n.conns {
		conns = append(conns, c)
	}
	n.connMu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	for _, c := range conns {
		select {
		case <-c.done:
		case <-t.C:
			return
		}
	}
}

// mix is SplitMix64's finaliser: it spreads nearby numbers (clients 1, 2,
// 3) over unrelated random streams.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// An End is one client's endpoint: its random stream, its call numbers and
// its connection to the server. Its methods are safe for concurrent use.
type End struct {
	net *Network
	id  int

	mu     sync.Mutex
	rng    *rand.Rand
	calls  int         // calls made so far
	client *rpc.Client // nil until dialled, and after it broke
	addr   string      // the address client is connected to
}

// faults are the random choices for one call.
type faults struct {
	dropRequest, dropReply, duplicate, late bool
	delays                                  [2]time.Duration // of the request and of its duplicate
}

// next numbers a new call and draws its faults. It draws the same number of
// values whatever cfg, so that a call's number alone fixes its draws.
func (e *End) next(cfg Config) (int, faults) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls++
	var f faults
	f.dropRequest = e.rng.Float64() < cfg.DropRequest
	f.dropReply = e.rng.Float64() < cfg.DropReply
	f.duplicate = e.rng.Float64() < cfg.Duplicate
	f.late = e.rng.Float64() < cfg.Late
	for i := range f.delays {
		f.delays[i] = time.Duration(e.rng.Float64() * float64(cfg.MaxDelay))
	}
	return e.calls, f
}

// connect returns the client's connection to addr, dialling it if there is
// none yet, if the last one broke, or if the server moved.
func (e *End) connect(addr string) (*rpc.Client, error) {
	n := e.net
	e.mu.Lock()
	defer e.mu.Unlock()
	if n.aborted.Load() {
		return nil, errClosed
	}
	if e.client != nil && e.addr == addr {
		return e.client, nil
	}
	if e.client != nil {
		e.client.Close()
		e.client = nil
	}
	client, err := n.dial(addr)
	if err != nil {
		return nil, err
	}
	// Close may have begun to close the connections while this one was
	// being dialled: it waits for e.mu, so checking here is enough.
	if n.aborted.Load() {
		client.Close()
		return nil, errClosed
	}
	e.client, e.addr = client, addr
	return e.client, nil
}

// forget drops client if it is still the End's connection, because it
// broke, and closes it.
func (e *End) forget(client *rpc.Client) {
	e.mu.Lock()
	if e.client == client {
		e.client = nil
	}
	e.mu.Unlock()
	client.Close()
}

// disconnect closes the End's connection, if any.
func (e *End) disconnect() {
	e.mu.Lock()
	client := e.client
	e.client = nil
	e.mu.Unlock()
	if client != nil {
		client.Close()
	}
}
