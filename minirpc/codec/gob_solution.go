//go:build solution

package codec

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
)

// GobCodec is the Codec of GobType: one gob stream in each direction, a
// Header value and then a body value per message.
type GobCodec struct {
	conn io.ReadWriteCloser
	buf  *bufio.Writer // gob makes several writes per value: one flush per message
	dec  *gob.Decoder
	enc  *gob.Encoder
}

// NewGobCodec returns a GobCodec over conn.
func NewGobCodec(conn io.ReadWriteCloser) Codec {
	buf := bufio.NewWriter(conn)
	return &GobCodec{
		conn: conn,
		buf:  buf,
		dec:  gob.NewDecoder(conn),
		enc:  gob.NewEncoder(buf),
	}
}

// ReadHeader decodes the next value of the stream into h.
func (c *GobCodec) ReadHeader(h *Header) error { return c.dec.Decode(h) }

// ReadBody decodes the next value into body; gob discards it if body is nil.
func (c *GobCodec) ReadBody(body any) error { return c.dec.Decode(body) }

// Write encodes h and body and flushes them to the connection. A failure
// closes the connection: the peer may hold half a message.
func (c *GobCodec) Write(h *Header, body any) (err error) {
	defer func() {
		if err != nil {
			c.conn.Close()
		}
	}()
	if err := c.enc.Encode(h); err != nil {
		return fmt.Errorf("codec: gob: encoding the header: %w", err)
	}
	if err := c.enc.Encode(body); err != nil {
		return fmt.Errorf("codec: gob: encoding the body: %w", err)
	}
	return c.buf.Flush()
}

// Close closes the connection.
func (c *GobCodec) Close() error { return c.conn.Close() }
