// Package codec is the wire format of minirpc (Lab 4, part A): how a request
// or a reply, a Header followed by a body, is written to a connection and
// read back.
//
// A connection carries a stream of messages, each a Header and then a body,
// in both directions. A Codec reads and writes that stream in one encoding:
// GobType (encoding/gob, one gob stream per direction, as net/rpc does) or
// JSONType (encoding/json, one JSON value per header or body, each on a line
// of its own). Client and server agree on the encoding in the Option that
// opens the connection (package minirpc), then each wraps the connection in
// the Codec that NewCodecFuncMap gives for it.
//
// This file is provided: gob.go and json.go are yours.
package codec

import "io"

// Header is what precedes every body on the wire: the method called, the
// call's sequence number (the client chooses it; the reply carries it back,
// so the client can tell which call a reply answers), and, in a reply, the
// error the call failed with ("" if it did not).
type Header struct {
	ServiceMethod string // "Service.Method"
	Seq           uint64 // chosen by the client, echoed in the reply
	Error         string // set by the server when the call failed
}

// Codec reads and writes the messages of one connection.
//
// The reads (ReadHeader, then ReadBody) are made by one goroutine, the
// connection's reader. Write is called by many goroutines, but never by two
// at once: the caller holds a lock around it (the "sending" lock of the
// client and of the server), because two messages written at once would
// interleave on the wire.
type Codec interface {
	io.Closer
	// ReadHeader reads the next message's header into h.
	ReadHeader(h *Header) error
	// ReadBody reads the body that follows the header just read into body,
	// a pointer. With body nil, it reads the body and throws it away: the
	// stream must still move past it, or the next ReadHeader would read
	// the body as a header.
	ReadBody(body any) error
	// Write writes a header and then its body, and only returns once both
	// have reached the connection (a buffered writer must be flushed).
	Write(h *Header, body any) error
}

// Type names an encoding; it travels in the Option.
type Type string

// The encodings a codec exists for.
const (
	GobType  Type = "application/gob"
	JSONType Type = "application/json"
)

// NewCodecFunc makes the Codec of an encoding over a connection.
type NewCodecFunc func(conn io.ReadWriteCloser) Codec

// NewCodecFuncMap gives the constructor of each encoding's Codec. It is not
// to be changed after the program starts.
var NewCodecFuncMap = map[Type]NewCodecFunc{
	GobType:  NewGobCodec,
	JSONType: NewJSONCodec,
}
