//go:build solution

package codec

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// JSONCodec is the Codec of JSONType: a Header and then a body per message,
// each one JSON value on a line of its own.
type JSONCodec struct {
	conn io.ReadWriteCloser
	buf  *bufio.Writer
	dec  *json.Decoder
	enc  *json.Encoder
}

// NewJSONCodec returns a JSONCodec over conn.
func NewJSONCodec(conn io.ReadWriteCloser) Codec {
	buf := bufio.NewWriter(conn)
	return &JSONCodec{
		conn: conn,
		buf:  buf,
		dec:  json.NewDecoder(conn),
		enc:  json.NewEncoder(buf),
	}
}

// ReadHeader decodes the next JSON value into h.
func (c *JSONCodec) ReadHeader(h *Header) error { return c.dec.Decode(h) }

// ReadBody decodes the next JSON value into body, or skips it if body is
// nil: json's Decode(nil) would fail with "json: Unmarshal(nil)".
func (c *JSONCodec) ReadBody(body any) error {
	if body == nil {
		var skip json.RawMessage
		return c.dec.Decode(&skip)
	}
	return c.dec.Decode(body)
}

// Write encodes h and body and flushes them to the connection. A failure
// closes the connection: the peer may hold half a message.
func (c *JSONCodec) Write(h *Header, body any) (err error) {
	defer func() {
		if err != nil {
			c.conn.Close()
		}
	}()
	if err := c.enc.Encode(h); err != nil {
		return fmt.Errorf("codec: json: encoding the header: %w", err)
	}
	if err := c.enc.Encode(body); err != nil {
		return fmt.Errorf("codec: json: encoding the body: %w", err)
	}
	return c.buf.Flush()
}

// Close closes the connection.
func (c *JSONCodec) Close() error { return c.conn.Close() }
