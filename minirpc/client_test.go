package minirpc

// The tests of part C: the client. They talk to the scripted server of
// fakeserver_test.go, over a net.Pipe (or a loopback port for Dial), not to
// your server. Run them with:
//
//	go test -race -run 'TestClient' ./minirpc/

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/labtest"
	"golabs/minirpc/codec"
)

// cliLeakAdvice is what a client test that leaves goroutines behind is told.
const cliLeakAdvice = "Close must close the connection; the receive loop's read then fails and the loop returns. " +
	"Every goroutine the client starts must end then (docs/minirpc.md, part C)."

// cliProbeA calls part A's WriteOption and gob codec in the test's own
// goroutine, where a stub's panic fails the test with its message: the
// client calls them in goroutines of its own (the receive loop, the dial's
// handshake), where a panic would end the whole test binary.
func cliProbeA(t testing.TB) {
	t.Helper()
	try(t, "WriteOption", func() { WriteOption(io.Discard, DefaultOption) })
	probeGobCodec(t)
}

// probeGobCodec calls the gob codec of part A in the test's own goroutine,
// for the tests whose code runs it in goroutines of its own. The tests of
// the server use it alone: the server does not call WriteOption.
func probeGobCodec(t testing.TB) {
	t.Helper()
	a, b := net.Pipe()
	b.Close()
	defer a.Close()
	try(t, "the gob codec (codec.NewGobCodec, ReadHeader, ReadBody, Write, Close)", func() {
		cc := codec.NewGobCodec(a)
		cc.ReadHeader(&codec.Header{})
		cc.ReadBody(nil)
		cc.Write(&codec.Header{}, Args{})
		cc.Close()
	})
}

// cliNew opens the student's client on conn with DefaultOption, and closes
// it when the test ends.
func cliNew(t testing.TB, conn net.Conn) *Client {
	t.Helper()
	cliProbeA(t)
	var (
		c   *Client
		err error
	)
	if !within(t, patience, "NewClient", "NewClient writes the Option, starts the receive loop in a goroutine of "+
		"its own, and returns: it waits for nothing from the server (docs/minirpc.md, part C).",
		func() { c, err = NewClient(conn, DefaultOption) }) {
		return nil
	}
	if err != nil {
		t.Fatalf("NewClient on a fresh connection failed: %v (docs/minirpc.md, part C)", err)
	}
	if c == nil {
		t.Fatal("NewClient returned a nil *Client and no error (docs/minirpc.md, part C)")
	}
	t.Cleanup(func() {
		defer func() { recover() }() // a Close not written yet: the test has said so
		c.Close()
	})
	return c
}

// cliStacks returns the goroutines running the lab's code, for a message.
func cliStacks() string {
	if s := labtest.Goroutines(".", 8); s != "" {
		return s
	}
	return "(none in the lab's own code)"
}

// errCliPanicked is what cliCallAsync delivers when Call panicked: the
// panic has been reported already.
var errCliPanicked = errors.New("Client.Call panicked")

// cliCallAsync makes a Call in a goroutine of its own and delivers its
// error. A panic fails t at once (a stub's with its message) and hangs up
// the fake server fs, if not nil, so that a test waiting for the request
// stops waiting.
func cliCallAsync(t testing.TB, fs *fakeServer, c *Client, ctx context.Context, method string, args, reply any) <-chan error {
	res := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				if s, ok := labtest.Stub(v); ok {
					t.Error(s)
				} else {
					t.Errorf("Client.Call(%q) panicked: %v\n\n%s", method, v, debug.Stack())
				}
				if fs != nil {
					fs.close()
				}
				res <- errCliPanicked
			}
		}()
		res <- c.Call(ctx, method, args, reply)
	}()
	return res
}

// cliResult waits at most patience for the error of a Call started with
// cliCallAsync; what names the call, and advice is the likely cause of a
// call that does not return.
func cliResult(t testing.TB, res <-chan error, what, advice string) error {
	t.Helper()
	select {
	case err := <-res:
		if err == errCliPanicked {
			t.FailNow()
		}
		return err
	case <-time.After(patience):
		t.Fatalf("%s: the call did not return within %v.\nLikely cause: %s\n\nGoroutines running the lab's code:\n%s",
			what, patience, advice, cliStacks())
	}
	return nil
}

// cliGo calls Go, which must return at once.
func cliGo(t testing.TB, c *Client, method string, args, reply any, done chan *Call) *Call {
	t.Helper()
	var call *Call
	within(t, patience, fmt.Sprintf("Client.Go(%q)", method), "Go sends the request and returns: it must not "+
		"wait for the reply (docs/minirpc.md, part C).", func() { call = c.Go(method, args, reply, done) })
	if call == nil {
		t.Fatalf("Client.Go(%q) returned nil; want the *Call, whose Done channel receives it when it ends", method)
	}
	return call
}

// cliWait waits at most patience for call to end, on a Done channel of its
// own, and returns it.
func cliWait(t testing.TB, call *Call, what, advice string) *Call {
	t.Helper()
	select {
	case got := <-call.Done:
		if got != call {
			t.Fatalf("the Done channel of %s delivered a *Call other than the one Go returned (%+v).\nExpected: "+
				"call.Done <- call, the very call, once it has ended (docs/minirpc.md, part C).", what, got)
		}
		return got
	case <-time.After(patience):
		t.Fatalf("%s: the call did not end within %v.\nLikely cause: %s\n\nGoroutines running the lab's code:\n%s",
			what, patience, advice, cliStacks())
	}
	return nil
}

// cliReplyAdvice is the likely cause of a reply that does not reach its call.
const cliReplyAdvice = "the receive loop reads a header, takes the call of h.Seq out of pending, reads the body " +
	"into call.Reply and delivers the call on call.Done (docs/minirpc.md, part C)."

// --- C. Client ------------------------------------------------------------------

// TestClientCall makes a Call and a Go against the fake server and checks
// the requests on the wire and the replies delivered.
func TestClientCall(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)
	fs.option(t)

	var reply int
	res := cliCallAsync(t, fs, c, context.Background(), "Arith.Sum", Args{3, 4}, &reply)
	req := fs.next(t, `the request of Call(ctx, "Arith.Sum", Args{3, 4}, &reply)`)
	if req.ServiceMethod != "Arith.Sum" || req.Args != (Args{3, 4}) || req.Error != "" {
		t.Fatalf("Call(ctx, \"Arith.Sum\", Args{3, 4}, &reply) sent the request %+v.\nExpected: a header with "+
			"ServiceMethod \"Arith.Sum\" and no Error, then the arguments {A:3 B:4} (docs/minirpc.md, part C).", req)
	}
	fs.answer(req)
	err := cliResult(t, res, `Call(ctx, "Arith.Sum", Args{3, 4}, &reply), answered`, cliReplyAdvice)
	if err != nil || reply != 7 {
		t.Fatalf("Call(ctx, \"Arith.Sum\", Args{3, 4}, &reply) returned %v with reply %d; the server replied 7.\n"+
			"Expected: nil, and 7 in reply.\nLikely cause: %s", err, reply, cliReplyAdvice)
	}

	var reply2 int
	args := &Args{5, 6}
	done := make(chan *Call, 1)
	call := cliGo(t, c, "Arith.Sum", args, &reply2, done)
	if call.ServiceMethod != "Arith.Sum" || call.Args != any(args) || call.Reply != any(&reply2) || call.Done != done {
		t.Fatalf("Go(\"Arith.Sum\", args, &reply, done) returned the call %+v.\nExpected: its ServiceMethod, Args, "+
			"Reply and Done are the ones Go was given (docs/minirpc.md, part C).", call)
	}
	req2 := fs.next(t, `the request of Go("Arith.Sum", &Args{5, 6}, &reply, done)`)
	if req2.Args != (Args{5, 6}) {
		t.Fatalf("Go(\"Arith.Sum\", &Args{5, 6}, ...) sent the arguments %+v; want {A:5 B:6}", req2.Args)
	}
	if req2.Seq == req.Seq {
		t.Fatalf("two calls in a row were sent with the same Seq %d.\nExpected: each call gets the next sequence "+
			"number, so that each reply finds its call (docs/minirpc.md, part C).", req.Seq)
	}
	fs.answer(req2)
	cliWait(t, call, `Go("Arith.Sum", &Args{5, 6}, ...), answered`, cliReplyAdvice)
	if call.Error != nil || reply2 != 11 {
		t.Fatalf("Go(\"Arith.Sum\", &Args{5, 6}, &reply, done) ended with Error %v and reply %d; the server "+
			"replied 11.\nExpected: no Error, and 11 in reply.\nLikely cause: %s", call.Error, reply2, cliReplyAdvice)
	}
}

// TestClientDial dials the fake server over a loopback port: Dial sends
// DefaultOption when it is given none. It also dials a port nobody listens
// on, and opens a client with a codec that does not exist.
func TestClientDial(t *testing.T) {
	labtest.NoLeaks(t, "Dial and the client", cliLeakAdvice)
	cliProbeA(t)
	fl := fakeListen(t)
	var (
		c   *Client
		err error
	)
	if !within(t, patience, "Dial", "Dial connects, writes the Option, and returns (docs/minirpc.md, part C).",
		func() { c, err = Dial("tcp", fl.addr) }) {
		return
	}
	if err != nil || c == nil {
		t.Fatalf("Dial(\"tcp\", %q) of a listening server returned %v, %v; want a client and no error", fl.addr, c, err)
	}
	defer c.Close()
	fs := fl.accept(t)
	if opt := fs.option(t); opt.HandleTimeout != DefaultOption.HandleTimeout || opt.ConnectTimeout != DefaultOption.ConnectTimeout {
		t.Fatalf("Dial with no Option sent the option %+v.\nExpected: DefaultOption, %+v (parseOptions gives it) "+
			"(docs/minirpc.md, part C).", *opt, *DefaultOption)
	}
	var reply int
	res := cliCallAsync(t, fs, c, context.Background(), "Arith.Sum", Args{1, 2}, &reply)
	fs.answer(fs.next(t, "the request of a Call on a client from Dial"))
	if err := cliResult(t, res, "Call on a client from Dial", cliReplyAdvice); err != nil || reply != 3 {
		t.Fatalf("a Call on a client from Dial returned %v with reply %d; want nil and 3", err, reply)
	}

	// A port nobody listens on: the listener is closed at once.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := lis.Addr().String()
	lis.Close()
	var c2 *Client
	within(t, patience, "Dial of a port nobody listens on", "Dial returns the error of net.Dial.",
		func() { c2, err = Dial("tcp", dead) })
	if err == nil {
		c2.Close()
		t.Fatalf("Dial(\"tcp\", %q) of a port nobody listens on returned no error", dead)
	}

	// A codec that does not exist: an error, not a panic on a nil function.
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go io.Copy(io.Discard, b)
	within(t, patience, "NewClient with an unknown codec type", "check the codec type before anything else "+
		"(docs/minirpc.md, part C).", func() {
		c2, err = NewClient(a, &Option{MagicNumber: MagicNumber, CodecType: "application/xml"})
	})
	if err == nil {
		c2.Close()
		t.Fatalf("NewClient with the codec type \"application/xml\" returned no error.\nExpected: an error that " +
			"names the codec type: codec.NewCodecFuncMap has no such codec (docs/minirpc.md, part C).")
	}
}

// TestClientGoDone checks Go's Done channel: made for the caller when it
// passes nil, refused when it is unbuffered.
func TestClientGoDone(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)

	var reply int
	call := cliGo(t, c, "Arith.Sum", Args{1, 1}, &reply, nil)
	if call.Done == nil || cap(call.Done) == 0 {
		t.Fatalf("Go with a nil done channel returned a call whose Done is %v (capacity %d).\nExpected: Go makes "+
			"one with room for 10 calls (make(chan *Call, 10)), so that the receive loop can always deliver the "+
			"call (docs/minirpc.md, part C).", call.Done, cap(call.Done))
	}
	fs.answer(fs.next(t, "the request of a Go with done nil"))
	cliWait(t, call, "a Go with done nil, answered", cliReplyAdvice)
	if call.Error != nil || reply != 2 {
		t.Fatalf("a Go with done nil ended with Error %v and reply %d; want no error and 2", call.Error, reply)
	}

	var panicked any
	func() {
		defer func() { panicked = recover() }()
		c.Go("Arith.Sum", Args{100, 100}, &reply, make(chan *Call))
	}()
	if s, ok := labtest.Stub(panicked); ok {
		t.Fatal(s)
	}
	if panicked == nil || !strings.Contains(fmt.Sprint(panicked), "unbuffered") {
		t.Fatalf("Go with an unbuffered done channel did not panic with a message that says so (it panicked with: "+
			"%v).\nExpected: a panic such as \"rpc client: done channel is unbuffered\": the receive loop never "+
			"waits on Done, so with no room in it the call's end would be lost (docs/minirpc.md, part C).", panicked)
	}
	// The panic came before anything was sent: the next request is the next call's.
	var reply2 int
	call = cliGo(t, c, "Arith.Sum", Args{2, 2}, &reply2, make(chan *Call, 1))
	req := fs.next(t, "the request of the Go after the one that panicked")
	if req.Args != (Args{2, 2}) {
		t.Fatalf("after a Go with an unbuffered done channel panicked, the server received the arguments %+v.\n"+
			"Expected: {A:2 B:2}, the next call's: check the done channel before registering or sending the call "+
			"(docs/minirpc.md, part C).", req.Args)
	}
	fs.answer(req)
	cliWait(t, call, "a Go after a Go that panicked", cliReplyAdvice)
}

// TestClientOutOfOrder answers three calls in the reverse order of the
// requests: each reply must reach its own call.
func TestClientOutOfOrder(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)

	const n = 3
	calls := make([]*Call, n)
	replies := make([]int, n)
	reqs := make([]fakeRequest, n)
	for i := range n {
		calls[i] = cliGo(t, c, "Arith.Sum", Args{i + 1, 10 * (i + 1)}, &replies[i], make(chan *Call, 1))
		reqs[i] = fs.next(t, fmt.Sprintf("the request of call %d of %d", i+1, n))
	}
	for i := n - 1; i >= 0; i-- {
		fs.answer(reqs[i])
	}
	for i := range n {
		cliWait(t, calls[i], fmt.Sprintf("call %d of %d (Args{%d, %d}), answered last-first", i+1, n, i+1, 10*(i+1)),
			"the receive loop must hand each reply to the call of the reply's Seq, whatever the order: take it "+
				"out of the pending map by h.Seq (docs/minirpc.md, part C).")
		if want := 11 * (i + 1); calls[i].Error != nil || replies[i] != want {
			t.Fatalf("with three calls in flight answered in reverse order, call %d (Args{%d, %d}) ended with "+
				"Error %v and reply %d; want %d.\nExpected: each reply reaches its own call.\nLikely cause: the "+
				"replies were matched to calls in the order sent, not by Seq (docs/minirpc.md, part C).",
				i+1, i+1, 10*(i+1), calls[i].Error, replies[i], want)
		}
	}
}

// TestClientUnknownSeq sends a reply to a sequence number no call has
// before the real reply: the client reads past it.
func TestClientUnknownSeq(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)

	var reply int
	call := cliGo(t, c, "Arith.Sum", Args{4, 5}, &reply, make(chan *Call, 1))
	req := fs.next(t, "the request of a Go")
	fs.reply(req.Seq+1000, 12345) // nobody asked
	fs.answer(req)
	cliWait(t, call, "a call whose reply came after a reply to a Seq no call has", "a reply that no pending "+
		"call waits for must be read past, body included (ReadBody(nil)), or the next header read is that body "+
		"(docs/minirpc.md, part C).")
	if call.Error != nil || reply != 9 {
		t.Fatalf("after a reply to Seq %d, which no call had, the call of Seq %d ended with Error %v and reply %d; "+
			"want no error and 9.\nLikely cause: the body of the unknown reply was not read past (ReadBody(nil)), "+
			"or was read into some call's reply (docs/minirpc.md, part C).", req.Seq+1000, req.Seq, call.Error, reply)
	}
}

// TestClientErrorReply answers a call with an error in the header: it
// becomes the call's Error, and the body that follows is read past.
func TestClientErrorReply(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)

	const msg = "fake: the method failed"
	var reply int
	call := cliGo(t, c, "Arith.Fail", Args{1, 1}, &reply, make(chan *Call, 1))
	fs.replyError(fs.next(t, "the request of a Go").Seq, msg)
	cliWait(t, call, "a call answered with an error", cliReplyAdvice)
	if call.Error == nil || call.Error.Error() != msg {
		t.Fatalf("a call whose reply header carried the error %q ended with Error %v.\nExpected: an error whose "+
			"text is the header's Error, exactly (errors.New(h.Error)); the body after it is read past with "+
			"ReadBody(nil), not into the reply (docs/minirpc.md, part C).", msg, call.Error)
	}
	var reply2 int
	res := cliCallAsync(t, fs, c, context.Background(), "Arith.Sum", Args{2, 3}, &reply2)
	fs.answer(fs.next(t, "the request of the Call after the error reply"))
	err := cliResult(t, res, "a Call after a reply that carried an error", cliReplyAdvice)
	if err != nil || reply2 != 5 {
		t.Fatalf("the Call after a reply that carried an error returned %v with reply %d; want nil and 5.\n"+
			"Likely cause: the body of the error reply was not read (ReadBody(nil)), so the next header read "+
			"was that body and the connection broke (docs/minirpc.md, part C).", err, reply2)
	}
}

// TestClientConcurrent shares one client among 16 goroutines making 50
// calls each, with Call and with Go; the fake server answers the calls in
// flight in a random order. Every call must get its own reply.
func TestClientConcurrent(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)
	seed := labtest.Seed(t)
	fs.answerShuffled(seed)

	var warm int
	res := cliCallAsync(t, fs, c, context.Background(), "Arith.Sum", Args{1, 1}, &warm)
	if err := cliResult(t, res, "a first Call", cliReplyAdvice); err != nil || warm != 2 {
		t.Fatalf("a first Call returned %v with reply %d; want nil and 2", err, warm)
	}
	labtest.Replay(t, seed)

	const goroutines, calls = 16, 50
	var (
		mu    sync.Mutex
		wrong []string
	)
	report := func(s string) {
		mu.Lock()
		wrong = append(wrong, s)
		mu.Unlock()
	}
	within(t, 2*patience, fmt.Sprintf("%d goroutines making %d calls each on one client", goroutines, calls),
		"a reply that never reaches its call (is every call in pending under its own Seq?), or a lock held "+
			"while waiting for a reply.", func() {
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					defer func() {
						if v := recover(); v != nil {
							report(fmt.Sprintf("goroutine %d panicked: %v", g, v))
						}
					}()
					for i := range calls {
						args := Args{g*1000 + i, 7}
						var reply int
						var err error
						if g%2 == 0 {
							err = c.Call(context.Background(), "Arith.Sum", args, &reply)
						} else {
							call := <-c.Go("Arith.Sum", &args, &reply, make(chan *Call, 1)).Done
							err = call.Error
						}
						if err != nil || reply != args.A+args.B {
							report(fmt.Sprintf("Sum(%d, %d) returned %v with reply %d", args.A, args.B, err, reply))
						}
					}
				})
			}
			wg.Wait()
		})
	if len(wrong) > 0 {
		t.Fatalf("%d goroutines shared one client; %d of their %d calls went wrong, such as: %s.\nExpected: every "+
			"call gets its own reply, whatever order the replies come back in.\nLikely cause: requests written "+
			"at once (hold the sending lock across registering the call and writing it), a sequence number "+
			"shared by two calls (take it and increment it under mu), or a reply handed to the wrong call "+
			"(docs/minirpc.md, part C).", goroutines, len(wrong), goroutines*calls, wrong[0])
	}
}

// TestClientUndrainedDone makes two calls that share a Done channel with
// room for one, and never reads it: the receive loop must not block on the
// second, so a third call still gets its reply.
func TestClientUndrainedDone(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)

	done := make(chan *Call, 1) // room for one; nobody reads it
	var r1, r2, r3 int
	cliGo(t, c, "Arith.Sum", Args{1, 1}, &r1, done)
	cliGo(t, c, "Arith.Sum", Args{2, 2}, &r2, done)
	fs.answer(fs.next(t, "the request of the first of two calls sharing a Done channel"))
	fs.answer(fs.next(t, "the request of the second of two calls sharing a Done channel"))
	res := cliCallAsync(t, fs, c, context.Background(), "Arith.Sum", Args{3, 3}, &r3)
	fs.answer(fs.next(t, "the request of the Call made after them"))
	err := cliResult(t, res, "a Call made after two calls that share a Done channel of capacity 1, which "+
		"nobody reads", "the receive loop is blocked in call.done(), sending the second call on its full Done "+
		"channel, and reads no more replies. Deliver with a send that never blocks: select { case call.Done <- "+
		"call: default: } (docs/minirpc.md, part C).")
	if err != nil || r3 != 6 {
		t.Fatalf("the Call after two calls sharing an undrained Done channel returned %v with reply %d; want nil "+
			"and 6", err, r3)
	}
	if len(done) != 1 {
		t.Fatalf("the Done channel shared by two ended calls holds %d calls; want 1, the first: it has room for one",
			len(done))
	}
}

// TestClientConnectionBroken cuts the connection with five calls in flight:
// two answered, one cut in the middle of its reply, two never answered.
// Every call must end; later calls fail at once with ErrShutdown.
func TestClientConnectionBroken(t *testing.T) {
	labtest.NoLeaks(t, "the client", cliLeakAdvice)
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)

	const n = 5
	calls := make([]*Call, n)
	replies := make([]int, n)
	reqs := make([]fakeRequest, n)
	for i := range n {
		calls[i] = cliGo(t, c, "Arith.Sum", Args{i, 100}, &replies[i], make(chan *Call, 1))
		reqs[i] = fs.next(t, fmt.Sprintf("the request of call %d of %d", i+1, n))
	}
	fs.answer(reqs[0])
	fs.answer(reqs[1])
	fs.replyHeaderOnly(reqs[2].Seq) // and hang up

	for i := range n {
		cliWait(t, calls[i], fmt.Sprintf("call %d of %d, after the connection broke", i+1, n),
			"when a read fails, the connection is gone and no reply will come: the receive loop must end every "+
				"pending call with the error (terminateCalls) before it returns, or their callers wait forever "+
				"(docs/minirpc.md, part C).")
	}
	for i := range 2 {
		if calls[i].Error != nil || replies[i] != i+100 {
			t.Fatalf("call %d, answered before the connection broke, ended with Error %v and reply %d; want no "+
				"error and %d", i+1, calls[i].Error, replies[i], i+100)
		}
	}
	if calls[2].Error == nil {
		t.Fatalf("the call whose reply was cut after its header ended with no error (reply %d).\nExpected: an "+
			"error: its body could not be read.\nLikely cause: the error of ReadBody(call.Reply) was ignored "+
			"(docs/minirpc.md, part C).", replies[2])
	}
	for i := 3; i < n; i++ {
		if calls[i].Error == nil {
			t.Fatalf("call %d, never answered, ended with no error when the connection broke.\nExpected: "+
				"terminateCalls sets every pending call's Error (docs/minirpc.md, part C).", i+1)
		}
	}

	available := true
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if !try(t, "Client.IsAvailable", func() { available = c.IsAvailable() }) || !available {
			break
		}
	}
	if available {
		t.Fatalf("IsAvailable() is still true after the connection broke.\nExpected: false: terminateCalls marks " +
			"the client shut down (docs/minirpc.md, part C).")
	}
	var reply int
	call := cliGo(t, c, "Arith.Sum", Args{1, 1}, &reply, make(chan *Call, 1))
	cliWait(t, call, "a Go on a client whose connection broke", "a call on a broken client must end at once "+
		"with ErrShutdown: registerCall refuses it (docs/minirpc.md, part C).")
	if !errors.Is(call.Error, ErrShutdown) {
		t.Fatalf("a Go on a client whose connection broke ended with Error %v.\nExpected: ErrShutdown, at once, "+
			"without writing anything: registerCall refuses a call once the client is shut down "+
			"(docs/minirpc.md, part C).", call.Error)
	}
	res := cliCallAsync(t, nil, c, context.Background(), "Arith.Sum", Args{1, 1}, &reply)
	if err := cliResult(t, res, "a Call on a client whose connection broke", "it must fail at once."); !errors.Is(err, ErrShutdown) {
		t.Fatalf("a Call on a client whose connection broke returned %v; want ErrShutdown", err)
	}
}

// TestClientClose closes a client with three calls the server never
// answers: they end with an error, a second Close returns ErrShutdown, and
// later calls fail with ErrShutdown.
func TestClientClose(t *testing.T) {
	labtest.NoLeaks(t, "Client.Close", cliLeakAdvice)
	fs, conn := fakePipe(t)
	c := cliNew(t, conn)

	const n = 3
	calls := make([]*Call, n)
	var reply int
	for i := range n {
		calls[i] = cliGo(t, c, "Arith.Wait", Args{i, i}, &reply, make(chan *Call, 1))
		fs.next(t, fmt.Sprintf("the request of call %d of %d", i+1, n))
	}
	var err error
	if !within(t, patience, "Client.Close with calls in flight", "Close closes the connection and returns: it "+
		"does not wait for the calls in flight.", func() { err = c.Close() }) {
		return
	}
	if err != nil {
		t.Fatalf("the first Close returned %v; want nil", err)
	}
	available := true
	try(t, "Client.IsAvailable", func() { available = c.IsAvailable() })
	if available {
		t.Fatalf("IsAvailable() is true right after Close returned.\nExpected: false: Close marks the client " +
			"closing, under mu (docs/minirpc.md, part C).")
	}
	for i := range n {
		cliWait(t, calls[i], fmt.Sprintf("call %d of %d, in flight when the client was closed", i+1, n),
			"Close closes the connection; the receive loop's read then fails, and it must end every pending "+
				"call (terminateCalls) (docs/minirpc.md, part C).")
		if calls[i].Error == nil {
			t.Fatalf("call %d, in flight when the client was closed, ended with no error; want an error", i+1)
		}
	}
	try(t, "Client.Close", func() { err = c.Close() })
	if !errors.Is(err, ErrShutdown) {
		t.Fatalf("the second Close returned %v.\nExpected: ErrShutdown: Close remembers that it was called "+
			"(closing, under mu) and refuses to close twice (docs/minirpc.md, part C).", err)
	}
	call := cliGo(t, c, "Arith.Sum", Args{1, 1}, &reply, make(chan *Call, 1))
	cliWait(t, call, "a Go on a closed client", "a call on a closed client must end at once with ErrShutdown.")
	if !errors.Is(call.Error, ErrShutdown) {
		t.Fatalf("a Go on a closed client ended with Error %v.\nExpected: ErrShutdown, at once: registerCall "+
			"refuses a call once the client is closing (docs/minirpc.md, part C).", call.Error)
	}
	res := cliCallAsync(t, nil, c, context.Background(), "Arith.Sum", Args{1, 1}, &reply)
	if err := cliResult(t, res, "a Call on a closed client", "it must fail at once."); !errors.Is(err, ErrShutdown) {
		t.Fatalf("a Call on a closed client returned %v; want ErrShutdown", err)
	}
}
