//go:build !solution

// Package registry is a registry of live minirpc servers (Lab 4, part G).
//
// Servers announce themselves to it, and then keep announcing themselves
// at an interval, by POSTing their address (Heartbeat); clients ask it
// which servers are live with a GET (xclient.RegistryDiscovery). A server
// that has not announced itself for the registry's time-out is taken for
// dead and forgotten: a heartbeat is the only way a registry learns that a
// server still runs, and silence the only way it learns that one stopped.
package registry

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// The registry speaks HTTP, and all it says is in two headers.
const (
	// ServersHeader carries the reply to a GET: the live servers,
	// sorted, joined by commas.
	ServersHeader = "X-Minirpc-Servers"
	// ServerHeader carries the server a POST registers or refreshes.
	ServerHeader = "X-Minirpc-Server"
)

// DefaultPath is where a registry is commonly served.
const DefaultPath = "/_minirpc_/registry"

// DefaultTimeout is the time-out a registry is commonly given: a server
// that has not sent a heartbeat for 5 minutes is taken for dead.
const DefaultTimeout = 5 * time.Minute

// Registry is an http.Handler that keeps the servers announced to it
// (handout part G). Requests come from many goroutines at once (an HTTP
// server serves each in its own): guard servers with mu.
type Registry struct {
	timeout time.Duration // 0: a server is never taken for dead
	mu      sync.Mutex    // guards servers
	servers map[string]*ServerItem
}

// ServerItem is one server the registry knows, and when it last heard of
// it.
type ServerItem struct {
	Addr  string
	start time.Time // the last POST of Addr
}

// New returns a registry in which a server is live for timeout after its
// last POST (0: forever).
func New(timeout time.Duration) *Registry {
	return &Registry{timeout: timeout, servers: make(map[string]*ServerItem)}
}

// ServeHTTP answers the two requests of the registry:
//
//   - GET: the live servers, sorted (slices.Sort), joined by commas, in the
//     header ServersHeader of the reply ("" if there is none). A server is
//     live while time.Now() is before start+timeout (any time, if timeout
//     is 0). A server found dead is deleted from the map: forgotten, not
//     only hidden.
//   - POST: the request's header ServerHeader names a server: register it
//     with start = time.Now(), or, if it is known, set its start to now
//     (that is a heartbeat). Without the header, answer 400 Bad Request
//     with a body that names the missing header, ServerHeader
//     (http.Error).
//   - Any other method: 405 Method Not Allowed.
//
// Use time.Now() for the clock: the tests run the registry in virtual time
// (testing/synctest), so that a 5-minute time-out takes no time at all.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	panic("registry: Registry.ServeHTTP is not implemented yet: write it in minirpc/registry/registry.go (docs/minirpc.md, part G)")
}

// Heartbeat announces addr to the registry at registryURL: one POST now,
// then one every interval (0 or less: DefaultTimeout minus a minute) until
// ctx is done. A POST is a request with the header ServerHeader set to
// addr (http.NewRequestWithContext, then http.DefaultClient.Do: the tests
// answer it with a fake registry, through http.DefaultTransport); an answer
// other than 200 OK is a failure. Close the response's body.
//
//   - If the first POST fails, return its error, and send no more.
//   - Otherwise return nil at once, and keep sending from a goroutine of
//     your own: a time.Ticker, and a select on the ticker and ctx.Done().
//     When ctx is done the goroutine must end (stop the ticker), or it
//     beats for ever: a goroutine leak, and a dead server that still looks
//     alive.
//   - A later POST that fails is logged (log.Printf), and the next one is
//     sent at the next tick all the same: a registry that was down for a
//     minute must get the server back once it is up.
func Heartbeat(ctx context.Context, registryURL, addr string, interval time.Duration) error {
	panic("registry: Heartbeat is not implemented yet: write it in minirpc/registry/registry.go (docs/minirpc.md, part G)")
}
