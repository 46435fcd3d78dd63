//go:build solution

package xclient

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
)

// SelectMode is how a Discovery picks one server among several.
type SelectMode int

const (
	// RandomSelect picks a server at random.
	RandomSelect SelectMode = iota
	// RoundRobinSelect picks the servers in turn, in the order of the
	// list.
	RoundRobinSelect
)

// ErrNoServers is the error of Get on an empty list of servers.
var ErrNoServers = errors.New("rpc discovery: no available servers")

// Discovery keeps the list of servers a client may call, as
// "protocol@addr" addresses (minirpc.XDial's).
type Discovery interface {
	Refresh() error                      // fetch the list again from where it comes from
	Update(servers []string) error       // set the list by hand
	Get(mode SelectMode) (string, error) // one server, picked by mode
	GetAll() ([]string, error)           // every server
}

// MultiServersDiscovery is a Discovery whose list is given by hand: there
// is no registry to refresh it from. It is safe for concurrent use.
type MultiServersDiscovery struct {
	mu      sync.Mutex // guards servers and index
	servers []string
	index   int // the next server of round robin, modulo len(servers)
}

var _ Discovery = (*MultiServersDiscovery)(nil)

// NewMultiServerDiscovery returns a discovery over a copy of servers. Its
// round robin starts at a random server: clients started together do not
// all call the first server first.
func NewMultiServerDiscovery(servers []string) *MultiServersDiscovery {
	return &MultiServersDiscovery{
		servers: slices.Clone(servers),
		index:   rand.IntN(1 << 30),
	}
}

// Refresh does nothing: the list has no other source than Update.
func (d *MultiServersDiscovery) Refresh() error { return nil }

// Update replaces the list with a copy of servers.
func (d *MultiServersDiscovery) Update(servers []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.servers = slices.Clone(servers)
	return nil
}

// Get returns a server picked by mode, or ErrNoServers if the list is
// empty. Round robin reads and advances the index in one critical
// section: two Gets that read the same index would both return the same
// server, and skip one.
func (d *MultiServersDiscovery) Get(mode SelectMode) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := len(d.servers)
	if n == 0 {
		return "", ErrNoServers
	}
	switch mode {
	case RandomSelect:
		return d.servers[rand.IntN(n)], nil
	case RoundRobinSelect:
		s := d.servers[d.index%n] // the list may have shrunk since
		d.index = (d.index + 1) % n
		return s, nil
	default:
		return "", fmt.Errorf("rpc discovery: unknown select mode %d", mode)
	}
}

// GetAll returns a copy of the list: the caller may change it without
// touching the discovery's.
func (d *MultiServersDiscovery) GetAll() ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.servers), nil
}
