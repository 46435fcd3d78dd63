//go:build !solution

package session

import "sync"

// Endpoint is one end of a session (handout part B): the state machine of
// Transitions (table.go), for its Role. Link events, packets and time-outs
// arrive from different goroutines at once: handle each whole with mu held.
// Give the endpoint two TimeoutHandlers built on &mu (part A): the retry
// (RetryInterval: resend SYN in SynSent, SYN-ACK in SynReceived) and the
// give-up (HalfOpenTimeout, in SynReceived). Add the fields you need.
type Endpoint struct {
	cfg Config
	mu  sync.Mutex
}

// NewEndpoint returns an Idle endpoint with cfg (cfg.NewID nil: make random
// non-zero IDs, math/rand/v2).
func NewEndpoint(cfg Config) *Endpoint {
	panic("session: NewEndpoint is not implemented yet: write it in session/endpoint.go (docs/session.md, part B)")
}

// LinkUp is the link event "up". An Idle initiator opens a session: a new
// ID (cfg.NewID), SYN(ID), SynSent, and the retry armed. Anything else
// ignores it (a responder waits for a SYN).
func (e *Endpoint) LinkUp() {
	panic("session: Endpoint.LinkUp is not implemented yet: write it in session/endpoint.go (docs/session.md, part B)")
}

// LinkDown is the link event "down": cancel both time-outs and forget the
// session (Idle, no ID, both sequence numbers back to 0).
func (e *Endpoint) LinkDown() {
	panic("session: Endpoint.LinkDown is not implemented yet: write it in session/endpoint.go (docs/session.md, part B)")
}

// HandlePacket is a packet event: p arrived from the other end. Find the
// row of Transitions for your role, state, p's kind and whether p.ID is the
// current session's ID, and do what it says; with no row, drop p. A packet
// with ID 0 is dropped.
//
// DATA is delivered (cfg.Deliver) only within the current session, and
// only if its Seq is the next expected or later: then the next expected is
// Seq+1. So each Seq is delivered at most once, in increasing order, and a
// packet of an older session is never delivered, whatever its Seq: that is
// the fix for the note's restart bug.
func (e *Endpoint) HandlePacket(p Packet) {
	panic("session: Endpoint.HandlePacket is not implemented yet: write it in session/endpoint.go (docs/session.md, part B)")
}

// Send sends data as DATA(ID, Seq) in the current session, Seq counting
// from 0 within the session. Not Established: ErrNotEstablished.
func (e *Endpoint) Send(data string) error {
	panic("session: Endpoint.Send is not implemented yet: write it in session/endpoint.go (docs/session.md, part B)")
}

// State returns the endpoint's state.
func (e *Endpoint) State() State {
	panic("session: Endpoint.State is not implemented yet: write it in session/endpoint.go (docs/session.md, part B)")
}

// SessionID returns the current session's ID (0 in Idle).
func (e *Endpoint) SessionID() ID {
	panic("session: Endpoint.SessionID is not implemented yet: write it in session/endpoint.go (docs/session.md, part B)")
}

// Close ends the endpoint: both time-outs cancelled, Idle, and every later
// event ignored.
func (e *Endpoint) Close() {
	panic("session: Endpoint.Close is not implemented yet: write it in session/endpoint.go (docs/session.md, part B)")
}
