//go:build solution

package minirpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"golabs/minirpc/codec"
)

// Call is one call: what was asked, and, once Done delivers it, how it
// ended.
type Call struct {
	Seq           uint64
	ServiceMethod string     // "Service.Method"
	Args          any        // the arguments
	Reply         any        // a pointer: where the reply goes
	Error         error      // set when the call ends, if it failed
	Done          chan *Call // receives the call when it ends
}

// done delivers the call on Done, without ever blocking: the receive loop
// calls it, and a Done channel that the caller does not drain must not
// stop the replies of every other call. Done is buffered (Go checks it),
// so only a caller that reuses one channel for more calls than it holds
// loses a notice.
func (call *Call) done() {
	select {
	case call.Done <- call:
	default:
		log.Printf("rpc client: discarding the end of call %s (seq %d): its Done channel is full", call.ServiceMethod, call.Seq)
	}
}

// Client is a connection to a server, shared by any number of goroutines.
type Client struct {
	cc       codec.Codec
	opt      *Option
	sending  sync.Mutex   // held while a request is written
	header   codec.Header // the request header, reused under sending
	mu       sync.Mutex   // guards the fields below
	seq      uint64
	pending  map[uint64]*Call // calls sent whose reply has not come
	closing  bool             // Close was called
	shutdown bool             // the connection broke
}

var _ io.Closer = (*Client)(nil)

// Close closes the connection; the calls still pending end with an error.
// Closing again returns ErrShutdown.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return ErrShutdown
	}
	c.closing = true
	return c.cc.Close()
}

// IsAvailable reports whether the client can still make calls.
func (c *Client) IsAvailable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.shutdown && !c.closing
}

// registerCall gives call the next sequence number and adds it to the
// pending calls, unless the client is closed.
func (c *Client) registerCall(call *Call) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing || c.shutdown {
		return 0, ErrShutdown
	}
	call.Seq = c.seq
	c.pending[call.Seq] = call
	c.seq++
	return call.Seq, nil
}

// removeCall takes the call seq out of the pending calls and returns it, or
// nil if it is not there (its reply came, or it was cancelled).
func (c *Client) removeCall(seq uint64) *Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	call := c.pending[seq]
	delete(c.pending, seq)
	return call
}

// terminateCalls ends every pending call with err: the connection is gone,
// and no reply will come.
func (c *Client) terminateCalls(err error) {
	c.sending.Lock()
	defer c.sending.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shutdown = true
	for seq, call := range c.pending {
		call.Error = err
		call.done()
		delete(c.pending, seq)
	}
}

// receive reads replies until the connection breaks, and hands each to the
// call it answers.
func (c *Client) receive() {
	var err error
	for err == nil {
		var h codec.Header
		if err = c.cc.ReadHeader(&h); err != nil {
			break
		}
		call := c.removeCall(h.Seq)
		switch {
		case call == nil:
			// Cancelled, or its write failed: read past the reply.
			err = c.cc.ReadBody(nil)
		case h.Error != "":
			call.Error = errors.New(h.Error)
			err = c.cc.ReadBody(nil)
			call.done()
		default:
			err = c.cc.ReadBody(call.Reply)
			if err != nil {
				call.Error = fmt.Errorf("rpc client: reading the reply: %w", err)
			}
			call.done()
		}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		err = ErrShutdown
	}
	c.terminateCalls(err)
}

// NewClient opens a client on conn: it sends the Option, then starts
// receiving replies.
func NewClient(conn net.Conn, opt *Option) (*Client, error) {
	if codec.NewCodecFuncMap[opt.CodecType] == nil {
		conn.Close()
		return nil, fmt.Errorf("rpc client: invalid codec type %q", opt.CodecType)
	}
	if err := WriteOption(conn, opt); err != nil {
		conn.Close()
		return nil, fmt.Errorf("rpc client: sending the option: %w", err)
	}
	return newClientCodec(codec.NewCodecFuncMap[opt.CodecType](conn), opt), nil
}

func newClientCodec(cc codec.Codec, opt *Option) *Client {
	c := &Client{
		cc:      cc,
		opt:     opt,
		seq:     1,
		pending: make(map[uint64]*Call),
	}
	go c.receive()
	return c
}

// send writes call's request, or ends the call with the error that stops
// it.
func (c *Client) send(call *Call) {
	c.sending.Lock()
	defer c.sending.Unlock()
	seq, err := c.registerCall(call)
	if err != nil {
		call.Error = err
		call.done()
		return
	}
	c.header.ServiceMethod = call.ServiceMethod
	c.header.Seq = seq
	c.header.Error = ""
	if err := c.cc.Write(&c.header, call.Args); err != nil {
		if call := c.removeCall(seq); call != nil {
			call.Error = err
			call.done()
		}
	}
}

// Go starts a call and returns at once; done (if not nil, it must be
// buffered) receives the call when it ends.
func (c *Client) Go(serviceMethod string, args, reply any, done chan *Call) *Call {
	if done == nil {
		done = make(chan *Call, 10)
	} else if cap(done) == 0 {
		log.Panic("rpc client: done channel is unbuffered")
	}
	call := &Call{ServiceMethod: serviceMethod, Args: args, Reply: reply, Done: done}
	c.send(call)
	return call
}

// Call makes a call and waits for it to end or for ctx to be done. A call
// given up leaves the pending calls: its reply, if it comes, is read past.
func (c *Client) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	call := c.Go(serviceMethod, args, reply, make(chan *Call, 1))
	select {
	case <-call.Done:
		return call.Error
	case <-ctx.Done():
		if c.removeCall(call.Seq) == nil {
			// The reply is being read into reply right now (or the
			// call failed): take the end of the call, once. Returning
			// now would leave the receive loop writing into reply
			// after Call returned. The wait is as long as the rest of
			// one message takes to arrive.
			<-call.Done
			return call.Error
		}
		return fmt.Errorf("rpc client: call failed: %w", ctx.Err())
	}
}

// clientResult is what a dial's handshake ends with.
type clientResult struct {
	client *Client
	err    error
}

type newClientFunc func(conn net.Conn, opt *Option) (*Client, error)

// dialTimeout connects and runs the handshake f, the two together within
// opt.ConnectTimeout (0: no limit). On a time-out it closes the
// connection, which ends the handshake, and its goroutine can always
// deliver its result: the channel has room for it.
func dialTimeout(f newClientFunc, network, address string, opts ...*Option) (*Client, error) {
	opt, err := parseOptions(opts...)
	if err != nil {
		return nil, err
	}
	var deadline time.Time // the zero time: no deadline
	if opt.ConnectTimeout > 0 {
		deadline = time.Now().Add(opt.ConnectTimeout)
	}
	conn, err := (&net.Dialer{Deadline: deadline}).Dial(network, address)
	if err != nil {
		return nil, err
	}
	ch := make(chan clientResult, 1)
	go func() {
		client, err := f(conn, opt)
		ch <- clientResult{client, err}
	}()
	if opt.ConnectTimeout == 0 {
		r := <-ch
		return r.client, r.err
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.client, r.err
	case <-timer.C:
		conn.Close()
		return nil, fmt.Errorf("rpc client: connect timeout: expect within %s", opt.ConnectTimeout)
	}
}

// Dial connects to a server at address and sends opts[0] (or
// DefaultOption).
func Dial(network, address string, opts ...*Option) (*Client, error) {
	return dialTimeout(NewClient, network, address, opts...)
}
