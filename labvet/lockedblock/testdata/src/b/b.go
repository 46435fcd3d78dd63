// Package b holds Lab 4's shapes: a minirpc call or dial with a lock held.
package b

import (
	"context"
	"sync"

	"golabs/minirpc"
)

type XClient struct {
	mu      sync.Mutex
	clients map[string]*minirpc.Client
}

func (xc *XClient) dialLocked(addr string) (*minirpc.Client, error) {
	xc.mu.Lock()
	defer xc.mu.Unlock()
	if c, ok := xc.clients[addr]; ok {
		return c, nil
	}
	c, err := minirpc.XDial(addr) // want `minirpc.XDial while xc.mu is held`
	if err != nil {
		return nil, err
	}
	xc.clients[addr] = c
	return c, nil
}

func (xc *XClient) callLocked(ctx context.Context, addr string) error {
	xc.mu.Lock()
	c := xc.clients[addr]
	err := c.Call(ctx, "Arith.Sum", 1, new(int)) // want `minirpc.Client.Call while xc.mu is held`
	xc.mu.Unlock()
	return err
}

func (xc *XClient) dialOutside(addr string) (*minirpc.Client, error) {
	c, err := minirpc.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	xc.mu.Lock()
	defer xc.mu.Unlock()
	xc.clients[addr] = c
	c.Go("Arith.Sum", 1, new(int), nil) // Go does not wait
	return c, nil
}

func (xc *XClient) closeAll() {
	xc.mu.Lock()
	defer xc.mu.Unlock()
	for _, c := range xc.clients {
		c.Close()
	}
}
