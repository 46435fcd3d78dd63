package codec

// The graded tests of Lab 4, part A, the codecs. Run them with:
//
//	go test -race ./minirpc/codec/
//
// Every test runs on an in-memory connection (memConn) that keeps what is
// written to it, so a test sees exactly which bytes reached the wire, and
// when. Where a test needs the other end of the wire, it uses encoding/gob or
// encoding/json directly, so that a bug in your writer cannot hide a bug in
// your reader, nor the reverse.

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golabs/internal/labtest"
)

// try turns a panic of f, a stub's "not implemented" among them, into a
// failure of t that says what panicked.
func try(t testing.TB, what string, f func()) bool { t.Helper(); return labtest.Try(t, what, f) }

// --- An in-memory connection -------------------------------------------------------

// memConn is a connection whose other end is a buffer: Write appends to it,
// Read takes from its front and gives io.EOF once it is empty. It counts the
// bytes written and remembers whether it was closed. With failWrites set,
// every Write fails.
type memConn struct {
	mu         sync.Mutex
	buf        bytes.Buffer // written and not yet read
	wire       bytes.Buffer // everything ever written
	closed     bool
	failWrites bool
}

var errMemWrite = errors.New("memConn: this connection fails every write")

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf.Len() == 0 {
		return 0, io.EOF
	}
	return c.buf.Read(p)
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failWrites {
		return 0, errMemWrite
	}
	c.buf.Write(p)
	c.wire.Write(p)
	return len(p), nil
}

func (c *memConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

// written returns a copy of every byte written so far.
func (c *memConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.wire.Bytes())
}

func (c *memConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// --- The messages the tests send ----------------------------------------------------

// memArgs and memNested are bodies of struct type.
type memArgs struct{ A, B int }

type memNested struct {
	Name  string
	Tags  []string
	Inner *memArgs
	Score float64
}

// memMessage is one message: a header and its body.
type memMessage struct {
	h    Header
	body any
}

// memMessages returns a sequence of messages whose bodies are of many types,
// one of them larger than a bufio.Writer's buffer.
func memMessages() []memMessage {
	big := strings.Repeat("0123456789abcdef", 100<<10/16)
	return []memMessage{
		{Header{ServiceMethod: "Arith.Sum", Seq: 1}, memArgs{A: 3, B: 4}},
		{Header{ServiceMethod: "Arith.Echo", Seq: 2}, "hello, wire\nsecond line: é ✓"},
		{Header{ServiceMethod: "Arith.Sum", Seq: 3, Error: "rpc server: can't find method Arith.Sum"}, 42},
		{Header{ServiceMethod: "KV.Keys", Seq: 1 << 40}, []string{"a", "b", "c"}},
		{Header{ServiceMethod: "KV.Count", Seq: math.MaxUint64}, map[string]int{"x": 1, "y": -2}},
		{Header{ServiceMethod: "Doc.Get", Seq: 6}, memNested{Name: "n", Tags: []string{"t1", "t2"}, Inner: &memArgs{A: -1, B: 1 << 50}, Score: 2.5}},
		{Header{ServiceMethod: "Arith.Echo", Seq: 7}, big},
		{Header{ServiceMethod: "Arith.Sum", Seq: 8}, memArgs{A: 5, B: 6}},
	}
}

// describe names a body for a failure message, cutting long ones short.
func describe(v any) string {
	s := fmt.Sprintf("%T %+v", v, v)
	if len(s) > 80 {
		s = s[:80] + fmt.Sprintf("... (%d bytes)", len(s))
	}
	return s
}

// codecKinds are the two codecs, with a standard encoder and decoder of
// their wire format for the other end.
var codecKinds = []struct {
	name   string
	typ    Type
	encode func(w io.Writer) func(v any) error
	decode func(r io.Reader) func(v any) error
}{
	{"gob", GobType,
		func(w io.Writer) func(v any) error { return gob.NewEncoder(w).Encode },
		func(r io.Reader) func(v any) error { return gob.NewDecoder(r).Decode }},
	{"json", JSONType,
		func(w io.Writer) func(v any) error { return json.NewEncoder(w).Encode },
		func(r io.Reader) func(v any) error { return json.NewDecoder(r).Decode }},
}

// newCodec makes the student's codec of typ over conn.
func newCodec(t *testing.T, typ Type, conn io.ReadWriteCloser) Codec {
	t.Helper()
	var cc Codec
	try(t, fmt.Sprintf("NewCodecFuncMap[%q] (New%sCodec)", typ, codecName(typ)), func() { cc = NewCodecFuncMap[typ](conn) })
	if cc == nil {
		t.Fatalf("New%sCodec returned nil; want a Codec over the connection (docs/minirpc.md, part A)", codecName(typ))
	}
	return cc
}

func codecName(typ Type) string {
	if typ == JSONType {
		return "JSON"
	}
	return "Gob"
}

// readAll reads msgs back from cc, one header and one body after another,
// and fails t at the first that differs. how says where the bytes came from.
func readAll(t *testing.T, cc Codec, msgs []memMessage, how string) {
	t.Helper()
	name := codecName(cc2type(cc))
	for i, m := range msgs {
		var h Header
		var err error
		try(t, name+"Codec.ReadHeader", func() { err = cc.ReadHeader(&h) })
		if err != nil {
			t.Fatalf("%s: ReadHeader of message %d of %d failed: %v.\nExpected: the header %+v.\n"+
				"Likely cause: the reader is out of step with the stream: each message is exactly one header "+
				"value and then one body value, read from one decoder kept for the whole connection (docs/minirpc.md, part A).",
				how, i+1, len(msgs), err, m.h)
		}
		if h != m.h {
			t.Fatalf("%s: ReadHeader of message %d of %d read %+v; want %+v.\n"+
				"Likely cause: the stream is out of step (a body read as a header, or a message lost), or "+
				"ReadHeader does not decode into the Header it is given (docs/minirpc.md, part A).", how, i+1, len(msgs), h, m.h)
		}
		got := reflect.New(reflect.TypeOf(m.body))
		try(t, name+"Codec.ReadBody", func() { err = cc.ReadBody(got.Interface()) })
		if err != nil {
			t.Fatalf("%s: ReadBody of message %d (%s) failed: %v.\nExpected: the body %s.\n"+
				"Likely cause: ReadBody must decode the next value into the pointer it is given (docs/minirpc.md, part A).",
				how, i+1, m.h.ServiceMethod, err, describe(m.body))
		}
		if !reflect.DeepEqual(got.Elem().Interface(), m.body) {
			t.Fatalf("%s: ReadBody of message %d (%s) read %s; want %s (docs/minirpc.md, part A).",
				how, i+1, m.h.ServiceMethod, describe(got.Elem().Interface()), describe(m.body))
		}
	}
}

// cc2type tells a codec's type from its Go type, for messages.
func cc2type(cc Codec) Type {
	if _, ok := cc.(*JSONCodec); ok {
		return JSONType
	}
	return GobType
}

// testRoundTrip writes a sequence of messages with the student's codec and
// reads them back with another, then reads messages that encoding/gob or
// encoding/json wrote.
func testRoundTrip(t *testing.T, typ Type) {
	kind := codecKinds[0]
	if typ == JSONType {
		kind = codecKinds[1]
	}
	name := codecName(typ) + "Codec"
	msgs := memMessages()

	// Your writer, then your reader, on one stream.
	conn := &memConn{}
	w, r := newCodec(t, typ, conn), newCodec(t, typ, conn)
	for i, m := range msgs {
		var err error
		try(t, name+".Write", func() { err = w.Write(&m.h, m.body) })
		if err != nil {
			t.Fatalf("%s.Write of message %d (header %+v, body %s) failed: %v; want nil (docs/minirpc.md, part A)",
				name, i+1, m.h, describe(m.body), err)
		}
	}
	readAll(t, r, msgs, fmt.Sprintf("%d messages written by %s.Write", len(msgs), name))

	// The standard encoder, then your reader: the wire format is the
	// protocol's, not only your codec's.
	conn = &memConn{}
	enc := kind.encode(conn)
	for _, m := range msgs {
		if err := enc(&m.h); err != nil {
			t.Fatal(err)
		}
		if err := enc(m.body); err != nil {
			t.Fatal(err)
		}
	}
	readAll(t, newCodec(t, typ, conn), msgs, fmt.Sprintf("%d messages written by encoding/%s directly, a header value and then a body value each",
		len(msgs), kind.name))
}

func TestCodecGobRoundTrip(t *testing.T)  { testRoundTrip(t, GobType) }
func TestCodecJSONRoundTrip(t *testing.T) { testRoundTrip(t, JSONType) }

// TestCodecSkipBody reads some bodies with ReadBody(nil): the stream must
// move past them, so that the next ReadHeader reads the next header. The
// server does this for a request it cannot serve (an unknown method).
func TestCodecSkipBody(t *testing.T) {
	msgs := memMessages()
	for _, kind := range codecKinds {
		t.Run(kind.name, func(t *testing.T) {
			name := codecName(kind.typ) + "Codec"
			conn := &memConn{}
			enc := kind.encode(conn)
			for _, m := range msgs {
				if err := enc(&m.h); err != nil {
					t.Fatal(err)
				}
				if err := enc(m.body); err != nil {
					t.Fatal(err)
				}
			}
			cc := newCodec(t, kind.typ, conn)
			for i, m := range msgs {
				var h Header
				var err error
				try(t, name+".ReadHeader", func() { err = cc.ReadHeader(&h) })
				if err != nil || h != m.h {
					after := ""
					if i > 0 {
						after = fmt.Sprintf(" after ReadBody(nil) skipped the body of message %d (%s)", i, describe(msgs[i-1].body))
					}
					t.Fatalf("ReadHeader of message %d read %+v, error %v%s.\nExpected: the header %+v, no error.\n"+
						"Likely cause: ReadBody(nil) did not move the stream past the body, so the body was read as "+
						"the next header. With body nil, ReadBody must still read the value and throw it away: "+
						"gob's Decode(nil) does; json's fails, so decode into a json.RawMessage (docs/minirpc.md, part A).",
						i+1, h, err, after, m.h)
				}
				if i%3 == 2 {
					// Read every third body, to check that the stream is in step.
					got := reflect.New(reflect.TypeOf(m.body))
					try(t, name+".ReadBody", func() { err = cc.ReadBody(got.Interface()) })
					if err != nil || !reflect.DeepEqual(got.Elem().Interface(), m.body) {
						t.Fatalf("ReadBody of message %d read %s, error %v; want %s, after ReadBody(nil) skipped the "+
							"bodies before it (docs/minirpc.md, part A).", i+1, describe(got.Elem().Interface()), err, describe(m.body))
					}
					continue
				}
				try(t, name+".ReadBody(nil)", func() { err = cc.ReadBody(nil) })
				if err != nil {
					t.Fatalf("ReadBody(nil) of message %d (body %s) returned the error %v.\nExpected: nil: with body nil, "+
						"ReadBody reads the body and throws it away.\nLikely cause: json's Decode(nil) fails with "+
						"\"json: Unmarshal(nil)\"; decode into a json.RawMessage instead (docs/minirpc.md, part A).",
						i+1, describe(m.body), err)
				}
			}
			var h Header
			var err error
			try(t, name+".ReadHeader", func() { err = cc.ReadHeader(&h) })
			if !errors.Is(err, io.EOF) {
				t.Fatalf("ReadHeader at the end of the stream returned %+v, error %v; want the error io.EOF, as the "+
					"decoder gives it (docs/minirpc.md, part A)", h, err)
			}
		})
	}
}

// TestCodecWriteFlushes checks after each Write that the whole message has
// reached the connection: a Write that leaves it in a bufio.Writer has sent
// nothing, and the peer waits for it forever.
func TestCodecWriteFlushes(t *testing.T) {
	msgs := memMessages()
	for _, kind := range codecKinds {
		t.Run(kind.name, func(t *testing.T) {
			name := codecName(kind.typ) + "Codec"
			conn := &memConn{}
			cc := newCodec(t, kind.typ, conn)
			for i, m := range msgs {
				before := len(conn.written())
				var err error
				try(t, name+".Write", func() { err = cc.Write(&m.h, m.body) })
				if err != nil {
					t.Fatalf("%s.Write of message %d (header %+v, body %s) failed: %v (docs/minirpc.md, part A)",
						name, i+1, m.h, describe(m.body), err)
				}
				wire := conn.written()
				if len(wire) == before {
					t.Fatalf("%s.Write of message %d returned, and not one byte of it had reached the connection.\n"+
						"Expected: Write returns once the header and the body have been written to the connection.\n"+
						"Likely cause: the encoder writes to a bufio.Writer, which keeps what it is given until it "+
						"is full or flushed: call Flush at the end of Write (docs/minirpc.md, part A).", name, i+1)
				}
				// Decode everything written so far, with the standard decoder.
				dec := kind.decode(bytes.NewReader(wire))
				for j := 0; j <= i; j++ {
					var h Header
					body := reflect.New(reflect.TypeOf(msgs[j].body))
					errH := dec(&h)
					errB := errH
					if errH == nil {
						errB = dec(body.Interface())
					}
					if errH != nil || errB != nil || h != msgs[j].h || !reflect.DeepEqual(body.Elem().Interface(), msgs[j].body) {
						t.Fatalf("after %s.Write of message %d returned, the %d bytes on the connection, read with "+
							"encoding/%s, give for message %d the header %+v (error %v) and the body %s (error %v); "+
							"want %+v and %s.\nExpected: each Write puts a header value and then a body value on the "+
							"wire, and all of it before it returns.\nLikely cause: part of the message is still in the "+
							"bufio.Writer (flush once both are encoded), or header and body are not written as two "+
							"values in this order (docs/minirpc.md, part A).",
							name, i+1, len(wire), kind.name, j+1, h, errH, describe(body.Elem().Interface()), errB,
							msgs[j].h, describe(msgs[j].body))
					}
				}
			}
		})
	}
}

// TestCodecClose checks that Close closes the connection, that a Write that
// succeeds leaves it open, and that a Write that fails closes it: the peer
// may hold half a message, and the stream cannot recover.
func TestCodecClose(t *testing.T) {
	for _, kind := range codecKinds {
		t.Run(kind.name, func(t *testing.T) {
			name := codecName(kind.typ) + "Codec"
			h := Header{ServiceMethod: "Arith.Sum", Seq: 1}
			conn := &memConn{}
			cc := newCodec(t, kind.typ, conn)
			var err error
			for i := range 2 {
				try(t, name+".Write", func() { err = cc.Write(&h, memArgs{A: 1, B: 2}) })
				if err != nil {
					t.Fatalf("%s.Write of message %d on a healthy connection returned %v; want nil "+
						"(docs/minirpc.md, part A).", name, i+1, err)
				}
				if conn.isClosed() {
					t.Fatalf("%s.Write of message %d on a healthy connection returned nil, and closed the "+
						"connection.\nExpected: a Write that succeeds leaves the connection open for the next "+
						"message; only a Write that fails closes it.\nLikely cause: the connection is closed on "+
						"every return of Write (a defer without a check of the error) (docs/minirpc.md, part A).",
						name, i+1)
				}
			}

			conn = &memConn{}
			cc = newCodec(t, kind.typ, conn)
			try(t, name+".Close", func() { err = cc.Close() })
			if err != nil {
				t.Fatalf("%s.Close returned %v; want nil, the connection's Close's result", name, err)
			}
			if !conn.isClosed() {
				t.Fatalf("after %s.Close, its connection is still open.\nExpected: Close closes the connection: "+
					"that is how the server hangs up, and how a client's reader is woken up (docs/minirpc.md, part A).", name)
			}

			conn = &memConn{failWrites: true}
			cc = newCodec(t, kind.typ, conn)
			try(t, name+".Write", func() { err = cc.Write(&h, memArgs{A: 1, B: 2}) })
			if err == nil {
				t.Fatalf("%s.Write on a connection whose every Write fails returned nil.\nExpected: the error: "+
					"a message that did not reach the wire was not sent.\nLikely cause: the error of the buffer's "+
					"Flush is dropped; return it (docs/minirpc.md, part A).", name)
			}
			if !conn.isClosed() {
				t.Fatalf("%s.Write failed (%v) and left its connection open.\nExpected: a Write that fails closes "+
					"the connection: the peer may have half a message, and the stream cannot be read past it "+
					"(docs/minirpc.md, part A).", name, err)
			}

			conn = &memConn{}
			cc = newCodec(t, kind.typ, conn)
			try(t, name+".Write", func() { err = cc.Write(&h, make(chan int)) })
			if err == nil {
				t.Fatalf("%s.Write of a body that cannot be encoded (a channel) returned nil; want the encoder's "+
					"error (docs/minirpc.md, part A).", name)
			}
			if !conn.isClosed() {
				t.Fatalf("%s.Write of a body that cannot be encoded failed (%v) and left its connection open.\n"+
					"Expected: a Write that fails closes the connection: its header may be on the wire already, "+
					"without a body (docs/minirpc.md, part A).", name, err)
			}
		})
	}
}
