package main

import (
	"bufio"
	"fmt"
	"io"
)

// A capture keeps the beginning and the end of a stream of output, at most
// max bytes of each, so that a test that prints without end costs a bounded
// amount of memory. The middle is dropped and counted.
type capture struct {
	max     int
	head    []byte
	tail    []byte // the last bytes written after head filled up; up to 2*max before trimming
	dropped int64  // bytes between head and tail that were thrown away
}

func newCapture(max int) *capture { return &capture{max: max} }

func (c *capture) Write(p []byte) (int, error) {
	n := len(p)
	if room := c.max - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return n, nil
	}
	if len(p) >= c.max {
		c.dropped += int64(len(c.tail) + len(p) - c.max)
		c.tail = append(c.tail[:0], p[len(p)-c.max:]...)
		return n, nil
	}
	c.tail = append(c.tail, p...)
	if len(c.tail) > 2*c.max {
		cut := len(c.tail) - c.max
		c.dropped += int64(cut)
		c.tail = append(c.tail[:0], c.tail[cut:]...)
	}
	return n, nil
}

// String returns what was kept, with a note where output was dropped.
func (c *capture) String() string {
	tail := c.tail
	if len(tail) > c.max {
		tail = tail[len(tail)-c.max:]
	}
	if d := c.Dropped(); d > 0 {
		return fmt.Sprintf("%s\n[... %d bytes of output cut ...]\n%s", c.head, d, tail)
	}
	return string(c.head) + string(tail)
}

// Dropped reports how many bytes String leaves out.
func (c *capture) Dropped() int64 {
	return c.dropped + int64(max(0, len(c.tail)-c.max))
}

// eachLine calls fn for each line read from r, without its newline. A line
// longer than max bytes is cut to its first max bytes; the rest of it is
// read and thrown away, so a single endless line cannot exhaust memory.
func eachLine(r io.Reader, max int, fn func(line []byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	cut := false
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			if !cut {
				long = append(long, chunk...)
				if len(long) > max {
					long, cut = long[:max], true
				}
			}
			continue
		case len(long) > 0 || cut:
			if !cut {
				long = append(long, chunk...)
			}
			chunk = long
		}
		line := chunk
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if len(line) > max {
			line = line[:max]
		}
		if len(line) > 0 || err == nil {
			fn(line)
		}
		long, cut = long[:0], false
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
