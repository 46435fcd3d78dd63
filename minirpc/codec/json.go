//go:build !solution

package codec

import "io"

// JSONCodec is the Codec of JSONType: a Header and then a body per message,
// each one JSON value (handout part A).
//
// Keep a json.Decoder reading from the connection, and a json.Encoder
// writing to a bufio.Writer over it, flushed once per message.
type JSONCodec struct {
}

// NewJSONCodec returns a JSONCodec over conn.
func NewJSONCodec(conn io.ReadWriteCloser) Codec {
	panic("codec: NewJSONCodec is not implemented yet: write it in minirpc/codec/json.go (docs/minirpc.md, part A)")
}

// ReadHeader decodes the next JSON value into h.
func (c *JSONCodec) ReadHeader(h *Header) error {
	panic("codec: JSONCodec.ReadHeader is not implemented yet: write it in minirpc/codec/json.go (docs/minirpc.md, part A)")
}

// ReadBody decodes the next JSON value into body. With body nil it must
// still read the value and throw it away, without an error: unlike gob's,
// json's Decode(nil) fails ("json: Unmarshal(nil)"), so decode into a
// json.RawMessage instead.
func (c *JSONCodec) ReadBody(body any) error {
	panic("codec: JSONCodec.ReadBody is not implemented yet: write it in minirpc/codec/json.go (docs/minirpc.md, part A)")
}

// Write encodes h and then body, and flushes the buffer. If anything fails,
// close the connection.
func (c *JSONCodec) Write(h *Header, body any) error {
	panic("codec: JSONCodec.Write is not implemented yet: write it in minirpc/codec/json.go (docs/minirpc.md, part A)")
}

// Close closes the connection.
func (c *JSONCodec) Close() error {
	panic("codec: JSONCodec.Close is not implemented yet: write it in minirpc/codec/json.go (docs/minirpc.md, part A)")
}
