package catalog

import "golabs/internal/bytesize"

// Limits bound what one test process may use. A test that goes past one is
// killed and earns nothing; the report names the limit. A lab's [limits]
// table overrides the defaults one key at a time:
//
//	[limits]
//	memory     = "2GiB"    # resident memory of the test process and its children
//	file_size  = "256MiB"  # the largest file it writes, and all it writes together
//	processes  = 1024      # threads and processes at once
//	open_files = 1024      # open file descriptors (sockets count)
type Limits struct {
	Memory    int64 // bytes
	FileSize  int64 // bytes
	Processes int
	OpenFiles int
}

// DefaultLimits are the limits of a lab whose catalogue sets none. The
// reference solutions of Labs 1-3 under -race peak at 280 MiB, 10 threads
// and 50 KiB written.
var DefaultLimits = Limits{Memory: 2 << 30, FileSize: 256 << 20, Processes: 1024, OpenFiles: 1024}

// limitsEntry is the [limits] table as TOML decodes it.
type limitsEntry struct {
	Memory    string `toml:"memory"`
	FileSize  string `toml:"file_size"`
	Processes int    `toml:"processes"`
	OpenFiles int    `toml:"open_files"`
}

// limits checks a [limits] table and returns the lab's limits.
func (c *checker) limits(e limitsEntry, defined func(key string) bool) Limits {
	l := DefaultLimits
	if e.Memory != "" {
		l.Memory = c.size("memory", e.Memory, 64<<20)
	}
	if e.FileSize != "" {
		l.FileSize = c.size("file_size", e.FileSize, 1<<20)
	}
	for _, n := range []struct {
		key string
		v   int
		to  *int
	}{{"processes", e.Processes, &l.Processes}, {"open_files", e.OpenFiles, &l.OpenFiles}} {
		if !defined(n.key) {
			continue
		}
		if n.v < 64 {
			c.errorf(c.keyLine(n.key), "limits.%s is %d: allow at least 64 (Go's runtime and the race detector need some)", n.key, n.v)
			continue
		}
		*n.to = n.v
	}
	return l
}

// size parses a size such as "2GiB" for key, at least min bytes.
func (c *checker) size(key, s string, min int64) int64 {
	n, err := bytesize.Parse(s)
	switch {
	case err != nil:
		c.errorf(c.keyLine(key), "limits.%s: %v", key, err)
	case n < min:
		c.errorf(c.keyLine(key), "limits.%s is %s: allow at least %s", key, s, bytesize.Format(min))
	default:
		return n
	}
	return 0
}
