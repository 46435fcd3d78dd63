//go:build !solution

package xclient

import (
	"errors"
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
// is no registry to refresh it from (handout part F). Many goroutines call
// it at once: every method takes mu, and Get reads and advances index in
// one critical section. Two Gets that read the same index both return the
// same server, and the next one is skipped: that is the lecture's
// check-then-act race, in a load balancer.
type MultiServersDiscovery struct {
	mu      sync.Mutex // guards servers and index
	servers []string
	index   int // the next server of round robin, modulo len(servers)
}

// NewMultiServerDiscovery returns a discovery over a copy of servers (the
// caller may reuse its slice). Start index at a random number
// (math/rand/v2's rand.IntN is safe from any goroutine): if every client
// started its round robin at the first server, the first server would take
// the first call of every client.
func NewMultiServerDiscovery(servers []string) *MultiServersDiscovery {
	panic("xclient: NewMultiServerDiscovery is not implemented yet: write it in minirpc/xclient/discovery.go (docs/minirpc.md, part F)")
}

// Refresh does nothing (return nil): a list given by hand has no other
// source than Update.
func (d *MultiServersDiscovery) Refresh() error {
	panic("xclient: MultiServersDiscovery.Refresh is not implemented yet: write it in minirpc/xclient/discovery.go (docs/minirpc.md, part F)")
}

// Update replaces the list with a copy of servers.
func (d *MultiServersDiscovery) Update(servers []string) error {
	panic("xclient: MultiServersDiscovery.Update is not implemented yet: write it in minirpc/xclient/discovery.go (docs/minirpc.md, part F)")
}

// Get returns a server picked by mode:
//   - RandomSelect: any server, at random;
//   - RoundRobinSelect: servers[index % n], and index moves on by one. Take
//     the index modulo the length of the list as it is now: Update may have
//     made it shorter since.
//
// On an empty list it returns ErrNoServers (and does not divide by zero);
// an unknown mode is an error too.
func (d *MultiServersDiscovery) Get(mode SelectMode) (string, error) {
	panic("xclient: MultiServersDiscovery.Get is not implemented yet: write it in minirpc/xclient/discovery.go (docs/minirpc.md, part F)")
}

// GetAll returns a copy of the list (slices.Clone): a caller that changes
// the slice it got, or appends to it, must not change the discovery's.
func (d *MultiServersDiscovery) GetAll() ([]string, error) {
	panic("xclient: MultiServersDiscovery.GetAll is not implemented yet: write it in minirpc/xclient/discovery.go (docs/minirpc.md, part F)")
}
