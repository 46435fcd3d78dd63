//go:build solution

package xclient

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"sync"

	"golabs/minirpc"
)

// XClient calls one service on any of several servers: Call picks one
// through a Discovery, Broadcast calls them all. It keeps one
// minirpc.Client per server and reuses it, since a minirpc.Client carries
// any number of calls at once. It is safe for concurrent use.
type XClient struct {
	d       Discovery
	mode    SelectMode
	opt     *minirpc.Option
	mu      sync.Mutex                 // guards clients and dials
	clients map[string]*minirpc.Client // rpcAddr -> its client
	dials   map[string]*dialCall       // rpcAddr -> the dial to it in flight
}

// dialCall is a dial in flight. The calls that want its server while it
// runs wait for done; once done is closed, client and err are its result,
// and no longer change.
type dialCall struct {
	done   chan struct{}
	client *minirpc.Client
	err    error
}

var _ io.Closer = (*XClient)(nil)

// NewXClient returns an XClient that picks servers from d by mode and
// dials them with opt (nil: minirpc.DefaultOption).
func NewXClient(d Discovery, mode SelectMode, opt *minirpc.Option) *XClient {
	return &XClient{
		d:       d,
		mode:    mode,
		opt:     opt,
		clients: make(map[string]*minirpc.Client),
		dials:   make(map[string]*dialCall),
	}
}

// Close closes the clients of every server and forgets them.
func (xc *XClient) Close() error {
	xc.mu.Lock()
	defer xc.mu.Unlock()
	for addr, c := range xc.clients {
		// A client that broke on its own says ErrShutdown: nothing to
		// report.
		_ = c.Close()
		delete(xc.clients, addr)
	}
	return nil
}

// dial returns the client of rpcAddr: the cached one if it is still
// available, else a new one. The lock guards the maps only, never a dial:
// a dial can take up to the connect time-out, and every call through the
// XClient, to any server, wants the lock. Two calls to a new server still
// dial it once between them: the first records its dial in dials, and the
// others wait for it to end.
func (xc *XClient) dial(rpcAddr string) (*minirpc.Client, error) {
	xc.mu.Lock()
	c, ok := xc.clients[rpcAddr]
	if ok && c.IsAvailable() {
		xc.mu.Unlock()
		return c, nil
	}
	if ok {
		// Its connection broke: close it (it may say ErrShutdown) and
		// dial again.
		_ = c.Close()
		delete(xc.clients, rpcAddr)
	}
	if dc, ok := xc.dials[rpcAddr]; ok {
		xc.mu.Unlock()
		<-dc.done
		return dc.client, dc.err
	}
	dc := &dialCall{done: make(chan struct{})}
	xc.dials[rpcAddr] = dc
	xc.mu.Unlock()

	dc.client, dc.err = minirpc.XDial(rpcAddr, xc.opt)
	xc.endDial(rpcAddr, dc)
	return dc.client, dc.err
}

// endDial ends dc, the dial of rpcAddr: it keeps the client if the dial
// succeeded, forgets the dial (a failed one is tried again by the next
// call), and wakes the calls that wait for it.
func (xc *XClient) endDial(rpcAddr string, dc *dialCall) {
	xc.mu.Lock()
	defer xc.mu.Unlock()
	if dc.err == nil {
		xc.clients[rpcAddr] = dc.client
	}
	delete(xc.dials, rpcAddr)
	close(dc.done)
}

// call makes one call on the server at rpcAddr.
func (xc *XClient) call(ctx context.Context, rpcAddr, serviceMethod string, args, reply any) error {
	c, err := xc.dial(rpcAddr)
	if err != nil {
		return err
	}
	return c.Call(ctx, serviceMethod, args, reply)
}

// Call calls serviceMethod on one server, picked by the Discovery.
func (xc *XClient) Call(ctx context.Context, serviceMethod string, args, reply any) error {
	rpcAddr, err := xc.d.Get(xc.mode)
	if err != nil {
		return err
	}
	return xc.call(ctx, rpcAddr, serviceMethod, args, reply)
}

// Broadcast calls serviceMethod on every server at once. The first error
// cancels the calls still running and is what Broadcast returns; if every
// call succeeds, reply holds the reply of one of them (the first to
// arrive) and Broadcast returns nil. reply may be nil: the replies are
// then dropped. Broadcast returns once every one of its calls has ended.
func (xc *XClient) Broadcast(ctx context.Context, serviceMethod string, args, reply any) error {
	servers, err := xc.d.GetAll()
	if err != nil {
		return err
	}
	if len(servers) == 0 {
		return ErrNoServers
	}
	if reply != nil && reflect.TypeOf(reply).Kind() != reflect.Pointer {
		return fmt.Errorf("rpc xclient: Broadcast's reply must be a pointer, not a %T", reply)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		wg        sync.WaitGroup
		mu        sync.Mutex // guards firstErr, replyDone and *reply
		firstErr  error
		replyDone = reply == nil
	)
	for _, rpcAddr := range servers {
		wg.Go(func() {
			// Each call decodes into a reply of its own: the calls run
			// at once, and only the first success is copied out.
			var own any
			if reply != nil {
				own = reflect.New(reflect.TypeOf(reply).Elem()).Interface()
			}
			err := xc.call(ctx, rpcAddr, serviceMethod, args, own)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && firstErr == nil:
				firstErr = err
				cancel() // no need to wait for the others
			case err == nil && !replyDone:
				reflect.ValueOf(reply).Elem().Set(reflect.ValueOf(own).Elem())
				replyDone = true
			}
		})
	}
	wg.Wait()
	return firstErr
}
