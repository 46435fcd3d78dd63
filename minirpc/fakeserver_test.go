package minirpc

// This file is the scripted server that the client tests (parts C and D)
// talk to. It speaks the wire protocol itself: it reads the option frame by
// hand (4 bytes of length, big endian, then JSON) and then the requests
// with encoding/gob straight on the connection, so the client tests do not
// depend on your server, nor on your ReadOption. The test decides what it
// answers, when and in which order: it can hold a reply back, answer out of
// order, answer a sequence number nobody asked for, answer a call the
// client gave up, cut the connection in the middle of a call or of a reply,
// or never answer at all.

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"golabs/internal/labtest"
	"golabs/minirpc/codec"
)

// fakeRequest is a request as the fake server read it: every call the
// client tests make takes an Args.
type fakeRequest struct {
	codec.Header
	Args Args
}

// fakeAction is one thing the fake server's writer does, in order: write a
// reply (header and body), write a header alone and hang up, or hang up.
type fakeAction struct {
	h          *codec.Header // nil: hang up
	body       any
	headerOnly bool
	hold       <-chan struct{} // if not nil, the body waits for it to be closed
}

// fakeServer serves one connection of the client under test.
type fakeServer struct {
	t    testing.TB
	conn net.Conn
	reqs chan fakeRequest // the requests read, in order; closed when the reader ends
	out  chan fakeAction  // what the writer writes, in order
	opt  chan *Option     // the option the client sent, once read
	quit chan struct{}    // closed by close
	once sync.Once
	wg   sync.WaitGroup
}

// fakeServe starts a fake server on conn, stopped when the test ends.
func fakeServe(t testing.TB, conn net.Conn) *fakeServer {
	t.Helper()
	fs := &fakeServer{
		t:    t,
		conn: conn,
		reqs: make(chan fakeRequest, 1024),
		out:  make(chan fakeAction, 1024),
		opt:  make(chan *Option, 1),
		quit: make(chan struct{}),
	}
	fs.wg.Go(fs.read)
	fs.wg.Go(fs.write)
	t.Cleanup(fs.stop)
	return fs
}

// fakePipe starts a fake server on one end of a net.Pipe and returns it
// with the other end, for the client.
func fakePipe(t testing.TB) (*fakeServer, net.Conn) {
	t.Helper()
	server, client := net.Pipe()
	t.Cleanup(func() { client.Close() })
	return fakeServe(t, server), client
}

// close hangs up: the client's reads fail from now on.
func (fs *fakeServer) close() {
	fs.once.Do(func() {
		close(fs.quit)
		fs.conn.Close()
	})
}

// stop hangs up and waits for the fake server's goroutines.
func (fs *fakeServer) stop() {
	fs.close()
	fs.wg.Wait()
}

// closed reports whether the fake server has hung up.
func (fs *fakeServer) closed() bool {
	select {
	case <-fs.quit:
		return true
	default:
		return false
	}
}

// fakeQuiet reports whether err is how a connection ends when one side
// hangs up.
func fakeQuiet(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET)
}

// fakeReadOption reads the option frame by hand: 4 bytes of length, big
// endian, then that many bytes of JSON.
func fakeReadOption(r io.Reader) (*Option, error) {
	var length [4]byte
	if _, err := io.ReadFull(r, length[:]); err != nil {
		return nil, fmt.Errorf("reading the 4 bytes of the option's length: %w", err)
	}
	n := binary.BigEndian.Uint32(length[:])
	if n > MaxOptionSize {
		return nil, fmt.Errorf("the option's length is %d (bytes % x), more than MaxOptionSize: is the length "+
			"written in 4 bytes, big endian (binary.BigEndian.PutUint32)?", n, length)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("reading the %d bytes of the option: %w", n, err)
	}
	var opt Option
	if err := json.Unmarshal(body, &opt); err != nil {
		return nil, fmt.Errorf("the option is not JSON (%v): %q", err, body)
	}
	if opt.MagicNumber != MagicNumber {
		return nil, fmt.Errorf("the option's magic number is %#x, not MagicNumber (%#x)", opt.MagicNumber, MagicNumber)
	}
	if opt.CodecType != codec.GobType {
		return nil, fmt.Errorf("the option names the codec %q; the client tests use the default, %q", opt.CodecType, codec.GobType)
	}
	return &opt, nil
}

// read reads the option, then the requests, until the connection ends.
func (fs *fakeServer) read() {
	defer close(fs.reqs)
	opt, err := fakeReadOption(fs.conn)
	if err != nil {
		if !fs.closed() && !fakeQuiet(err) {
			fs.t.Errorf("the fake server could not read the option the client sent first: %v.\nExpected: NewClient "+
				"writes the Option with WriteOption before any request (docs/minirpc.md, parts A and C).", err)
		}
		fs.close()
		return
	}
	fs.opt <- opt
	dec := gob.NewDecoder(fs.conn)
	for {
		var req fakeRequest
		err := dec.Decode(&req.Header)
		if err == nil {
			err = dec.Decode(&req.Args)
		}
		if err != nil {
			if !fs.closed() && !fakeQuiet(err) {
				fs.t.Errorf("the fake server could not decode a request: %v.\nExpected: each request is a "+
					"codec.Header and then its arguments, written whole, one request at a time.\nLikely cause: two "+
					"goroutines writing at once interleave their bytes on the wire: hold the sending lock across "+
					"the whole cc.Write of a request (docs/minirpc.md, part C).", err)
				fs.close()
			}
			return
		}
		select {
		case fs.reqs <- req:
		case <-fs.quit:
			return
		}
	}
}

// write carries out the actions the test queued, in order.
func (fs *fakeServer) write() {
	enc := gob.NewEncoder(fs.conn)
	for {
		var a fakeAction
		select {
		case a = <-fs.out:
		case <-fs.quit:
			return
		}
		if a.h == nil {
			fs.close()
			return
		}
		err := enc.Encode(a.h)
		if err == nil && a.headerOnly {
			fs.close()
			return
		}
		if err == nil && a.hold != nil {
			select {
			case <-a.hold:
			case <-fs.quit:
				return
			}
		}
		if err == nil {
			err = enc.Encode(a.body)
		}
		if err != nil {
			if !fs.closed() {
				fs.t.Logf("the fake server could not write the reply to seq %d: %v", a.h.Seq, err)
			}
			fs.close()
			return
		}
	}
}

// queue hands an action to the writer without waiting for it.
func (fs *fakeServer) queue(a fakeAction) {
	select {
	case fs.out <- a:
	case <-fs.quit:
	}
}

// reply queues a reply to seq with body.
func (fs *fakeServer) reply(seq uint64, body any) {
	fs.queue(fakeAction{h: &codec.Header{ServiceMethod: "Fake.Reply", Seq: seq}, body: body})
}

// answer queues the right reply to req: A+B.
func (fs *fakeServer) answer(req fakeRequest) {
	fs.queue(fakeAction{h: &codec.Header{ServiceMethod: req.ServiceMethod, Seq: req.Seq}, body: req.Args.A + req.Args.B})
}

// replyHeld queues a reply to seq whose header goes out at once and whose
// body waits until hold is closed: the client is then in the middle of
// reading the reply.
func (fs *fakeServer) replyHeld(seq uint64, body any, hold <-chan struct{}) {
	fs.queue(fakeAction{h: &codec.Header{ServiceMethod: "Fake.Reply", Seq: seq}, body: body, hold: hold})
}

// replyError queues a reply to seq that carries the error msg, with the
// body a real server sends with an error: an empty struct.
func (fs *fakeServer) replyError(seq uint64, msg string) {
	fs.queue(fakeAction{h: &codec.Header{ServiceMethod: "Fake.Reply", Seq: seq, Error: msg}, body: struct{}{}})
}

// replyHeaderOnly queues the header of a reply to seq and then hangs up:
// the connection breaks in the middle of the reply.
func (fs *fakeServer) replyHeaderOnly(seq uint64) {
	fs.queue(fakeAction{h: &codec.Header{ServiceMethod: "Fake.Reply", Seq: seq}, headerOnly: true})
}

// drop queues hanging up, after the replies queued before it.
func (fs *fakeServer) drop() { fs.queue(fakeAction{}) }

// next returns the next request, or fails t if none comes within patience.
// what says which request the test waits for.
func (fs *fakeServer) next(t testing.TB, what string) fakeRequest {
	t.Helper()
	select {
	case req, ok := <-fs.reqs:
		if !ok {
			t.Fatalf("the fake server's connection ended while it waited for %s (see the errors above, if any).\n"+
				"Likely cause: the client closed its connection, or sent something that is not a request.", what)
		}
		return req
	case <-time.After(patience):
		stacks := labtest.Goroutines(".", 8)
		if stacks == "" {
			stacks = "(none in the lab's own code)"
		}
		t.Fatalf("the fake server got no request within %v while it waited for %s.\nLikely cause: Go or Call "+
			"blocks before it writes the request (a lock held elsewhere?), or the request sits in a buffer that is "+
			"never flushed (docs/minirpc.md, part C).\n\nGoroutines running the lab's code:\n%s", patience, what, stacks)
	}
	return fakeRequest{}
}

// option returns the option the client sent.
func (fs *fakeServer) option(t testing.TB) *Option {
	t.Helper()
	select {
	case opt := <-fs.opt:
		fs.opt <- opt
		return opt
	case <-time.After(patience):
		t.Fatalf("the fake server got no option within %v of the connection opening.\nExpected: NewClient writes "+
			"the Option (WriteOption) at once (docs/minirpc.md, part C).", patience)
	}
	return nil
}

// answerShuffled answers every request from now on with A+B. It takes the
// requests that are waiting, all of them, and answers them in a random
// order, so that the replies to calls made at once come back out of order.
// It checks that no two calls in flight share a sequence number.
func (fs *fakeServer) answerShuffled(seed uint64) {
	fs.wg.Go(func() {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		inFlight := make(map[uint64]bool)
		for {
			var pool []fakeRequest
			select {
			case req, ok := <-fs.reqs:
				if !ok {
					return
				}
				pool = append(pool, req)
			case <-fs.quit:
				return
			}
		more:
			for {
				select {
				case req, ok := <-fs.reqs:
					if !ok {
						break more
					}
					pool = append(pool, req)
				default:
					break more
				}
			}
			for _, req := range pool {
				if inFlight[req.Seq] {
					fs.t.Errorf("two calls in flight at once both had Seq %d.\nExpected: every call gets a sequence "+
						"number of its own, so that its reply finds it.\nLikely cause: the sequence number is read "+
						"and incremented without holding mu, or not incremented (docs/minirpc.md, part C).", req.Seq)
					fs.close()
					return
				}
				inFlight[req.Seq] = true
			}
			rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
			for _, req := range pool {
				delete(inFlight, req.Seq)
				fs.answer(req)
			}
		}
	})
}

// --- Listeners -------------------------------------------------------------------

// fakeListener is a loopback listener whose every connection is served by a
// fake server, for Dial.
type fakeListener struct {
	addr  string
	lis   net.Listener
	conns chan *fakeServer
	wg    sync.WaitGroup
}

// fakeListen starts a fake listener, closed when the test ends.
func fakeListen(t testing.TB) *fakeListener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	fl := &fakeListener{addr: lis.Addr().String(), lis: lis, conns: make(chan *fakeServer, 16)}
	fl.wg.Go(func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			fl.conns <- fakeServe(t, conn)
		}
	})
	t.Cleanup(func() {
		lis.Close()
		fl.wg.Wait()
	})
	return fl
}

// accept returns the fake server of the next connection.
func (fl *fakeListener) accept(t testing.TB) *fakeServer {
	t.Helper()
	select {
	case fs := <-fl.conns:
		return fs
	case <-time.After(patience):
		t.Fatalf("no connection reached the fake server at %s within %v", fl.addr, patience)
	}
	return nil
}

// fakeDeaf is a loopback listener that accepts connections, reads what
// they send, and never answers: a server that hangs in the handshake.
type fakeDeaf struct {
	addr   string
	hungUp chan struct{} // gets a value each time a client closes its end
	lis    net.Listener
	mu     sync.Mutex
	conns  []net.Conn
	heard  bytes.Buffer // what the clients sent, under mu
	wg     sync.WaitGroup
}

// Write keeps what a client sent.
func (fd *fakeDeaf) Write(p []byte) (int, error) {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	return fd.heard.Write(p)
}

// received returns what the clients have sent so far.
func (fd *fakeDeaf) received() string {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	return fd.heard.String()
}

// fakeListenDeaf starts a deaf listener, closed when the test ends.
func fakeListenDeaf(t testing.TB) *fakeDeaf {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	fd := &fakeDeaf{addr: lis.Addr().String(), hungUp: make(chan struct{}, 16), lis: lis}
	fd.wg.Go(func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			fd.mu.Lock()
			fd.conns = append(fd.conns, conn)
			fd.mu.Unlock()
			fd.wg.Go(func() {
				if _, err := io.Copy(fd, conn); err == nil {
					fd.hungUp <- struct{}{} // the client closed its end
				}
			})
		}
	})
	t.Cleanup(func() {
		lis.Close()
		fd.mu.Lock()
		for _, c := range fd.conns {
			c.Close()
		}
		fd.mu.Unlock()
		fd.wg.Wait()
	})
	return fd
}
