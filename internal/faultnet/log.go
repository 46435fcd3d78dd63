package faultnet

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stats counts what the network did since New.
type Stats struct {
	Calls           int64 // calls of End.Call
	Delivered       int64 // handler invocations caused, one for each copy of a request that the server ran
	DroppedRequests int64 // calls whose request was dropped
	DroppedReplies  int64 // calls whose reply was dropped after the handler ran
	Duplicated      int64 // calls whose request was delivered twice
	Late            int64 // late copies the server ran after their call had returned
	CutOff          int64 // calls that failed because their client was cut off
	Failed          int64 // calls that failed otherwise: server down, connection failed, handler error, network closed
	Replies         int64 // calls that returned true

	BytesSent     int64 // bytes written to the server, on the TCP connections
	BytesReceived int64 // bytes read from the server

	EventsDiscarded int64 // events no longer in the log, which keeps the last 100,000
}

// String summarises s for a test's log.
func (s Stats) String() string {
	return fmt.Sprintf("%d calls: %d replied, %d requests dropped, %d replies dropped, %d cut off, %d failed; "+
		"%d duplicated, %d late copies; %d handler invocations; %d bytes sent, %d received",
		s.Calls, s.Replies, s.DroppedRequests, s.DroppedReplies, s.CutOff, s.Failed,
		s.Duplicated, s.Late, s.Delivered, s.BytesSent, s.BytesReceived)
}

// counters are the live Stats.
type counters struct {
	calls, delivered, droppedRequests, droppedReplies, duplicated, late, cutOff, failed, replies atomic.Int64
	bytesSent, bytesReceived                                                                     atomic.Int64
}

// Stats returns the counters.
func (n *Network) Stats() Stats {
	c := &n.stats
	n.log.mu.Lock()
	discarded := n.log.discarded
	n.log.mu.Unlock()
	return Stats{
		Calls:           c.calls.Load(),
		Delivered:       c.delivered.Load(),
		DroppedRequests: c.droppedRequests.Load(),
		DroppedReplies:  c.droppedReplies.Load(),
		Duplicated:      c.duplicated.Load(),
		Late:            c.late.Load(),
		CutOff:          c.cutOff.Load(),
		Failed:          c.failed.Load(),
		Replies:         c.replies.Load(),
		BytesSent:       c.bytesSent.Load(),
		BytesReceived:   c.bytesReceived.Load(),
		EventsDiscarded: discarded,
	}
}

// An Event is one thing that happened to a call's messages.
type Event struct {
	At     time.Duration // since New
	Client int
	Call   int    // the client's call number, from 1
	Method string // "Service.Method"
	Args   string // the arguments, as fmt's %+v prints them (a long one cut short)

	// What happened:
	//
	//	sent                  the call began
	//	request dropped       the request was lost: the handler did not run
	//	duplicated            the request is delivered twice
	//	delivered             the server ran the handler on a copy (recorded as its reply came back)
	//	reply dropped         the reply was lost: the handler had run
	//	reply                 the caller got the reply: Call returned true
	//	late copy delivered   the server ran the handler on a late copy, after the call had returned
	//	late copy lost: why   a late copy never reached the server
	//	cut off               the client is cut off: nothing was sent
	//	server down           there is no server: nothing was sent
	//	failed: why           the call failed otherwise (the connection, a handler's error, Close)
	What string
}

// maxEvents bounds the log: it keeps the most recent events.
const maxEvents = 100_000

// eventLog is a ring of the last size events.
type eventLog struct {
	mu        sync.Mutex
	size      int // maxEvents, but for the package's own tests
	events    []Event
	next      int // where the next event goes once the ring is full
	discarded int64
}

// record logs what for c. The time is taken under the lock, so the log is in
// order of time.
func (n *Network) record(c *call, what string) {
	l := &n.log
	l.mu.Lock()
	defer l.mu.Unlock()
	e := Event{At: time.Since(n.start), Client: c.end.id, Call: c.num, Method: c.method, Args: c.args, What: what}
	if len(l.events) < l.size {
		l.events = append(l.events, e)
		return
	}
	l.events[l.next] = e
	l.next = (l.next + 1) % l.size
	l.discarded++
}

// Events returns the logged events for which filter returns true (all of
// them if filter is nil), oldest first.
func (n *Network) Events(filter func(Event) bool) []Event {
	l := &n.log
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for i := range l.events {
		e := l.events[(l.next+i)%len(l.events)]
		if filter == nil || filter(e) {
			out = append(out, e)
		}
	}
	return out
}

// Describe formats events one a line, for a failure message, under a line
// that says what the numbers are:
//
//	(ms since the network started; call N is the client's Nth End.Call, a retry a call of its own; Seq is the Clerk's number for the request)
//	+12.3ms client 3 call 17: KV.Append {Key:k Value:x ClientID:7 Seq:15}: request dropped
func (n *Network) Describe(events []Event) string {
	if len(events) == 0 {
		return "  (no events)"
	}
	var b strings.Builder
	b.WriteString("  (ms since the network started; call N is the client's Nth End.Call, a retry a call of its own; " +
		"Seq is the Clerk's number for the request)")
	for _, e := range events {
		fmt.Fprintf(&b, "\n  %+.1fms client %d call %d: %s %s: %s",
			float64(e.At)/float64(time.Millisecond), e.Client, e.Call, e.Method, e.Args, e.What)
	}
	return b.String()
}
