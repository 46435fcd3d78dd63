package session

import (
	"fmt"
	"strings"
)

// Role is which end of the session an Endpoint is: the initiator opens
// sessions and makes their IDs; the responder answers.
type Role int

const (
	Initiator Role = iota
	Responder
)

func (r Role) String() string {
	if r == Initiator {
		return "Initiator"
	}
	return "Responder"
}

// Event is one of the three kinds of events an Endpoint handles: link events
// (LinkUp, LinkDown), packet events (a packet of each Kind arrives) and
// time-out events (Retry, GiveUp).
type Event int

const (
	LinkUp    Event = iota // the link came up
	LinkDown               // the link went down
	GotSYN                 // a SYN arrived
	GotSYNACK              // a SYN-ACK arrived
	GotACK                 // an ACK arrived
	GotDATA                // a DATA arrived
	Retry                  // RetryInterval passed with no answer to the handshake packet
	GiveUp                 // HalfOpenTimeout passed in SynReceived
)

var eventNames = [...]string{"link up", "link down", "SYN", "SYN-ACK", "ACK", "DATA", "retry", "give up"}

func (e Event) String() string {
	if int(e) < len(eventNames) {
		return eventNames[e]
	}
	return fmt.Sprintf("Event(%d)", int(e))
}

// Match says which packets a transition is for, by their session ID.
type Match int

const (
	Any   Match = iota // any packet (and every event that is not a packet)
	Same               // a packet of the current session: its ID is the endpoint's
	Other              // a packet of another session
)

// Transition is one row of the state machine: in state From, on Event (for
// a packet whose ID is as Match says), an endpoint of Role moves to To and
// does Action.
type Transition struct {
	Role   Role
	From   State
	Event  Event
	Match  Match
	To     State
	Action string
}

// Transitions is the state machine of both ends, the one the tests check an
// Endpoint against after every event and the handout draws. An event for
// which no row matches changes nothing and sends nothing: the packet is
// dropped. The rows are tried in order; the first that matches wins.
var Transitions = func() []Transition {
	ts := []Transition{
		{Initiator, Idle, LinkUp, Any, SynSent, "make a new ID; send SYN(ID); arm the retry"},
		{Initiator, SynSent, Retry, Any, SynSent, "send SYN(ID) again; arm the retry"},
		{Initiator, SynSent, GotSYNACK, Same, Established, "cancel the retry; send ACK(ID); number DATA from 0"},
		{Initiator, Established, GotSYNACK, Same, Established, "send ACK(ID) again: the first was lost"},
		{Initiator, Established, GotDATA, Same, Established, "deliver it if its Seq is the next expected or later"},

		{Responder, Idle, GotSYN, Any, SynReceived, "take its ID; send SYN-ACK(ID); arm the retry and the give-up"},
		{Responder, SynReceived, GotSYN, Same, SynReceived, "send SYN-ACK(ID) again"},
		{Responder, SynReceived, GotSYN, Other, SynReceived, "a new session: take its ID; send SYN-ACK(ID); arm the retry and the give-up"},
		{Responder, Established, GotSYN, Other, SynReceived, "the initiator restarted: take its ID; send SYN-ACK(ID); arm the retry and the give-up"},
		{Responder, SynReceived, GotACK, Same, Established, "cancel the time-outs; expect DATA from 0"},
		{Responder, SynReceived, GotDATA, Same, Established, "the ACK was lost, and DATA proves it was sent: cancel the time-outs; deliver it"},
		{Responder, SynReceived, Retry, Any, SynReceived, "send SYN-ACK(ID) again; arm the retry"},
		{Responder, SynReceived, GiveUp, Any, Idle, "cancel the retry; forget the ID"},
		{Responder, Established, GotDATA, Same, Established, "deliver it if its Seq is the next expected or later"},
	}
	for _, r := range []Role{Initiator, Responder} {
		for _, s := range []State{SynSent, SynReceived, Established} {
			if r == Initiator && s == SynReceived || r == Responder && s == SynSent {
				continue
			}
			ts = append(ts, Transition{r, s, LinkDown, Any, Idle, "cancel the time-outs; forget the session"})
		}
	}
	return ts
}()

// Next returns the transition an endpoint of role in state from takes on
// event ev, for a packet whose session ID is as m says (Any for events
// that are not packets), and whether there is one. With none, the event
// changes nothing.
func Next(role Role, from State, ev Event, m Match) (Transition, bool) {
	for _, t := range Transitions {
		if t.Role == role && t.From == from && t.Event == ev && (t.Match == Any || t.Match == m) {
			return t, true
		}
	}
	return Transition{}, false
}

// Diagram draws role's rows of Transitions as a Mermaid state diagram, the
// picture in the handout. A row that keeps its state is drawn as a loop.
func Diagram(role Role) string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %v\n", Idle)
	for _, t := range Transitions {
		if t.Role != role {
			continue
		}
		label := t.Event.String()
		switch t.Match {
		case Same:
			label += " (same ID)"
		case Other:
			label += " (other ID)"
		}
		fmt.Fprintf(&b, "    %v --> %v: %s\n", t.From, t.To, label)
	}
	return b.String()
}
