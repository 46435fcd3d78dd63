package minirpc

// The graded tests of Lab 4, part A, the handshake: the Option frame that
// opens a connection. Run them with:
//
//	go test -race -run 'TestOption' ./minirpc/

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"golabs/minirpc/codec"
)

// optReader serves its data as a socket would: each Read gives as much as
// fits, and io.EOF at the end. It counts the bytes read, and has no other
// method, so a reader built over it cannot take a short cut.
type optReader struct {
	data []byte
	read int
}

func (r *optReader) Read(p []byte) (int, error) {
	if r.read == len(r.data) {
		return 0, io.EOF
	}
	n := copy(p, r.data[r.read:])
	r.read += n
	return n, nil
}

// optRead calls the student's ReadOption on data and says how many bytes
// it read.
func optRead(t *testing.T, data []byte) (*Option, int, error) {
	t.Helper()
	r := &optReader{data: data}
	var opt *Option
	var err error
	try(t, "ReadOption", func() { opt, err = ReadOption(r) })
	return opt, r.read, err
}

// optFramingAdvice is the first thing a ReadOption that cannot read a valid
// frame is told.
const optFramingAdvice = "ReadOption must read the 4-byte big-endian length and then exactly that many bytes " +
	"(io.ReadFull), and decode those as the Option's JSON; the lecture notes' json.NewDecoder(conn) does not: it " +
	"reads the length's bytes as JSON, and reads ahead past the frame"

// optAccepts checks first that ReadOption accepts a valid frame, alone: until
// it does, the finer checks of a test (what it reads past the frame, why
// it refuses a frame) would only mislead. what names those checks.
func optAccepts(t *testing.T, what string) {
	t.Helper()
	want := rawOption(codec.GobType)
	frame := rawFrame(want)
	opt, read, err := optRead(t, frame)
	if err == nil && opt != nil && *opt == *want {
		return
	}
	valid := fmt.Sprintf("a valid frame (the 4 bytes % x, the length %d, big endian, then the JSON %s)",
		frame[:4], len(frame)-4, frame[4:])
	var syntax *json.SyntaxError
	if err != nil && (errors.As(err, &syntax) || strings.Contains(err.Error(), "invalid character")) {
		t.Fatalf("%s.\nReadOption of %s returned the error \"%v\": a JSON decoder read the length as JSON. %s "+
			"wait until a valid frame decodes (docs/minirpc.md, part A).", optFramingAdvice, valid, err, what)
	}
	got := "nil"
	if opt != nil {
		got = fmt.Sprintf("%+v", *opt)
	}
	cause := optFramingAdvice + "; then it checks the magic number and the codec type"
	if read == len(frame) {
		cause = "it read the whole frame and refused it, or returned something else: decode the JSON into an " +
			"Option, check its MagicNumber against MagicNumber and its CodecType against codec.NewCodecFuncMap, " +
			"and return a pointer to it"
	}
	t.Fatalf("ReadOption of %s returned %s, error %v, having read %d of its %d bytes.\nExpected: %+v and no error. "+
		"%s wait until a valid frame decodes.\nLikely cause: %s (docs/minirpc.md, part A).",
		valid, got, err, read, len(frame), *want, what, cause)
}

func TestOptionRoundTrip(t *testing.T) {
	for _, opt := range []*Option{
		{MagicNumber: MagicNumber, CodecType: codec.GobType, ConnectTimeout: 3 * time.Second, HandleTimeout: 250 * time.Millisecond},
		{MagicNumber: MagicNumber, CodecType: codec.JSONType},
	} {
		var w bytes.Buffer
		var err error
		try(t, "WriteOption", func() { err = WriteOption(&w, opt) })
		if err != nil {
			t.Fatalf("WriteOption(%+v) failed: %v (docs/minirpc.md, part A)", *opt, err)
		}
		frame := w.Bytes()
		if len(frame) < 4 {
			t.Fatalf("WriteOption(%+v) wrote %d bytes, %q; want a frame: 4 bytes of length, then the JSON (docs/minirpc.md, part A)",
				*opt, len(frame), frame)
		}
		if n := binary.BigEndian.Uint32(frame); int64(n) != int64(len(frame)-4) {
			t.Fatalf("WriteOption(%+v) wrote %d bytes whose first 4, read as a big-endian length, say %d bytes follow; "+
				"%d do.\nExpected: the length of the JSON in 4 bytes, big endian (binary.BigEndian.PutUint32), then "+
				"the JSON (docs/minirpc.md, part A).", *opt, len(frame), n, len(frame)-4)
		}
		var sent Option
		if err := json.Unmarshal(frame[4:], &sent); err != nil || sent != *opt {
			t.Fatalf("WriteOption(%+v) wrote a frame whose body, %q, decodes to %+v (error %v); want the Option as "+
				"JSON (json.Marshal) (docs/minirpc.md, part A).", *opt, frame[4:], sent, err)
		}
		got, _, err := optRead(t, frame)
		if err != nil || got == nil || *got != *opt {
			t.Fatalf("ReadOption of the frame WriteOption wrote for %+v returned %+v, error %v; want the same Option, no error (docs/minirpc.md, part A).",
				*opt, got, err)
		}
	}
}

// TestOptionFramed sends the Option and the first request in one Write, as
// a client does: ReadOption must read the frame and not a byte more, or the
// codec that reads next misses the start of the request.
func TestOptionFramed(t *testing.T) {
	optAccepts(t, "The checks of what it reads past the frame")
	for _, kind := range []struct {
		typ    codec.Type
		encode func(w io.Writer) func(any) error
		decode func(r io.Reader) func(any) error
	}{
		{codec.GobType, func(w io.Writer) func(any) error { return gob.NewEncoder(w).Encode },
			func(r io.Reader) func(any) error { return gob.NewDecoder(r).Decode }},
		{codec.JSONType, func(w io.Writer) func(any) error { return json.NewEncoder(w).Encode },
			func(r io.Reader) func(any) error { return json.NewDecoder(r).Decode }},
	} {
		opt := rawOption(kind.typ)
		frame := rawFrame(opt)
		var data bytes.Buffer
		data.Write(frame)
		enc := kind.encode(&data)
		want := codec.Header{ServiceMethod: "Arith.Sum", Seq: 1}
		enc(&want)
		enc(Args{A: 2, B: 3})

		r := &optReader{data: data.Bytes()}
		var got *Option
		var err error
		try(t, "ReadOption", func() { got, err = ReadOption(r) })
		if err != nil || got == nil || *got != *opt {
			t.Fatalf("ReadOption of a frame (4 bytes of length, then the JSON of %+v) followed by a %s request "+
				"returned %+v, error %v; want the Option, no error (docs/minirpc.md, part A).", *opt, kind.typ, got, err)
		}
		if r.read != len(frame) {
			t.Fatalf("the Option and the first request (%s) arrived in one piece, %d bytes, as they do when a "+
				"client sends them together. ReadOption read %d of them; the frame is %d bytes.\nExpected: "+
				"ReadOption reads exactly the frame, and leaves the request to the codec.\nLikely cause: a "+
				"json.Decoder (or a bufio.Reader) on the connection: it reads ahead into a buffer of its own, and "+
				"the bytes of the request it swallowed are lost to the codec. Read the 4 bytes of length, then "+
				"exactly that many bytes, with io.ReadFull (docs/minirpc.md, part A).",
				kind.typ, len(r.data), r.read, len(frame))
		}
		dec := kind.decode(r)
		var h codec.Header
		var args Args
		errH := dec(&h)
		errB := errH
		if errH == nil {
			errB = dec(&args)
		}
		if errH != nil || errB != nil || h != want || args != (Args{A: 2, B: 3}) {
			t.Fatalf("after ReadOption, the request that followed the Option in the same Write reads as header "+
				"%+v (error %v), body %+v (error %v); want %+v and {A:2 B:3}: ReadOption took bytes of the request "+
				"(docs/minirpc.md, part A).", h, errH, args, errB, want)
		}
	}
}

// TestOptionRefused gives ReadOption frames it must refuse, each with an
// error that says why: its own reason, and no other's. It checks first that
// a valid frame is accepted.
func TestOptionRefused(t *testing.T) {
	optAccepts(t, "The checks of the frames it must refuse")
	truncated := rawFrame(rawOption(codec.GobType))
	truncated = truncated[:len(truncated)-5]
	var (
		magic = optProblem{"the magic number", []string{"magic"}}
		kind  = optProblem{"the codec type", []string{"codec"}}
		short = optProblem{"a frame that ended early", []string{"EOF", "truncated", "short"}}
	)
	for _, c := range []struct {
		name   string
		data   []byte
		words  []string     // the error mentions one of them
		what   string       // what the error must say
		others []optProblem // problems the error must not speak of
	}{
		{"a wrong magic number", rawFrame(&Option{MagicNumber: 0x1234, CodecType: codec.GobType}),
			magic.words, "that the magic number is wrong", []optProblem{kind, short}},
		{"no magic number", rawFrame(map[string]any{"CodecType": codec.GobType}),
			magic.words, "that the magic number is wrong", []optProblem{kind, short}},
		{"an unknown codec", rawFrame(&Option{MagicNumber: MagicNumber, CodecType: "application/protobuf"}),
			[]string{"codec", "application/protobuf"}, "that the codec type is unknown", []optProblem{magic, short}},
		{"a frame cut short", truncated,
			short.words, "that the frame ended early (io.ReadFull's io.ErrUnexpectedEOF)", []optProblem{magic, kind}},
		{"a length cut short", []byte{0, 0}, short.words, "that the frame ended early", []optProblem{magic, kind}},
		{"a frame that is not JSON", append(binary.BigEndian.AppendUint32(nil, 9), "not json!"...),
			nil, "that the frame is not JSON", []optProblem{magic, kind}},
	} {
		opt, _, err := optRead(t, c.data)
		if err == nil {
			t.Fatalf("ReadOption of %s (%q) returned %+v and no error.\nExpected: an error that says %s: the "+
				"server logs it and closes the connection (docs/minirpc.md, part A).", c.name, c.data, opt, c.what)
		}
		if c.words != nil && !optMentions(err.Error(), c.words) {
			t.Fatalf("ReadOption of %s returned the error %q.\nExpected: an error that says %s (mentioning %s), for "+
				"the server's log (docs/minirpc.md, part A).", c.name, err, c.what, strings.Join(optQuote(c.words), " or "))
		}
		for _, o := range c.others {
			if optMentions(optFieldsOut(err.Error()), o.words) {
				t.Fatalf("ReadOption of %s returned the error %q, which speaks of %s (it mentions %s).\nExpected: an "+
					"error that says %s, and nothing of another problem: each refusal names its own, so that the "+
					"server's log says which it was.\nLikely cause: two checks share one error, or the error of one "+
					"step is dropped and a later check fails on what is left (a zero Option) (docs/minirpc.md, part A).",
					c.name, err, o.name, strings.Join(optQuote(o.words), " or "), c.what)
			}
		}
	}
}

// optProblem is one reason to refuse a frame, and the words an error that
// gives it uses.
type optProblem struct {
	name  string
	words []string
}

// optFieldsOut removes the Option's field names from an error, which may
// print the Option it refuses (%+v, or its JSON): a wrong magic number's
// error that shows "CodecType:application/gob" does not speak of the codec.
func optFieldsOut(s string) string {
	return strings.NewReplacer("MagicNumber", "", "CodecType", "").Replace(s)
}

// TestOptionTooLong gives ReadOption a frame whose length is one byte more
// than MaxOptionSize: it must refuse it having read the length and nothing
// more. A server that reads whatever length it is sent allocates what the
// peer asks for.
func TestOptionTooLong(t *testing.T) {
	optAccepts(t, "The checks of the length limit")
	padded := func(n int) []byte {
		body, _ := json.Marshal(rawOption(codec.GobType))
		body = append(body, bytes.Repeat([]byte{' '}, n-len(body))...)
		return append(binary.BigEndian.AppendUint32(nil, uint32(n)), body...)
	}
	opt, read, err := optRead(t, padded(MaxOptionSize+1))
	if err == nil {
		t.Fatalf("ReadOption of a frame of %d bytes, one more than MaxOptionSize, returned %+v and no error.\n"+
			"Expected: an error: a length above MaxOptionSize is garbage or an attack, and reading it would make "+
			"the server allocate whatever a peer asks for. Check the length before you allocate (docs/minirpc.md, part A).",
			MaxOptionSize+1, opt)
	}
	if read > 4 {
		t.Fatalf("ReadOption refused a frame of length %d (%v), but only after reading %d bytes of it.\nExpected: "+
			"it reads the 4 bytes of the length, sees that it is above MaxOptionSize, and stops there "+
			"(docs/minirpc.md, part A).", MaxOptionSize+1, err, read)
	}
	if words := []string{fmt.Sprint(MaxOptionSize + 1), fmt.Sprint(MaxOptionSize), "MaxOptionSize", "length", "size",
		"large", "long", "big"}; !optMentions(err.Error(), words) {
		t.Fatalf("ReadOption refused a frame of length %d with the error %q.\nExpected: an error that says the "+
			"length is too large, for the server's log (docs/minirpc.md, part A).", MaxOptionSize+1, err)
	}
	if words := []string{"magic", "codec"}; optMentions(optFieldsOut(err.Error()), words) {
		t.Fatalf("ReadOption refused a frame of length %d with the error %q, which speaks of the magic number or "+
			"the codec.\nExpected: an error that says the length is too large, and nothing of another problem: it "+
			"reads the length, and stops there.\nLikely cause: two checks share one error (docs/minirpc.md, part A).",
			MaxOptionSize+1, err)
	}
	if opt, _, err := optRead(t, padded(MaxOptionSize)); err != nil || opt == nil || !reflect.DeepEqual(*opt, *rawOption(codec.GobType)) {
		t.Fatalf("ReadOption of a frame of exactly MaxOptionSize (%d) bytes returned %+v, error %v.\nExpected: the "+
			"Option: MaxOptionSize is the largest Option a server reads, not the first it refuses (docs/minirpc.md, part A).",
			MaxOptionSize, opt, err)
	}
}

// optMentions reports whether s contains one of words, case aside.
func optMentions(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(strings.ToLower(s), strings.ToLower(w)) {
			return true
		}
	}
	return false
}

func optQuote(words []string) []string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = fmt.Sprintf("%q", w)
	}
	return q
}
