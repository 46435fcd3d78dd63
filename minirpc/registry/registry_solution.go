//go:build solution

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
	"fmt"
	"io"
	"log"
	"net/http"
	"slices"
	"strings"
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

// Registry is an http.Handler that keeps the servers announced to it. It
// is safe for concurrent use.
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

// putServer registers addr, or refreshes it: it is live for another
// time-out from now.
func (r *Registry) putServer(addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.servers[addr]; s != nil {
		s.start = time.Now()
		return
	}
	r.servers[addr] = &ServerItem{Addr: addr, start: time.Now()}
}

// aliveServers returns the live servers, sorted, and forgets the others.
// A server is live while now < start+timeout.
func (r *Registry) aliveServers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	var alive []string
	for addr, s := range r.servers {
		if r.timeout == 0 || now.Before(s.start.Add(r.timeout)) {
			alive = append(alive, addr)
		} else {
			delete(r.servers, addr)
		}
	}
	slices.Sort(alive)
	return alive
}

// ServeHTTP answers a GET with the live servers in ServersHeader (sorted,
// joined by commas; empty if there is none), and a POST by registering or
// refreshing the server in ServerHeader (400 Bad Request without it). Any
// other method gets 405 Method Not Allowed.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch req.Method {
	case http.MethodGet:
		w.Header().Set(ServersHeader, strings.Join(r.aliveServers(), ","))
	case http.MethodPost:
		addr := req.Header.Get(ServerHeader)
		if addr == "" {
			http.Error(w, "registry: a POST must name its server in the "+ServerHeader+" header", http.StatusBadRequest)
			return
		}
		r.putServer(addr)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "registry: method "+req.Method+" not allowed: GET lists the servers, POST registers one", http.StatusMethodNotAllowed)
	}
}

// Heartbeat announces addr to the registry at registryURL: one POST now,
// then one every interval (0 or less: DefaultTimeout minus a minute) until ctx is
// done. It sends with http.DefaultClient.
//
// If the first POST fails (no answer, or a status other than 200 OK),
// Heartbeat returns its error and sends no more. Otherwise it returns nil
// at once and keeps sending from a goroutine of its own, which ends when
// ctx is done. A later POST that fails is logged and the next is sent at
// the next tick all the same: a registry down for a while takes the server
// back once it is up again.
func Heartbeat(ctx context.Context, registryURL, addr string, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultTimeout - time.Minute
	}
	if err := sendHeartbeat(ctx, registryURL, addr); err != nil {
		return err
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := sendHeartbeat(ctx, registryURL, addr); err != nil && ctx.Err() == nil {
					log.Printf("%v (next try in %v)", err, interval)
				}
			}
		}
	}()
	return nil
}

// sendHeartbeat POSTs addr to the registry once.
func sendHeartbeat(ctx context.Context, registryURL, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, registryURL, nil)
	if err != nil {
		return fmt.Errorf("registry: heartbeat of %s: %w", addr, err)
	}
	req.Header.Set(ServerHeader, addr)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("registry: heartbeat of %s: %w", addr, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body) // so that the connection may be reused
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("registry: heartbeat of %s: %s answered %s", addr, registryURL, resp.Status)
	}
	return nil
}
