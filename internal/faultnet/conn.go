package faultnet

import (
	"bufio"
	"encoding/gob"
	"net"
	"net/rpc"
	"sync"
)

// dial connects to the server at addr and returns an rpc.Client on the
// connection, registered so that Close can wait for its reader.
func (n *Network) dial(addr string) (*rpc.Client, error) {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, err
	}
	cc := &countingConn{Conn: conn, stats: &n.stats}
	buf := bufio.NewWriter(cc)
	codec := &clientCodec{conn: cc, dec: gob.NewDecoder(cc), enc: gob.NewEncoder(buf), buf: buf, done: make(chan struct{})}
	codec.forget = func() {
		n.connMu.Lock()
		delete(n.conns, codec)
		n.connMu.Unlock()
	}
	n.connMu.Lock()
	n.conns[codec] = struct{}{}
	n.connMu.Unlock()
	return rpc.NewClientWithCodec(codec), nil
}

// countingConn is a TCP connection that counts its bytes.
type countingConn struct {
	net.Conn
	stats *counters
}

func (c *countingConn) Read(p []byte) (int, error) {
	k, err := c.Conn.Read(p)
	c.stats.bytesReceived.Add(int64(k))
	return k, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	k, err := c.Conn.Write(p)
	c.stats.bytesSent.Add(int64(k))
	return k, err
}

// clientCodec is net/rpc's gob codec for a client, which also tells when
// the rpc.Client's reading goroutine ends: it ends when, and only when, a
// read fails (the connection closed or the reply did not decode).
type clientCodec struct {
	conn   *countingConn
	dec    *gob.Decoder
	enc    *gob.Encoder
	buf    *bufio.Writer
	once   sync.Once
	done   chan struct{} // closed when a read has failed
	forget func()        // unregisters the codec from its Network
}

func (c *clientCodec) WriteRequest(r *rpc.Request, body any) error {
	if err := c.enc.Encode(r); err != nil {
		return err
	}
	if err := c.enc.Encode(body); err != nil {
		return err
	}
	return c.buf.Flush()
}

func (c *clientCodec) ReadResponseHeader(r *rpc.Response) error {
	return c.read(c.dec.Decode(r))
}

func (c *clientCodec) ReadResponseBody(body any) error {
	return c.read(c.dec.Decode(body))
}

func (c *clientCodec) read(err error) error {
	if err != nil {
		c.once.Do(func() {
			c.forget()
			close(c.done)
		})
	}
	return err
}

func (c *clientCodec) Close() error { return c.conn.Close() }
