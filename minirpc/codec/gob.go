//go:build !solution

package codec

import "io"

// GobCodec is the Codec of GobType: one gob stream in each direction, a
// Header value and then a body value per message (handout part A).
//
// Keep a gob.Decoder reading from the connection, and a gob.Encoder writing
// to a bufio.Writer over it: a gob encoder makes several small writes per
// value, and a buffer turns them into one system call per message, if Write
// flushes it once both values are in.
type GobCodec struct {
}

// NewGobCodec returns a GobCodec over conn.
func NewGobCodec(conn io.ReadWriteCloser) Codec {
	panic("codec: NewGobCodec is not implemented yet: write it in minirpc/codec/gob.go (docs/minirpc.md, part A)")
}

// ReadHeader decodes the next value of the stream into h.
func (c *GobCodec) ReadHeader(h *Header) error {
	panic("codec: GobCodec.ReadHeader is not implemented yet: write it in minirpc/codec/gob.go (docs/minirpc.md, part A)")
}

// ReadBody decodes the next value into body; with body nil, it reads the
// value and discards it (gob's Decode(nil) does exactly that).
func (c *GobCodec) ReadBody(body any) error {
	panic("codec: GobCodec.ReadBody is not implemented yet: write it in minirpc/codec/gob.go (docs/minirpc.md, part A)")
}

// Write encodes h and then body, and flushes the buffer: until it is
// flushed, nothing has been sent. If anything fails, close the connection:
// the peer may have received half a message, and the stream cannot recover.
func (c *GobCodec) Write(h *Header, body any) error {
	panic("codec: GobCodec.Write is not implemented yet: write it in minirpc/codec/gob.go (docs/minirpc.md, part A)")
}

// Close closes the connection.
func (c *GobCodec) Close() error {
	panic("codec: GobCodec.Close is not implemented yet: write it in minirpc/codec/gob.go (docs/minirpc.md, part A)")
}
