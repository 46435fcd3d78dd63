//go:build !solution

package xclient

import "time"

// serversHeader is the header of the registry's reply to a GET: the live
// servers, joined by commas (registry.ServersHeader).
const serversHeader = "X-Minirpc-Servers"

// DefaultUpdateTimeout is how long a RegistryDiscovery trusts its list when
// it is given no time-out.
const DefaultUpdateTimeout = 10 * time.Second

// RefreshTimeout bounds a refresh: how long Refresh waits for the
// registry's answer before it gives up with an error.
const RefreshTimeout = 5 * time.Second

// RegistryDiscovery is a Discovery that takes its list from a registry
// (package registry, handout part G). It builds on MultiServersDiscovery:
// the list, its lock and the picking are that one's; what it adds is
// where the list comes from, and when to ask again.
type RegistryDiscovery struct {
	*MultiServersDiscovery
	registry   string        // the registry's URL
	timeout    time.Duration // how long a list is trusted
	lastUpdate time.Time     // when the list was last set; guard it with mu
}

// NewRegistryDiscovery returns a discovery that asks the registry at
// registryURL, and trusts what it says for timeout (0 or less:
// DefaultUpdateTimeout). Its list is empty until the first Get or GetAll
// refreshes it.
func NewRegistryDiscovery(registryURL string, timeout time.Duration) *RegistryDiscovery {
	panic("xclient: NewRegistryDiscovery is not implemented yet: write it in minirpc/xclient/discovery_registry.go (docs/minirpc.md, part G)")
}

// Update sets the list by hand (a copy of servers), and counts as a
// refresh: lastUpdate is now.
func (d *RegistryDiscovery) Update(servers []string) error {
	panic("xclient: RegistryDiscovery.Update is not implemented yet: write it in minirpc/xclient/discovery_registry.go (docs/minirpc.md, part G)")
}

// Refresh asks the registry for the live servers, unless the list is
// younger than the time-out (time.Now() before lastUpdate+timeout: then it
// does nothing). The reply is in the header serversHeader: split it at the
// commas, drop empty names; "" is no server at all. A status other than
// 200 OK is an error.
//
// Hold mu from the check of lastUpdate to the store of the new list and
// lastUpdate: Gets that find the list stale at the same moment must send
// one request between them, not one each.
//
// That holds a lock across I/O, against the lecture's rule (hold a lock
// only around the memory it guards): a registry that never answers would
// hold up every Get, GetAll and Update for good. So bound the request:
// send the GET with an http.Client{Timeout: RefreshTimeout}. Leave its
// Transport nil: it then sends through http.DefaultTransport, where the
// tests put a fake registry (http.Get and http.DefaultClient have no
// time-out at all).
func (d *RegistryDiscovery) Refresh() error {
	panic("xclient: RegistryDiscovery.Refresh is not implemented yet: write it in minirpc/xclient/discovery_registry.go (docs/minirpc.md, part G)")
}

// Get refreshes the list if it is stale (Refresh), then picks a server by
// mode as MultiServersDiscovery.Get does. If the refresh fails, Get returns
// its error.
func (d *RegistryDiscovery) Get(mode SelectMode) (string, error) {
	panic("xclient: RegistryDiscovery.Get is not implemented yet: write it in minirpc/xclient/discovery_registry.go (docs/minirpc.md, part G)")
}

// GetAll refreshes the list if it is stale, then returns a copy of it.
func (d *RegistryDiscovery) GetAll() ([]string, error) {
	panic("xclient: RegistryDiscovery.GetAll is not implemented yet: write it in minirpc/xclient/discovery_registry.go (docs/minirpc.md, part G)")
}
