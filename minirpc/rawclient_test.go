package minirpc

// The raw client the server tests speak the wire protocol with. It writes
// the Option frame by hand (4 bytes of length, big endian, then the JSON)
// and encodes headers and bodies with encoding/gob or encoding/json
// directly, so that the tests of your server (part B) depend neither on your
// codec nor on your client. It can also say things no client would: a wrong
// magic number, a header cut in half, garbage.

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"golabs/minirpc/codec"
)

// rawFrame returns opt as the handshake sends it: the length of its JSON in
// 4 bytes, big endian, then the JSON.
func rawFrame(opt any) []byte {
	body, err := json.Marshal(opt)
	if err != nil {
		panic(err)
	}
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	return append(frame, body...)
}

// rawLength returns n in 4 bytes, big endian: the start of an Option frame.
func rawLength(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

// rawOption is the Option of a raw client of codec typ.
func rawOption(typ codec.Type) *Option {
	return &Option{MagicNumber: MagicNumber, CodecType: typ}
}

// rawClient is one connection that speaks the protocol by hand. Its send is
// safe for many goroutines; recv is for one reader at a time.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	typ  codec.Type

	wmu  sync.Mutex   // held while a message is encoded and written
	wbuf bytes.Buffer // one message, written in one Write
	genc *gob.Encoder // into wbuf
	jenc *json.Encoder
	seq  uint64 // the last Seq that call used, under wmu

	gdec *gob.Decoder // from conn
	jdec *json.Decoder
}

// rawConnect dials addr and closes the connection at the end of the test.
func rawConnect(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("connecting to the server at %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// rawDial connects to addr and sends the Option of codec typ.
func rawDial(t testing.TB, addr string, typ codec.Type) *rawClient {
	t.Helper()
	return rawOpen(t, rawConnect(t, addr), typ)
}

// rawOpen sends the Option of codec typ on conn and returns the raw client
// of the connection.
func rawOpen(t testing.TB, conn net.Conn, typ codec.Type) *rawClient {
	t.Helper()
	c := rawOn(t, conn, typ)
	conn.SetWriteDeadline(time.Now().Add(patience))
	if _, err := conn.Write(rawFrame(rawOption(typ))); err != nil {
		t.Fatalf("sending the Option to the server: %v", err)
	}
	conn.SetWriteDeadline(time.Time{})
	return c
}

// rawOn returns a raw client of a connection whose Option has been sent.
// (With conn nil, it only encodes: see rawEncode.)
func rawOn(t testing.TB, conn net.Conn, typ codec.Type) *rawClient {
	c := &rawClient{t: t, conn: conn, typ: typ}
	if typ == codec.JSONType {
		c.jenc = json.NewEncoder(&c.wbuf)
		c.jdec = json.NewDecoder(conn)
	} else {
		c.genc = gob.NewEncoder(&c.wbuf)
		c.gdec = gob.NewDecoder(conn)
	}
	return c
}

// rawEncode returns a message, header then body, in the codec typ.
func rawEncode(typ codec.Type, h *codec.Header, body any) []byte {
	c := rawOn(nil, nil, typ)
	if err := c.encode(h, body); err != nil {
		panic(err)
	}
	return c.wbuf.Bytes()
}

// encode writes a message, header then body, into the send buffer.
func (c *rawClient) encode(h *codec.Header, body any) error {
	if c.jenc != nil {
		if err := c.jenc.Encode(h); err != nil {
			return err
		}
		return c.jenc.Encode(body)
	}
	if err := c.genc.Encode(h); err != nil {
		return err
	}
	return c.genc.Encode(body)
}

// send writes one message in one Write.
func (c *rawClient) send(h *codec.Header, body any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.sendLocked(h, body)
}

func (c *rawClient) sendLocked(h *codec.Header, body any) error {
	c.wbuf.Reset()
	if err := c.encode(h, body); err != nil {
		return fmt.Errorf("encoding a request: %w", err)
	}
	c.conn.SetWriteDeadline(time.Now().Add(patience))
	_, err := c.conn.Write(c.wbuf.Bytes())
	return err
}

// start sends a request with the next Seq and returns the Seq.
func (c *rawClient) start(method string, args any) (uint64, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.seq++
	return c.seq, c.sendLocked(&codec.Header{ServiceMethod: method, Seq: c.seq}, args)
}

// recv reads the next reply: its header, then its body into body, or, if
// the reply carries an error or body is nil, reads the body and discards
// it. It waits at most patience.
func (c *rawClient) recv(h *codec.Header, body any) error {
	c.conn.SetReadDeadline(time.Now().Add(patience))
	*h = codec.Header{}
	if err := c.decode(h); err != nil {
		return fmt.Errorf("reading a reply's header: %w", err)
	}
	if h.Error != "" {
		body = nil
	}
	if err := c.decode(body); err != nil {
		return fmt.Errorf("reading the body of the reply to seq %d (%s): %w", h.Seq, h.ServiceMethod, err)
	}
	return nil
}

func (c *rawClient) decode(v any) error {
	if c.jdec != nil {
		if v == nil {
			v = new(json.RawMessage)
		}
		return c.jdec.Decode(v)
	}
	return c.gdec.Decode(v)
}

// call makes one call and waits for its reply. It returns the reply's
// header; it fails t if the reply does not come, or answers another Seq.
func (c *rawClient) call(method string, args, reply any) codec.Header {
	c.t.Helper()
	seq, err := c.start(method, args)
	if err != nil {
		c.t.Fatalf("sending a request for %s to the server: %v", method, err)
	}
	var h codec.Header
	if err := c.recv(&h, reply); err != nil {
		c.t.Fatalf("waiting for the reply to %s (seq %d): %v.\n%s", method, seq, err, rawAdvice(err))
	}
	if h.Seq != seq {
		c.t.Fatalf("the reply to %s (seq %d) came back with the header %+v.\nExpected: the request's header, "+
			"with its Seq: the client tells by Seq which call a reply answers (docs/minirpc.md, part B).", method, seq, h)
	}
	return h
}

// rawWhat says what an error of recv means.
func rawWhat(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("No reply came within %v.", patience)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return "The server closed the connection."
	default:
		return "The bytes on the wire are not a header and a body in the codec of the Option."
	}
}

// rawAdvice explains an error of recv, and gives its likely cause.
func rawAdvice(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, os.ErrDeadlineExceeded):
		return rawWhat(err) + " Likely cause: the server did not read the request (does it read the Option " +
			"exactly, its frame and not a byte more?), did not handle it, or did not write and flush the reply " +
			"(docs/minirpc.md, parts A and B)."
	case rawWhat(err) == "The server closed the connection.":
		return rawWhat(err) + " Likely cause: it ended its read loop, or failed to read the request and hung up " +
			"(docs/minirpc.md, part B)."
	default:
		return rawWhat(err) + " Likely cause: two replies written at once interleaved, or a reply written " +
			"without its body (docs/minirpc.md, part B)."
	}
}

// rawSum calls Arith.Sum on c and checks the answer.
func rawSum(t testing.TB, c *rawClient, a, b int, what string) {
	t.Helper()
	var sum int
	if h := c.call("Arith.Sum", Args{A: a, B: b}, &sum); h.Error != "" || sum != a+b {
		t.Fatalf("%s, Arith.Sum(%d, %d) replied %d with the error %q; want %d and no error (docs/minirpc.md, part B).",
			what, a, b, sum, h.Error, a+b)
	}
}

// rawClosed waits for the server to close conn: a read that fails, other
// than by its deadline. It reports whether the server did within patience.
func rawClosed(conn net.Conn) (bool, error) {
	conn.SetReadDeadline(time.Now().Add(patience))
	buf := make([]byte, 4096)
	for {
		_, err := conn.Read(buf)
		if err == nil {
			continue // whatever the server says before it hangs up
		}
		return !errors.Is(err, os.ErrDeadlineExceeded), err
	}
}
