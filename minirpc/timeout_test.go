package minirpc

// The tests of part D: time-outs. Call with a context that ends, and the
// server's handle time-out. They run in a testing/synctest bubble over a
// net.Pipe: time there is a fake clock that jumps ahead whenever every
// goroutine of the test is blocked, so a time-out of a second costs no time
// at all. (The connect time-out is tested through DialHTTP, with part E.)
// Run them with:
//
//	go test -race -run 'TestCall|TestHandleTimeout' ./minirpc/

import (
	"context"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golabs/internal/labtest"
	"golabs/minirpc/codec"
)

// tmoBubble runs f in a synctest bubble. When f returns, every goroutine it
// started must have ended: one still blocked, that nothing can ever wake,
// fails t with where it is blocked and advice, the likely cause, instead of
// synctest's bare "deadlock" panic.
func tmoBubble(t *testing.T, advice string, f func(t *testing.T)) {
	t.Helper()
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if !strings.Contains(fmt.Sprint(v), "deadlock") {
			panic(v)
		}
		stacks := cliStacks()
		if t.Failed() {
			t.Fatalf("(when the test ended, goroutines were also left blocked for good: %v)\n\n"+
				"Goroutines running the lab's code:\n%s", v, stacks)
		}
		t.Fatalf("when the test ended, goroutines it had started were still blocked, and nothing could ever wake "+
			"them (synctest: %v).\nExpected: every goroutine ends once its work is done.\nLikely cause: %s\n\n"+
			"Goroutines running the lab's code:\n%s", v, advice, stacks)
	}()
	synctest.Test(t, f)
}

// tmoPending returns how many calls c has in its pending map.
func tmoPending(c *Client) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// tmoOptionFrame is opt as WriteOption frames it, written by hand: its
// length in 4 bytes, big endian, then its JSON.
func tmoOptionFrame(opt Option) []byte {
	body, err := json.Marshal(opt)
	if err != nil {
		panic(err)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// tmoConn is a raw client of the student's server over a net.Pipe: it
// writes the option by hand and speaks gob on the connection itself, so
// the server tests count the replies on the wire.
type tmoConn struct {
	conn   net.Conn
	enc    *gob.Encoder
	dec    *gob.Decoder
	served chan struct{} // closed when ServeConn has returned
}

// tmoServer is the student's server with an Arith whose Wait waits on a
// gate, for the tests of the handle time-out.
type tmoServer struct {
	*Server
	arith *Arith // its waiting counts the Waits running
	open  func() // opens the gate: every Wait returns
}

// tmoNewServer returns a tmoServer; its gate is opened when the test ends,
// if the test has not opened it.
func tmoNewServer(t testing.TB) *tmoServer {
	t.Helper()
	gate := make(chan struct{})
	var once sync.Once
	ts := &tmoServer{Server: NewServer(), arith: &Arith{gate: gate}, open: func() { once.Do(func() { close(gate) }) }}
	t.Cleanup(ts.open)
	// ServeConn runs the codec in goroutines of its own, where a stub's
	// panic would end the test binary: call it here first. (The option is
	// written by hand: the server's tests do not need WriteOption.)
	probeGobCodec(t)
	try(t, "ReadOption", func() { ReadOption(strings.NewReader("")) })
	var err error
	try(t, "Server.Register", func() { err = ts.Register(ts.arith) })
	if err != nil {
		t.Fatalf("Register(&Arith{}) failed: %v (docs/minirpc.md, part B)", err)
	}
	return ts
}

// serve serves one end of a net.Pipe with ServeConn and returns a raw
// client on the other end, which has sent opt. When the test ends the gate
// opens and the connection is closed; ServeConn must then return.
func (ts *tmoServer) serve(t testing.TB, opt Option) *tmoConn {
	t.Helper()
	server, client := net.Pipe()
	rc := &tmoConn{conn: client, enc: gob.NewEncoder(client), dec: gob.NewDecoder(client), served: make(chan struct{})}
	go func() {
		defer close(rc.served)
		defer func() {
			if v := recover(); v != nil {
				if s, ok := labtest.Stub(v); ok {
					t.Error(s)
				} else {
					t.Errorf("Server.ServeConn panicked: %v\n\n%s", v, debug.Stack())
				}
				server.Close()
			}
		}()
		ts.ServeConn(server)
	}()
	t.Cleanup(func() {
		ts.open()
		client.Close()
		select {
		case <-rc.served:
		case <-time.After(patience):
			t.Errorf("Server.ServeConn did not return within %v of its client hanging up, its methods done.\n"+
				"Likely cause: the read loop does not end when a header cannot be read, or it waits for a handler "+
				"that is itself blocked (docs/minirpc.md, parts B and D).\n\nGoroutines running the lab's code:\n%s",
				patience, cliStacks())
		}
	})
	client.SetWriteDeadline(time.Now().Add(patience))
	if _, err := client.Write(tmoOptionFrame(opt)); err != nil {
		tmoFail(t, "writing the option to the server", err)
	}
	return rc
}

// tmoFail fails t because talking to the server failed, unless it has
// failed already (a stub's panic closes the connection).
func tmoFail(t testing.TB, what string, err error) {
	t.Helper()
	if t.Failed() {
		t.FailNow()
	}
	t.Fatalf("%s failed: %v.\nLikely cause: the server stopped reading, or closed the connection "+
		"(docs/minirpc.md, parts B and D).\n\nGoroutines running the lab's code:\n%s", what, err, cliStacks())
}

// send writes a request.
func (rc *tmoConn) send(t testing.TB, seq uint64, method string, args any) {
	t.Helper()
	rc.conn.SetWriteDeadline(time.Now().Add(patience))
	err := rc.enc.Encode(&codec.Header{ServiceMethod: method, Seq: seq})
	if err == nil {
		err = rc.enc.Encode(args)
	}
	if err != nil {
		tmoFail(t, fmt.Sprintf("writing the request %s (seq %d)", method, seq), err)
	}
}

// recv reads a reply whose body is an int, or none if it carries an error.
// It waits up to wait for it.
func (rc *tmoConn) recv(t testing.TB, wait time.Duration, what string) (codec.Header, int, error) {
	t.Helper()
	rc.conn.SetReadDeadline(time.Now().Add(wait))
	defer rc.conn.SetReadDeadline(time.Time{})
	var h codec.Header
	if err := rc.dec.Decode(&h); err != nil {
		return h, 0, err
	}
	var body int
	var err error
	if h.Error != "" {
		err = rc.dec.DecodeValue(reflect.Value{}) // discards the body
	} else {
		err = rc.dec.Decode(&body)
	}
	if err != nil {
		tmoFail(t, fmt.Sprintf("reading the body of the reply to seq %d (%s)", h.Seq, what), err)
	}
	return h, body, nil
}

// mustRecv is recv that fails t if no reply comes within patience.
func (rc *tmoConn) mustRecv(t testing.TB, what, advice string) (codec.Header, int) {
	t.Helper()
	h, body, err := rc.recv(t, patience, what)
	if err != nil {
		if t.Failed() {
			t.FailNow()
		}
		t.Fatalf("%s: no reply came within %v (%v).\nLikely cause: %s\n\nGoroutines running the lab's code:\n%s",
			what, patience, err, advice, cliStacks())
	}
	return h, body
}

// tmoCallAdvice is the likely cause of a Call that ignores its context.
const tmoCallAdvice = "Call must wait for its call to end OR for ctx to be done: a select on call.Done and " +
	"ctx.Done() (docs/minirpc.md, part D)."

// tmoLeftAdvice is the likely cause of client goroutines left blocked.
const tmoLeftAdvice = "a goroutine of the client still waits: a Call's, or the receive loop's (Close must end " +
	"it) (docs/minirpc.md, parts C and D)."

// --- D. Time-outs -----------------------------------------------------------------

// TestCallTimeout makes Calls with a context that times out after a second
// (of the bubble's fake clock).
//
// In the first case the server does not answer in time: Call returns an
// error that wraps context.DeadlineExceeded, and the call leaves the pending
// map. Then the late reply comes: it must be read past, not into the reply
// of the call that gave up, and the connection goes on.
//
// In the second (tmoReplyBeingRead), the deadline passes while the reply is
// being read: its header has come, its body has not. The receive loop has
// the call already, so Call waits for it to end and returns its reply.
func TestCallTimeout(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	if !t.Run("late reply", func(t *testing.T) { tmoBubble(t, tmoLeftAdvice, tmoLateReply) }) {
		return
	}
	t.Run("reply being read", func(t *testing.T) { tmoBubble(t, tmoLeftAdvice, tmoReplyBeingRead) })
}

// tmoLateReply is the first case of TestCallTimeout: no reply before the
// deadline, a late one after it.
func tmoLateReply(t *testing.T) {
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	reply := -1
	res := cliCallAsync(t, fs, c, ctx, "Arith.Sum", Args{1, 2}, &reply)
	req := fs.next(t, "the request of a Call with a 1s time-out")
	err := cliResult(t, res, "Call with a context that times out after 1s, the server never answering", tmoCallAdvice)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(fmt.Sprint(err), "rpc client: call failed") {
		t.Fatalf("Call with a context that timed out, the server never answering, returned %v.\nExpected: an "+
			"error that wraps ctx.Err() (errors.Is(err, context.DeadlineExceeded)), such as "+
			"fmt.Errorf(\"rpc client: call failed: %%w\", ctx.Err()) (docs/minirpc.md, part D).", err)
	}
	if n := tmoPending(c); n != 0 {
		t.Fatalf("after a Call gave up on its context, the client still has %d calls pending.\nExpected: 0: a "+
			"call given up leaves the pending map (removeCall), or the map grows with every time-out and a late "+
			"reply is still delivered to it (docs/minirpc.md, part D).", n)
	}

	fs.reply(req.Seq, 666) // the late reply
	var reply2 int
	res = cliCallAsync(t, fs, c, context.Background(), "Arith.Sum", Args{20, 3}, &reply2)
	fs.answer(fs.next(t, "the request of the Call after the one that timed out"))
	err = cliResult(t, res, "a Call after a late reply to a call that had timed out", "the late reply, "+
		"whose call is no longer pending, must be read past (ReadBody(nil)) (docs/minirpc.md, part D).")
	if err != nil || reply2 != 23 {
		t.Fatalf("after the late reply to a call that had timed out, the next Call returned %v with reply %d; "+
			"want nil and 23.\nLikely cause: the late reply, whose call is no longer pending, was not read past "+
			"(ReadBody(nil)) and the stream lost its place (docs/minirpc.md, part D).", err, reply2)
	}
	if reply != -1 {
		t.Fatalf("the late reply (666) to a call that had timed out was written into that call's reply (now %d).\n"+
			"Expected: once Call has returned, nothing writes to its reply any more: the call left pending "+
			"when it gave up, so the receive loop finds no call for the late reply (docs/minirpc.md, part D).", reply)
	}
}

// tmoInFlightAdvice is the likely cause of a Call that gives up on a call
// whose reply is being read.
const tmoInFlightAdvice = "on ctx.Done(), Call returns the context's error without looking at what removeCall " +
	"found. If removeCall finds the call no longer pending, the receive loop has it and is reading its reply into " +
	"reply right now: wait for <-call.Done and return call.Error. (Or the receive loop takes the call out of " +
	"pending only after reading the body: take it out as soon as the header is read.) (docs/minirpc.md, part D)"

// tmoReplyBeingRead is the second case of TestCallTimeout: the context's
// deadline passes while the receive loop reads the call's reply, whose
// header has come and whose body the fake server holds back until after
// the deadline. Call must return nil with the reply, and nothing may write
// to reply once Call has returned.
func tmoReplyBeingRead(t *testing.T) {
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	type result struct {
		err  error
		seen int // reply, when Call returned
	}
	reply := -1
	res := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				if s, ok := labtest.Stub(v); ok {
					t.Error(s)
				} else {
					t.Errorf("Client.Call panicked: %v\n\n%s", v, debug.Stack())
				}
				fs.close()
				res <- result{err: errCliPanicked}
			}
		}()
		err := c.Call(ctx, "Arith.Sum", Args{20, 22}, &reply)
		res <- result{err, reply}
	}()
	req := fs.next(t, "the request of a Call with a 1s time-out")
	hold := make(chan struct{})
	fs.replyHeld(req.Seq, 42, hold) // the header now, the body when hold is closed
	<-ctx.Done()                    // the fake clock jumps to the deadline once the client waits for the body
	synctest.Wait()
	select {
	case r := <-res:
		if r.err == errCliPanicked {
			t.FailNow()
		}
		close(hold) // the body comes
		synctest.Wait()
		if reply != r.seen {
			t.Fatalf("a Call whose 1s deadline passed while the receive loop was reading its reply (the header had "+
				"come, the body was on its way) returned %v at the deadline; then the body came, and the receive loop "+
				"wrote %d into reply after Call had returned (reply was %d when it returned).\nExpected: Call waits "+
				"for the call to end and returns nil with the reply, 42; once Call has returned, nothing writes to "+
				"its reply any more.\nLikely cause: %s", r.err, reply, r.seen, tmoInFlightAdvice)
		}
		t.Fatalf("a Call whose 1s deadline passed while the receive loop was reading its reply (the header had come, "+
			"the body was on its way) returned %v with reply %d at the deadline, before the body came.\nExpected: "+
			"Call waits for the call to end and returns nil with the reply, 42.\nLikely cause: %s",
			r.err, r.seen, tmoInFlightAdvice)
	default:
	}
	close(hold) // the body comes
	var r result
	select {
	case r = <-res:
		if r.err == errCliPanicked {
			t.FailNow()
		}
	case <-time.After(patience):
		t.Fatalf("a Call whose 1s deadline passed while the receive loop was reading its reply did not return "+
			"within %v of the reply's body coming.\nExpected: the receive loop ends the call (call.Done), and Call, "+
			"waiting for it, returns.\nLikely cause: Call waits for something other than call.Done, or the receive "+
			"loop does not deliver a call that is no longer pending (docs/minirpc.md, parts C and D).\n\n"+
			"Goroutines running the lab's code:\n%s", patience, cliStacks())
	}
	if r.err != nil || r.seen != 42 {
		t.Fatalf("a Call whose 1s deadline passed while the receive loop was reading its reply returned %v with "+
			"reply %d once the body came; want nil and 42.\nExpected: the call ended with its reply, so Call returns "+
			"how the call ended (call.Error, nil here), not the context's error.\nLikely cause: after <-call.Done, "+
			"Call returns ctx.Err() instead of call.Error (docs/minirpc.md, part D).", r.err, r.seen)
	}
	if n := tmoPending(c); n != 0 {
		t.Fatalf("with its one call ended, the client still has %d calls pending; want 0", n)
	}
}

// TestCallCancel cancels one of three calls in flight: it returns an error
// that wraps context.Canceled and leaves pending; the other two are still
// answered, and the cancelled call's late reply, which comes between them,
// is read past.
func TestCallCancel(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	tmoBubble(t, tmoLeftAdvice, func(t *testing.T) {
		fs, conn := fakePipe(t)
		c := cliNew(t, conn)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		replies := []int{-1, -1, -1}
		resA := cliCallAsync(t, fs, c, ctx, "Arith.Sum", Args{1, 1}, &replies[0])
		reqA := fs.next(t, "the request of the call to cancel")
		resB := cliCallAsync(t, fs, c, context.Background(), "Arith.Sum", Args{2, 2}, &replies[1])
		reqB := fs.next(t, "the request of the second call")
		resC := cliCallAsync(t, fs, c, context.Background(), "Arith.Sum", Args{3, 3}, &replies[2])
		reqC := fs.next(t, "the request of the third call")

		cancel()
		err := cliResult(t, resA, "a Call whose context was cancelled", tmoCallAdvice)
		if !errors.Is(err, context.Canceled) || !strings.Contains(fmt.Sprint(err), "rpc client: call failed") {
			t.Fatalf("a Call whose context was cancelled returned %v.\nExpected: an error that wraps ctx.Err() "+
				"(errors.Is(err, context.Canceled)), such as fmt.Errorf(\"rpc client: call failed: %%w\", ctx.Err()) "+
				"(docs/minirpc.md, part D).", err)
		}
		if n := tmoPending(c); n != 2 {
			t.Fatalf("after one of three calls in flight was cancelled, the client has %d calls pending.\n"+
				"Expected: 2: the cancelled call leaves the pending map (removeCall), the other two stay "+
				"(docs/minirpc.md, part D).", n)
		}

		fs.answer(reqC)
		fs.reply(reqA.Seq, 666) // late, for the cancelled call
		fs.answer(reqB)
		for i, res := range []<-chan error{resB, resC} {
			err := cliResult(t, res, fmt.Sprintf("call %d of 3, answered after call 1 was cancelled", i+2), cliReplyAdvice)
			if want := 2 * (i + 2); err != nil || replies[i+1] != want {
				t.Fatalf("call %d of 3, answered after call 1 was cancelled, returned %v with reply %d; want nil and "+
					"%d.\nLikely cause: the late reply to the cancelled call was not read past (ReadBody(nil)) "+
					"(docs/minirpc.md, part D).", i+2, err, replies[i+1], want)
			}
		}
		if replies[0] != -1 {
			t.Fatalf("the late reply (666) to a cancelled call was written into its reply (now %d).\nExpected: a "+
				"cancelled call leaves pending, so its late reply is read past (docs/minirpc.md, part D).", replies[0])
		}
		if n := tmoPending(c); n != 0 {
			t.Fatalf("with every call ended, the client still has %d calls pending; want 0", n)
		}
	})
}

// tmoHandleAdvice is the likely cause of a handle time-out that does not
// behave.
const tmoHandleAdvice = "with Option.HandleTimeout set, run the method in a goroutine that reports on a " +
	"channel, and select on that channel and a timer: the first to come decides the one reply " +
	"(docs/minirpc.md, part D)."

// TestHandleTimeout serves a connection whose Option sets a handle time-out
// of a second (of the bubble's fake clock) and calls Arith.Wait, which
// waits longer: exactly one reply comes for it, at the time-out, with the
// error "rpc server: request handle timeout: expect within 1s", and a fast
// call on the same connection is answered meanwhile. A second connection,
// with no time-out, waits as long as its method does.
func TestHandleTimeout(t *testing.T) {
	labtest.NoLeaks(t, "the server", "every goroutine a connection started must end once its handlers are done "+
		"and its client hangs up (docs/minirpc.md, parts B and D).")
	tmoBubble(t, "a handler's goroutine is still blocked after its method returned: "+tmoLeakAdvice, func(t *testing.T) {
		srv := tmoNewServer(t)
		rc := srv.serve(t, Option{MagicNumber: MagicNumber, CodecType: codec.GobType, HandleTimeout: time.Second})
		slow := srv.serve(t, Option{MagicNumber: MagicNumber, CodecType: codec.GobType})

		start := time.Now()
		rc.send(t, 1, "Arith.Wait", Args{1, 2})
		rc.send(t, 2, "Arith.Sum", Args{3, 4})
		slow.send(t, 1, "Arith.Wait", Args{5, 6})

		h, body := rc.mustRecv(t, "Arith.Sum, sent after an Arith.Wait that waits", "each request is handled in "+
			"a goroutine of its own: a slow method must not hold up the others (docs/minirpc.md, parts B and D).")
		if h.Seq != 2 || h.Error != "" || body != 7 {
			t.Fatalf("the first reply on a connection with a slow Arith.Wait (seq 1) and a fast Arith.Sum (seq 2) "+
				"was seq %d, error %q, body %d.\nExpected: seq 2, the Sum, no error, 7.", h.Seq, h.Error, body)
		}
		h, _ = rc.mustRecv(t, "an Arith.Wait that runs longer than the 1s HandleTimeout", tmoHandleAdvice)
		const want = "rpc server: request handle timeout: expect within 1s"
		if h.Seq != 1 || h.Error != want {
			t.Fatalf("the reply to an Arith.Wait that runs longer than the connection's HandleTimeout (1s) was "+
				"seq %d with the error %q.\nExpected: seq 1 with the error %q.\nLikely cause: %s",
				h.Seq, h.Error, want, tmoHandleAdvice)
		}
		if waited := time.Since(start); waited < time.Second {
			t.Fatalf("the time-out reply came %v after the request (on the test's fake clock), before the 1s "+
				"HandleTimeout.\nExpected: the timer starts when the handler starts, and fires after HandleTimeout.",
				waited)
		}

		// No time-out on the other connection: nothing comes while its method waits.
		if h, _, err := slow.recv(t, time.Minute, "an Arith.Wait on a connection with no HandleTimeout"); err == nil {
			t.Fatalf("on a connection whose Option has no HandleTimeout (0), an Arith.Wait that waited a minute got "+
				"a reply before its method returned: seq %d, error %q.\nExpected: HandleTimeout 0 means no limit: "+
				"wait for the method however long it takes (docs/minirpc.md, part D).", h.Seq, h.Error)
		}

		srv.open() // every Wait returns now
		synctest.Wait()
		h, body = slow.mustRecv(t, "an Arith.Wait on a connection with no HandleTimeout, once it returned",
			"with HandleTimeout 0, reply when the method returns (docs/minirpc.md, part D).")
		if h.Seq != 1 || h.Error != "" || body != 11 {
			t.Fatalf("on a connection with no HandleTimeout, Arith.Wait(5, 6) was answered with seq %d, error %q, "+
				"body %d; want seq 1, no error, 11", h.Seq, h.Error, body)
		}

		rc.send(t, 3, "Arith.Sum", Args{5, 6})
		h, body = rc.mustRecv(t, "an Arith.Sum sent after the slow Arith.Wait that timed out had returned",
			tmoHandleAdvice)
		if h.Seq != 3 {
			t.Fatalf("once the Arith.Wait that had timed out returned, the server sent another reply for it: "+
				"seq %d, error %q, body %d (the next reply should have been seq 3's).\nExpected: exactly one reply "+
				"per request: after the time-out reply, the method's own result is dropped.\nLikely cause: the "+
				"goroutine that runs the method sends its reply itself; let it only report its result on a "+
				"channel, and let the select decide the one reply (docs/minirpc.md, part D).", h.Seq, h.Error, body)
		}
		if h.Error != "" || body != 11 {
			t.Fatalf("Arith.Sum(5, 6) was answered with error %q and body %d; want 11", h.Error, body)
		}
	})
}

// tmoLeakAdvice is the likely cause of a handler goroutine left blocked.
const tmoLeakAdvice = "the goroutine that runs the method reports its result on a channel. After a time-out " +
	"nobody receives from that channel any more, so if it has no room the goroutine blocks on the send forever, " +
	"once per slow call: give it room for the one result (make(chan error, 1)) (docs/minirpc.md, part D)."

// TestHandleTimeoutNoLeak times out five slow calls, then lets their
// methods return and hangs up: no goroutine of the server may be left. The
// time-out replies must come at the time-out, not before (the bubble's
// clock is exact), and the five methods must have been running: a server
// that answers the time-out error without calling the method leaks
// nothing either.
func TestHandleTimeoutNoLeak(t *testing.T) {
	labtest.NoLeaks(t, "the server", tmoLeakAdvice)
	tmoBubble(t, tmoLeakAdvice, func(t *testing.T) {
		srv := tmoNewServer(t)
		rc := srv.serve(t, Option{MagicNumber: MagicNumber, CodecType: codec.GobType, HandleTimeout: time.Second})
		const n = 5
		start := time.Now()
		for i := range n {
			rc.send(t, uint64(i+1), "Arith.Wait", Args{i, i})
		}
		for i := range n {
			h, _ := rc.mustRecv(t, fmt.Sprintf("Arith.Wait %d of %d, which runs past the 1s HandleTimeout", i+1, n),
				tmoHandleAdvice)
			if !strings.Contains(h.Error, "handle timeout") {
				t.Fatalf("an Arith.Wait that runs past the 1s HandleTimeout was answered with the error %q; want "+
					"\"rpc server: request handle timeout: expect within 1s\"", h.Error)
			}
			if waited := time.Since(start); waited < time.Second {
				t.Fatalf("the time-out reply to Arith.Wait %d of %d (seq %d) came %v after the requests were sent "+
					"(on the test's fake clock), before the 1s HandleTimeout.\nExpected: the time-out reply comes "+
					"when a timer of HandleTimeout, started with the handler, fires, and not before.\nLikely cause: "+
					"the timer is not of HandleTimeout (a unit lost in a conversion?), or the time-out error is sent "+
					"without waiting for it (docs/minirpc.md, part D).", i+1, n, h.Seq, waited)
			}
		}
		// The methods cannot be stopped: all five still wait on the gate.
		if running := srv.arith.waiting.Load(); running != n {
			t.Fatalf("after the 1s HandleTimeout had answered %d calls of Arith.Wait (which waits until the test "+
				"lets it return), %d of them were running.\nExpected: %d: the server calls the method (in a goroutine "+
				"of its own), and answers with the time-out error when it runs too long; the method runs on, and its "+
				"result is dropped.\nLikely cause: the time-out reply is sent without the method ever being called: "+
				"start it (go func() { called <- svc.call(...) }()) before the select (docs/minirpc.md, part D).",
				n, running, n)
		}
		srv.open() // the methods return now, long after their time-outs
		synctest.Wait()
		rc.conn.Close()
		select {
		case <-rc.served:
		case <-time.After(patience):
			t.Fatalf("Server.ServeConn did not return within %v of its client hanging up, every method done.\n"+
				"Likely cause: it waits for a handler that is itself blocked: %s\n\nGoroutines running the lab's "+
				"code:\n%s", patience, tmoLeakAdvice, cliStacks())
		}
	})
}
