//go:build solution

package session

import (
	"math/rand/v2"
	"sync"
)

// Endpoint is one end of a session (handout part B): the state machine of
// Transitions, for its Role. Link events, packets and time-outs arrive from
// different goroutines at once; each is handled whole under mu, the
// time-outs' callbacks too (TimeoutHandler takes mu before it runs them),
// so the endpoint sees one event at a time, in one order.
type Endpoint struct {
	cfg Config

	mu       sync.Mutex
	state    State
	id       ID     // the current session's; 0 in Idle
	nextSend uint64 // the Seq of the next DATA sent
	nextRecv uint64 // the lowest Seq still accepted
	retry    *TimeoutHandler
	giveUp   *TimeoutHandler
	closed   bool
}

// NewEndpoint returns an Idle endpoint.
func NewEndpoint(cfg Config) *Endpoint {
	if cfg.NewID == nil {
		cfg.NewID = func() ID {
			for {
				if id := ID(rand.Uint64()); id != 0 {
					return id
				}
			}
		}
	}
	e := &Endpoint{cfg: cfg}
	e.retry = NewTimeoutHandler(&e.mu, RetryInterval, e.onRetry)
	e.giveUp = NewTimeoutHandler(&e.mu, HalfOpenTimeout, e.onGiveUp)
	return e
}

// LinkUp is the link event "up": the initiator opens a session.
func (e *Endpoint) LinkUp() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.cfg.Role != Initiator || e.state != Idle {
		return
	}
	e.id = e.cfg.NewID()
	e.state = SynSent
	e.cfg.Send(Packet{Kind: SYN, ID: e.id})
	e.retry.Register()
}

// LinkDown is the link event "down": the session is over.
func (e *Endpoint) LinkDown() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reset()
}

// reset cancels the time-outs and forgets the session.
func (e *Endpoint) reset() {
	e.retry.Cancel()
	e.giveUp.Cancel()
	e.state, e.id, e.nextSend, e.nextRecv = Idle, 0, 0, 0
}

// HandlePacket is a packet event: p arrived from the other end.
func (e *Endpoint) HandlePacket(p Packet) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || p.ID == 0 {
		return
	}
	same := e.state != Idle && p.ID == e.id
	switch e.cfg.Role {
	case Initiator:
		switch {
		case p.Kind == SYNACK && same && e.state == SynSent:
			e.retry.Cancel()
			e.state, e.nextSend = Established, 0
			e.cfg.Send(Packet{Kind: ACK, ID: e.id})
		case p.Kind == SYNACK && same && e.state == Established:
			e.cfg.Send(Packet{Kind: ACK, ID: e.id})
		case p.Kind == DATA && same && e.state == Established:
			e.accept(p)
		}
	case Responder:
		switch {
		case p.Kind == SYN && (e.state == Idle || !same && e.state != SynSent):
			e.open(p.ID)
		case p.Kind == SYN && same && e.state == SynReceived:
			e.cfg.Send(Packet{Kind: SYNACK, ID: e.id})
		case (p.Kind == ACK || p.Kind == DATA) && same && e.state == SynReceived:
			e.retry.Cancel()
			e.giveUp.Cancel()
			e.state, e.nextSend, e.nextRecv = Established, 0, 0
			if p.Kind == DATA {
				e.accept(p)
			}
		case p.Kind == DATA && same && e.state == Established:
			e.accept(p)
		}
	}
}

// open starts the responder's side of session id.
func (e *Endpoint) open(id ID) {
	e.state, e.id, e.nextSend, e.nextRecv = SynReceived, id, 0, 0
	e.cfg.Send(Packet{Kind: SYNACK, ID: id})
	e.retry.Register()
	e.giveUp.Register()
}

// accept delivers a DATA of the current session that is not older than the
// last one delivered: each Seq once, in increasing order.
func (e *Endpoint) accept(p Packet) {
	if p.Seq < e.nextRecv {
		return // a duplicate, or overtaken by a later one
	}
	e.nextRecv = p.Seq + 1
	e.cfg.Deliver(p)
}

// onRetry is the retry time-out's callback, run with mu held.
func (e *Endpoint) onRetry() {
	switch e.state {
	case SynSent:
		e.cfg.Send(Packet{Kind: SYN, ID: e.id})
	case SynReceived:
		e.cfg.Send(Packet{Kind: SYNACK, ID: e.id})
	default:
		return
	}
	e.retry.Register()
}

// onGiveUp is the half-open time-out's callback, run with mu held.
func (e *Endpoint) onGiveUp() {
	if e.state == SynReceived {
		e.reset()
	}
}

// Send sends data in the current session, numbered from 0 within it.
func (e *Endpoint) Send(data string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.state != Established {
		return ErrNotEstablished
	}
	e.cfg.Send(Packet{Kind: DATA, ID: e.id, Seq: e.nextSend, Data: data})
	e.nextSend++
	return nil
}

// State returns the endpoint's state.
func (e *Endpoint) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state
}

// SessionID returns the current session's ID (0 in Idle).
func (e *Endpoint) SessionID() ID {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.id
}

// Close ends the endpoint: its time-outs are cancelled, it goes Idle and
// it ignores every later event.
func (e *Endpoint) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reset()
	e.closed = true
}
