// Package session is Lab 6: time-outs that can be cancelled safely, and a
// session set up by a three-way handshake (SYN, SYN-ACK, ACK) and driven by
// three kinds of events at once, after the lecture's note on the pitfalls
// of timers in Go (note 004).
//
// The note's team kept a map of time-outs and cancelled them with
// Timer.Stop, and learnt three lessons the hard way: a callback that
// re-arms itself and an event handler that both update the map need a lock;
// a lock orders the callback and Cancel but does not stop a callback whose
// timer had already fired, unless the callback checks again, once it holds
// the lock, that it was not cancelled; and a cancel channel that is
// unbuffered and read once blocks every Cancel after the first, for ever.
// Part A is a TimeoutHandler that has learnt all three.
//
// Their sequence numbers went wrong after a restart: a component that
// started again from 0 sent numbers the other side had seen before, which it
// dropped as old. The cure was a session: the initiator makes a session ID
// and opens the session with a handshake, and sequence numbers count from 0
// within a session, so a packet of an older session is told apart by its ID,
// not its number. Part B is the state machine of one end of such a link; it
// handles link events (up, down), packet events (SYN, SYN-ACK, ACK, DATA)
// and time-out events (resend, give up), which all arrive concurrently.
// Part C runs two of them over a link that drops, duplicates, delays and
// reorders packets, and restarts either side.
//
// The student writes timeout.go (part A) and endpoint.go (part B). This
// file and table.go are provided: the packets, the states, and the
// transition table the tests check the endpoint against. Read
// docs/session.md for the handout.
package session

import (
	"errors"
	"fmt"
	"time"
)

// State is where one end of a session is.
type State int

const (
	Idle        State = iota // no session
	SynSent                  // the initiator sent SYN(id), and waits for SYN-ACK(id)
	SynReceived              // the responder got SYN(id), sent SYN-ACK(id), and waits for ACK(id)
	Established              // the session is open: DATA flows
)

func (s State) String() string {
	switch s {
	case Idle:
		return "Idle"
	case SynSent:
		return "SynSent"
	case SynReceived:
		return "SynReceived"
	case Established:
		return "Established"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// ID is a session's ID. The initiator makes a new one for each session: 0 is
// never one.
type ID uint64

// Kind is the kind of a packet.
type Kind int

const (
	SYN    Kind = iota + 1 // initiator to responder: open session ID
	SYNACK                 // responder to initiator: I have session ID
	ACK                    // initiator to responder: session ID is open
	DATA                   // either way, within session ID: payload number Seq
)

func (k Kind) String() string {
	switch k {
	case SYN:
		return "SYN"
	case SYNACK:
		return "SYN-ACK"
	case ACK:
		return "ACK"
	case DATA:
		return "DATA"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Packet is what crosses the link.
type Packet struct {
	Kind Kind
	ID   ID     // the session
	Seq  uint64 // DATA only: its number within the session, from 0
	Data string // DATA only
}

func (p Packet) String() string {
	if p.Kind == DATA {
		return fmt.Sprintf("DATA(%d, %d, %q)", p.ID, p.Seq, p.Data)
	}
	return fmt.Sprintf("%v(%d)", p.Kind, p.ID)
}

// The session's time-outs.
const (
	// RetryInterval is how often an end resends its handshake packet
	// (SYN in SynSent, SYN-ACK in SynReceived) while it gets no answer.
	RetryInterval = 3 * time.Second
	// HalfOpenTimeout is how long a responder stays in SynReceived
	// without the initiator's ACK before it gives the session up (Idle).
	HalfOpenTimeout = 10 * time.Second
)

// ErrNotEstablished is what Endpoint.Send returns when the session is not
// Established: there is nowhere to send DATA yet.
var ErrNotEstablished = errors.New("session: the session is not established")

// Config is what an Endpoint is made with.
type Config struct {
	Role Role
	// Send hands a packet to the link. It is called with the endpoint's
	// lock held, so it must not block, nor call the endpoint: the link
	// queues the packet and delivers it from a goroutine of its own.
	Send func(Packet)
	// Deliver hands the application a DATA packet the endpoint accepted.
	// It is called with the endpoint's lock held, under the same rules.
	Deliver func(Packet)
	// NewID makes the ID of each new session (the initiator's). Nil: a
	// random non-zero ID.
	NewID func() ID
}
