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
// call and a connection left behind each time. Keep mu and clients: the
// tests read them.
type XClient struct {
	d       Discovery
	mode    SelectMode
	opt     *minirpc.Option
	mu      sync.Mutex                 // guards clients
	clients map[string]*minirpc.Client // rpcAddr -> its client
}

// NewXClient returns an XClient that picks servers from d by mode and
// dials them with opt (nil: minirpc.DefaultOption).
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
// Get the server's client from clients, under mu. If there is none, dial
// one (minirpc.XDial(rpcAddr, opt)) and keep it. If there is one but it is
// no longer available (IsAvailable: its connection broke), close it, drop
// it and dial again. Hold mu from the look-up to the store: two calls that
// both find no client and both dial leave one of the two connections
// behind, open for good.
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
