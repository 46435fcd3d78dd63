package faultnet

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"net/rpc"
	"reflect"
	"strings"
	"sync/atomic"
	"time"
)

// errClosed is the failure of a call made after Close.
var errClosed = errors.New("network closed")

// call is one End.Call on its way through the network.
type call struct {
	end    *End
	num    int    // the client's call number, from 1
	method string // "Service.Method"
	args   string // the arguments, formatted for Events
}

// Call sends one RPC through the faults: method is "Service.Method", args
// the arguments and reply a pointer to the reply, as for rpc.Client.Call.
//
// Call returns true if a reply arrived; *reply is then replaced by the
// server's reply as a whole (a field the server left zero is zero, unlike
// with net/rpc). It returns false, after Timeout and leaving *reply alone, if
// the request or the reply was lost, the client is cut off, the server is
// down, the connection failed or the handler returned an error; and false at
// once after Close. False never tells whether the handler ran: it may have.
//
// Call never blocks much longer than MaxDelay + Timeout plus the time the
// server's handler takes. args and reply must be gob-encodable; Call
// copies args before it returns, so the caller may reuse them. Mistakes that
// no retry can mend (a method the server does not have, args or a reply of
// the wrong type) panic with an explanation.
func (e *End) Call(method string, args, reply any) bool {
	n := e.net
	out := checkCall(method, args, reply)
	s := n.state(e.id)
	num, f := e.next(s.cfg)
	n.stats.calls.Add(1)
	c := &call{end: e, num: num, method: method, args: formatArgs(args)}
	if s.closed {
		n.record(c, "failed: "+errClosed.Error())
		n.stats.failed.Add(1)
		return false
	}
	wire := c.encode(args)
	n.record(c, "sent")
	switch {
	case s.cut:
		return c.lose(s.cfg.Timeout, "cut off", &n.stats.cutOff)
	case s.addr == "":
		return c.lose(s.cfg.Timeout, "server down", &n.stats.failed)
	}
	ok := c.deliver(s, f, args, out)
	if f.late {
		c.sendLate(s.cfg.LateDelay, wire, reflect.TypeOf(args), out.Type())
	}
	return ok
}

// checkCall panics, with what to do, if method, args or reply cannot make an
// RPC. It returns the value reply points to.
func checkCall(method string, args, reply any) reflect.Value {
	if !strings.Contains(method, ".") {
		panic(fmt.Sprintf("faultnet: Call(%q): the method must be named \"Service.Method\", such as \"KV.Get\"", method))
	}
	if args == nil {
		panic(fmt.Sprintf("faultnet: Call(%q) with nil args: pass the arguments, such as &GetArgs{Key: k}", method))
	}
	v := reflect.ValueOf(reply)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic(fmt.Sprintf("faultnet: Call(%q) with reply %T: pass a pointer to the reply, such as &GetReply{}, for the reply to be written into", method, reply))
	}
	return v.Elem()
}

// maxArgs bounds the length of the arguments in an Event.
const maxArgs = 200

// formatArgs formats args for an Event, with a pointer dereferenced and a
// long result cut short.
func formatArgs(args any) string {
	if v := reflect.ValueOf(args); v.Kind() == reflect.Pointer && !v.IsNil() {
		args = v.Elem().Interface()
	}
	s := fmt.Sprintf("%+v", args)
	if len(s) > maxArgs {
		cut := maxArgs
		for cut > 0 && s[cut]&0xC0 == 0x80 { // not in the middle of a UTF-8 sequence
			cut--
		}
		s = fmt.Sprintf("%s...(%d bytes)", s[:cut], len(s))
	}
	return s
}

// encode gob-encodes args, as the wire will: it proves that the arguments
// can be sent, and it is the copy a late duplicate is made from.
func (c *call) encode(args any) []byte {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(args); err != nil {
		c.end.net.record(c, "failed: "+err.Error())
		panic(fmt.Sprintf("faultnet: %s: the arguments %T cannot be sent: %v.\n"+
			"Arguments cross the network in gob: use a struct whose fields are exported (capitalised) "+
			"and of types gob can encode (no channels, functions or unregistered interfaces).", c, args, err))
	}
	return buf.Bytes()
}

// String names the call in a panic message.
func (c *call) String() string {
	return fmt.Sprintf("client %d call %d %s", c.end.id, c.num, c.method)
}

// lose records what, counts it, waits for the caller's timeout and reports
// the failure.
func (c *call) lose(timeout time.Duration, what string, counter *atomic.Int64) bool {
	c.end.net.record(c, what)
	counter.Add(1)
	time.Sleep(timeout)
	return false
}

// An outcome is what became of one copy of a request.
type outcome int

const (
	replied      outcome = iota // the handler ran and its reply came back
	handlerError                // the handler ran and returned an error
	lost                        // the connection failed: the handler may or may not have run
	misused                     // the call can never succeed: see misuse
)

// classify tells what err, the error of a copy's rpc.Call, means.
func classify(err error) outcome {
	if err == nil {
		return replied
	}
	var se rpc.ServerError
	if errors.As(err, &se) {
		// net/rpc's own complaints (no such method, undecodable
		// arguments) come back as server errors too.
		if s := string(se); strings.HasPrefix(s, "rpc: ") || strings.HasPrefix(s, "gob: ") {
			return misused
		}
		return handlerError
	}
	if strings.HasPrefix(err.Error(), "reading body gob: ") {
		return misused // the reply did not decode into the caller's type
	}
	return lost
}

// misuse explains a call that can never succeed.
func (c *call) misuse(err error, reply reflect.Type) string {
	s := err.Error()
	switch {
	case strings.HasPrefix(s, "rpc: can't find"):
		return fmt.Sprintf("faultnet: %s: the server has no such method (%s).\n"+
			"A method is named \"Service.Method\": the name of the type registered with the server, "+
			"then an exported method of it of the form func (t *T) Method(args *Args, reply *Reply) error.", c, s)
	case strings.HasPrefix(s, "gob: "):
		return fmt.Sprintf("faultnet: %s: the server could not decode the arguments {%s} (%s).\n"+
			"Pass the arguments type the handler takes.", c, c.args, s)
	case strings.HasPrefix(s, "reading body gob: "):
		return fmt.Sprintf("faultnet: %s: the reply could not be decoded into %v (%s).\n"+
			"Pass a pointer to the reply type the handler fills in.", c, reflect.PointerTo(reply), strings.TrimPrefix(s, "reading body "))
	}
	return fmt.Sprintf("faultnet: %s: the server refused the call: %s", c, s)
}

// settle records what became of one copy of c's request, sent on client,
// and returns it. what is the event of a copy the handler ran.
func (c *call) settle(rc *rpc.Call, client *rpc.Client, what string) outcome {
	n := c.end.net
	o := classify(rc.Error)
	switch o {
	case replied, handlerError:
		n.stats.delivered.Add(1)
		n.record(c, what)
	case lost:
		if client != nil {
			c.end.forget(client)
		}
	case misused:
		n.record(c, "failed: "+rc.Error.Error())
		if client != nil && !errors.As(rc.Error, new(rpc.ServerError)) {
			c.end.forget(client) // a reply it could not decode broke it
		}
	}
	return o
}

// deliver sends the request (twice if it is duplicated) unless it is
// dropped, waits for the first reply, and drops it or hands it to the
// caller.
func (c *call) deliver(s state, f faults, args any, out reflect.Value) bool {
	n := c.end.net
	if f.dropRequest {
		return c.lose(s.cfg.Timeout, "request dropped", &n.stats.droppedRequests)
	}
	delays := f.delays[:1]
	if f.duplicate {
		n.record(c, "duplicated")
		n.stats.duplicated.Add(1)
		delays = f.delays[:2]
		if delays[1] < delays[0] {
			delays[0], delays[1] = delays[1], delays[0]
		}
	}

	// Send the copies, each after its delay. Client.Go encodes args before
	// it returns, so the caller's args are not used after this loop.
	done := make(chan *rpc.Call, len(delays))
	clients := make(map[*rpc.Call]*rpc.Client, len(delays))
	start := time.Now()
	for _, d := range delays {
		if wait := time.Until(start.Add(d)); wait > 0 {
			time.Sleep(wait)
		}
		reply := reflect.New(out.Type()).Interface()
		client, err := c.end.connect(s.addr)
		if err != nil {
			done <- &rpc.Call{ServiceMethod: c.method, Args: args, Reply: reply, Error: err, Done: done}
			continue
		}
		clients[client.Go(c.method, args, reply, done)] = client
	}

	// Take the first reply; a copy still in flight is left to straggle.
	var first *rpc.Call
	var err error
	for pending := len(delays); pending > 0; {
		rc := <-done
		pending--
		switch c.settle(rc, clients[rc], "delivered") {
		case misused:
			panic(c.misuse(rc.Error, out.Type()))
		case lost:
			err = rc.Error
			continue
		}
		first = rc
		if pending > 0 {
			c.straggle(done, clients, pending)
		}
		break
	}

	switch {
	case first == nil:
		return c.lose(s.cfg.Timeout, "failed: "+err.Error(), &n.stats.failed)
	case f.dropReply:
		return c.lose(s.cfg.Timeout, "reply dropped", &n.stats.droppedReplies)
	case first.Error != nil:
		return c.lose(s.cfg.Timeout, "failed: the handler returned an error: "+first.Error.Error(), &n.stats.failed)
	}
	out.Set(reflect.ValueOf(first.Reply).Elem())
	n.record(c, "reply")
	n.stats.replies.Add(1)
	return true
}

// straggle waits, in the background, for the copies of c's request still in
// flight after the caller got its reply, and records them.
func (c *call) straggle(done chan *rpc.Call, clients map[*rpc.Call]*rpc.Client, pending int) {
	wait := func() {
		for range pending {
			rc := <-done
			c.settle(rc, clients[rc], "delivered")
		}
	}
	n := c.end.net
	if !n.track() {
		// Close is closing the connections: the copies end at once.
		wait()
		return
	}
	go func() {
		defer n.untrack()
		wait()
	}()
}

// sendLate delivers a copy of c's request, decoded from wire, lateDelay
// from now, and discards its reply.
func (c *call) sendLate(lateDelay time.Duration, wire []byte, argsType, replyType reflect.Type) {
	n := c.end.net
	if !n.track() {
		n.record(c, "late copy lost: "+errClosed.Error())
		return
	}
	go func() {
		defer n.untrack()
		t := time.NewTimer(lateDelay)
		select {
		case <-t.C:
		case <-n.abort:
			t.Stop()
			n.record(c, "late copy lost: "+errClosed.Error())
			return
		}
		s := n.state(c.end.id)
		switch {
		case s.cut:
			n.record(c, "late copy lost: cut off")
			return
		case s.addr == "":
			n.record(c, "late copy lost: server down")
			return
		}
		args := reflect.New(argsType)
		if err := gob.NewDecoder(bytes.NewReader(wire)).DecodeValue(args); err != nil {
			n.record(c, "late copy lost: "+err.Error()) // cannot happen: wire was encoded from this type
			return
		}
		if a := args.Elem(); a.Kind() == reflect.Pointer && a.IsNil() {
			a.Set(reflect.New(argsType.Elem())) // gob sends nothing for a zero value
		}
		client, err := c.end.connect(s.addr)
		if err != nil {
			n.record(c, "late copy lost: "+err.Error())
			return
		}
		rc := <-client.Go(c.method, args.Elem().Interface(), reflect.New(replyType).Interface(), make(chan *rpc.Call, 1)).Done
		switch c.settle(rc, client, "late copy delivered") {
		case replied, handlerError:
			n.stats.late.Add(1)
		case lost:
			n.record(c, "late copy lost: "+rc.Error.Error())
		}
	}()
}
