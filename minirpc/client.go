//go:build !solution

package minirpc

import (
	"context"
	"net"
	"sync"

	"golabs/minirpc/codec"
)

// Call is one call: what was asked, and, once Done delivers it, how it
// ended (handout part C).
type Call struct {
	Seq           uint64
	ServiceMethod string     // "Service.Method"
	Args          any        // the arguments
	Reply         any        // a pointer: where the reply goes
	Error         error      // set when the call ends, if it failed
	Done          chan *Call // receives the call when it ends
}

// Client is a connection to a server, shared by any number of goroutines
// (handout part C). Keep mu and pending: the tests of part D read how many
// calls are pending.
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

// NewClient opens a client on conn: it checks the codec type, sends the
// Option (WriteOption), and starts the goroutine that receives replies.
//
// The receive loop reads a header, takes the call it answers out of
// pending, and reads the body into the call's Reply, or past it
// (ReadBody(nil)) if no call is waiting for it (it was cancelled), or if
// the header carries an error (then that is the call's Error). Then it
// ends the call: a send on call.Done that never blocks (select with a
// default), since a Done channel that its caller does not drain must not
// stop the replies of every other call. When a read fails, the connection
// is gone: end every pending call with the error (terminateCalls), or
// their callers wait forever.
func NewClient(conn net.Conn, opt *Option) (*Client, error) {
	panic("minirpc: NewClient is not implemented yet: write it in minirpc/client.go (docs/minirpc.md, part C)")
}

// Dial connects to a server at address and sends opts[0], or DefaultOption
// (parseOptions). Part D: the connection and the handshake together must
// not take longer than Option.ConnectTimeout (0: no limit); fail with
// "rpc client: connect timeout: expect within <timeout>", and leave no
// goroutine behind.
//
// DialHTTP (part E) needs the same time-out around another handshake:
// write it once, as the notes do, in a helper that takes the handshake as
// a function,
//
//	type newClientFunc func(conn net.Conn, opt *Option) (*Client, error)
//	func dialTimeout(f newClientFunc, network, address string, opts ...*Option) (*Client, error)
//
// which dials with a deadline (net.Dialer), runs f(conn, opt) in a
// goroutine that sends its result on a channel, and selects on that
// channel and a timer for what is left of the time-out. On a time-out,
// close the connection (that ends f), and make sure the goroutine can
// still send its result: nobody will ever receive it.
func Dial(network, address string, opts ...*Option) (*Client, error) {
	panic("minirpc: Dial is not implemented yet: write it in minirpc/client.go (docs/minirpc.md, part C)")
}

// Go starts a call and returns at once; done receives the call when it
// ends. With done nil, make one with room for 10 calls; an unbuffered done
// is a mistake of the caller's: panic, saying so ("rpc client: done
// channel is unbuffered").
//
// Sending: under the sending lock, give the call the next sequence number
// and put it in pending (under mu), unless the client is closed or broken
// (then the call ends at once with ErrShutdown); then write the header and
// the arguments. If the write fails, take the call back out of pending and
// end it with the error.
func (c *Client) Go(serviceMethod string, args, reply any, done chan *Call) *Call {
	panic("minirpc: Client.Go is not implemented yet: write it in minirpc/client.go (docs/minirpc.md, part C)")
}

// Call makes a call and waits for it to end.
//
// Part D: or for ctx to be done; then the call leaves pending (its reply,
// if it comes, is read past) and Call returns an error that wraps
// ctx.Err(): "rpc client: call failed: context deadline exceeded". If the
// call is no longer pending when ctx is done, its reply is being read into
// reply right now: wait for it, and return how the call ended.
func (c *Client) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	panic("minirpc: Client.Call is not implemented yet: write it in minirpc/client.go (docs/minirpc.md, part C)")
}

// Close closes the connection; the calls still pending end with an error,
// and later calls with ErrShutdown. Closing again returns ErrShutdown.
func (c *Client) Close() error {
	panic("minirpc: Client.Close is not implemented yet: write it in minirpc/client.go (docs/minirpc.md, part C)")
}

// IsAvailable reports whether the client can still make calls: it was not
// closed and its connection has not broken.
func (c *Client) IsAvailable() bool {
	panic("minirpc: Client.IsAvailable is not implemented yet: write it in minirpc/client.go (docs/minirpc.md, part C)")
}
