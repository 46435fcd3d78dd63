//go:build !solution

package xclient

import (
	"context"
	"sync"

	"golabs/minirpc"
)

// XClient calls one service on any of several servers: Call picks one
// through a Discovery, Broadcast calls them all (handout part F). It is
// safe for concurrent use.
//
// It keeps one minirpc.Client per server in clients, keyed by the
// server's address, and reuses it: a minirpc.Client carries any number of
// calls at once, so a connection per call would only cost a handshake per
// call and a connection left behind each time. dials holds the dials in
// flight (see Call). Keep mu, clients and dials: the tests read mu and
// clients.
type XClient struct {
	d       Discovery
	mode    SelectMode
	opt     *minirpc.Option
	mu      sync.Mutex                 // guards clients and dials
	clients map[string]*minirpc.Client // rpcAddr -> its client
	dials   map[string]*dialCall       // rpcAddr -> the dial to it in flight
}

// dialCall is a dial in flight. The call that dials sets client and err,
// then closes done; the calls that want the same server meanwhile wait for
// done, then read client and err (closing done is what makes them safe to
// read without the lock).
type dialCall struct {
	done   chan struct{}
	client *minirpc.Client
	err    error
}

// NewXClient returns an XClient that picks servers from d by mode and
// dials them with opt (nil: minirpc.DefaultOption). Make both maps.
func NewXClient(d Discovery, mode SelectMode, opt *minirpc.Option) *XClient {
	panic("xclient: NewXClient is not implemented yet: write it in minirpc/xclient/xclient.go (docs/minirpc.md, part F)")
}

// Close closes the client of every server and forgets them. (A client
// whose connection broke answers Close with ErrShutdown: that is no error
// of the XClient's.)
func (xc *XClient) Close() error {
	panic("xclient: XClient.Close is not implemented yet: write it in minirpc/xclient/xclient.go (docs/minirpc.md, part F)")
}

// Call calls serviceMethod on one server, picked by d.Get(mode).
//
// Find the server's client under mu, but never dial under it. The
// lecture's rule: hold a lock only around the memory it guards (here the
// two maps), never across I/O. A dial can take the whole ConnectTimeout
// (10 s by default) against a server that does not answer, and while it
// holds mu, every call to every other server waits for it.
//
//   - Under mu: if clients has an available client (IsAvailable), use it.
//     If it has one that is no longer available (its connection broke),
//     close it and drop it.
//   - Still under mu: if dials has a dial in flight to this server, release
//     mu and wait for its done channel: its client, or its error, is
//     yours. Two calls that both dial a new server leave one of the two
//     connections behind, open for good.
//   - Otherwise record a dialCall of your own in dials, release mu, and
//     dial (minirpc.XDial(rpcAddr, opt)). Then, under mu again, keep the
//     client in clients if the dial succeeded, delete the dialCall from
//     dials whatever the result (a failed dial left there would answer
//     every later call with its old error), and close done.
//
// End the dial in a method of its own. labvet's checkthenact follows a
// lock within one function only, and reports a map checked in one critical
// section and written in a later one: here that is safe, since the
// dialCall in dials keeps every other call from dialling meanwhile.
func (xc *XClient) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	panic("xclient: XClient.Call is not implemented yet: write it in minirpc/xclient/xclient.go (docs/minirpc.md, part F)")
}

// Broadcast calls serviceMethod on every server of d.GetAll() at once, one
// goroutine per server, through the same cached clients as Call. On an
// empty list it returns ErrNoServers.
//
//   - Each call decodes into a reply of its own,
//     reflect.New(reflect.TypeOf(reply).Elem()).Interface(): the calls run
//     at once, and the reply of each is written by its client's receive
//     goroutine, so a shared reply would be written by several goroutines
//     at once.
//   - The first error is the result: cancel the context the calls were
//     given (context.WithCancel), so that the calls still running give up
//     at once instead of waiting for slow servers, and return that error
//     (not the "context canceled" errors it causes).
//   - If every call succeeds, copy the reply of the first to arrive into
//     reply, once, under a mutex, and return nil. reply may be nil: the
//     replies are then dropped.
//   - Return only when every goroutine has ended (a sync.WaitGroup).
func (xc *XClient) Broadcast(ctx context.Context, serviceMethod string, args, reply any) error {
	panic("xclient: XClient.Broadcast is not implemented yet: write it in minirpc/xclient/xclient.go (docs/minirpc.md, part F)")
}
