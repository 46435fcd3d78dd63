//go:build solution

package xclient

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// serversHeader is the header of the registry's reply to a GET: the live
// servers, joined by commas (serversHeader).
const serversHeader = "X-Minirpc-Servers"

// DefaultUpdateTimeout is how long a RegistryDiscovery trusts its list when
// it is given no time-out.
const DefaultUpdateTimeout = 10 * time.Second

// RefreshTimeout bounds a refresh: how long Refresh waits for the
// registry's answer before it gives up with an error.
const RefreshTimeout = 5 * time.Second

// RegistryDiscovery is a Discovery that takes its list from a registry
// (package registry). It asks the registry again when its list is
// timeout old: a Get or GetAll after that refreshes the list first. It is
// safe for concurrent use.
type RegistryDiscovery struct {
	*MultiServersDiscovery
	registry   string        // the registry's URL
	timeout    time.Duration // how long a list is trusted
	lastUpdate time.Time     // when the list was last set; guarded by mu
}

var _ Discovery = (*RegistryDiscovery)(nil)

// NewRegistryDiscovery returns a discovery that asks the registry at
// registryURL, and trusts what it says for timeout (0 or less:
// DefaultUpdateTimeout). Its list is empty until the first Get or GetAll
// refreshes it.
func NewRegistryDiscovery(registryURL string, timeout time.Duration) *RegistryDiscovery {
	if timeout <= 0 {
		timeout = DefaultUpdateTimeout
	}
	return &RegistryDiscovery{
		MultiServersDiscovery: NewMultiServerDiscovery(nil),
		registry:              registryURL,
		timeout:               timeout,
	}
}

// Update sets the list by hand; it counts as a refresh.
func (d *RegistryDiscovery) Update(servers []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.servers = slices.Clone(servers)
	d.lastUpdate = time.Now()
	return nil
}

// Refresh asks the registry for the live servers, unless the list is
// younger than the time-out. It holds the lock across the request: the
// Gets that find the list stale at once send one request between them, and
// none of them reads a list that is being replaced. That is I/O under a
// lock, so the request has a time-out, RefreshTimeout: a registry that
// does not answer holds up every Get, GetAll and Update for that long, and
// no longer.
func (d *RegistryDiscovery) Refresh() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.lastUpdate.IsZero() && time.Now().Before(d.lastUpdate.Add(d.timeout)) {
		return nil
	}
	client := http.Client{Timeout: RefreshTimeout} // its nil Transport is http.DefaultTransport
	resp, err := client.Get(d.registry)
	if err != nil {
		return fmt.Errorf("rpc discovery: refreshing from the registry: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("rpc discovery: refreshing from the registry: %s answered %s", d.registry, resp.Status)
	}
	var servers []string
	for _, s := range strings.Split(resp.Header.Get(serversHeader), ",") {
		if s = strings.TrimSpace(s); s != "" {
			servers = append(servers, s)
		}
	}
	d.servers = servers
	d.lastUpdate = time.Now()
	return nil
}

// Get refreshes the list if it is stale, then picks a server by mode.
func (d *RegistryDiscovery) Get(mode SelectMode) (string, error) {
	if err := d.Refresh(); err != nil {
		return "", err
	}
	return d.MultiServersDiscovery.Get(mode)
}

// GetAll refreshes the list if it is stale, then returns a copy of it.
func (d *RegistryDiscovery) GetAll() ([]string, error) {
	if err := d.Refresh(); err != nil {
		return nil, err
	}
	return d.MultiServersDiscovery.GetAll()
}
