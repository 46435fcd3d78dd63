// Package trim bounds the output that grading keeps and shows. A test can
// print without end, and a report must stay readable, so output is kept as
// its head and its tail around a note of what was cut; a line is read up to
// a length and the rest of it dropped; a one-line reason is clipped to a
// width. Every report of the kit trims output here, one way.
package trim

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// A Capture keeps the beginning and the end of a stream of output, at most
// Head bytes of the one and Tail bytes of the other, so that a test that
// prints without end costs a bounded amount of memory. The middle is
// dropped and counted. The zero Capture keeps nothing; use New.
type Capture struct {
	head, tail int
	// Hint, if set, is added to the note where output was cut: what to
	// run to see more.
	Hint string

	first   []byte
	last    []byte // the last bytes written after first filled up; up to 2*tail before trimming
	dropped int64  // bytes between first and last that were thrown away
}

// New returns a Capture that keeps head bytes of the beginning and tail
// bytes of the end.
func New(head, tail int) *Capture { return &Capture{head: head, tail: tail} }

// Write keeps what fits; it never fails.
func (c *Capture) Write(p []byte) (int, error) {
	n := len(p)
	if room := c.head - len(c.first); room > 0 {
		k := min(room, len(p))
		c.first = append(c.first, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return n, nil
	}
	if len(p) >= c.tail {
		c.dropped += int64(len(c.last) + len(p) - c.tail)
		c.last = append(c.last[:0], p[len(p)-c.tail:]...)
		return n, nil
	}
	c.last = append(c.last, p...)
	if len(c.last) > 2*c.tail {
		cut := len(c.last) - c.tail
		c.dropped += int64(cut)
		c.last = append(c.last[:0], c.last[cut:]...)
	}
	return n, nil
}

// WriteString is Write for a string.
func (c *Capture) WriteString(s string) (int, error) { return c.Write([]byte(s)) }

// Dropped reports how many bytes String leaves out, before it cuts at line
// ends.
func (c *Capture) Dropped() int64 {
	return c.dropped + int64(max(0, len(c.last)-c.tail))
}

// String returns what was kept, as valid UTF-8. Where output was cut, the
// head ends and the tail begins at a line end if there is one, around a
// note of how many bytes were cut.
func (c *Capture) String() string {
	last := c.last
	if len(last) > c.tail {
		last = last[len(last)-c.tail:]
	}
	if c.Dropped() == 0 {
		return strings.ToValidUTF8(string(c.first)+string(last), "\uFFFD")
	}
	head, tail := string(c.first), string(last)
	if i := strings.LastIndexByte(head, '\n'); i > 0 {
		head = head[:i+1]
	}
	// A rune cut at the edge of what was kept is dropped; other invalid
	// bytes are replaced below, and cost nothing of the output.
	if i := lastRuneStart(head); i >= 0 && !utf8.FullRuneInString(head[i:]) {
		head = head[:i]
	}
	if i := strings.IndexByte(tail, '\n'); i >= 0 && i < len(tail)-1 {
		tail = tail[i+1:]
	}
	for k := 0; k < utf8.UTFMax-1 && len(tail) > 0 && !utf8.RuneStart(tail[0]); k++ {
		tail = tail[1:]
	}
	cut := c.Dropped() + int64(len(c.first)-len(head)) + int64(len(last)-len(tail))
	note := fmt.Sprintf("[... %d bytes of output cut ...]", cut)
	if c.Hint != "" {
		note = fmt.Sprintf("[... %d bytes of output cut; %s ...]", cut, c.Hint)
	}
	return strings.ToValidUTF8(strings.TrimSuffix(head, "\n"), "\uFFFD") + "\n" + note + "\n" + strings.ToValidUTF8(tail, "\uFFFD")
}

// lastRuneStart returns the index of the byte that starts the last rune of
// s, looking back at most utf8.UTFMax bytes, or -1.
func lastRuneStart(s string) int {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return i
		}
	}
	return -1
}

// Bound returns s if it is at most max bytes long, and else its first
// quarter and its last three quarters, cut at line ends where it can,
// around a note of how much was left out that ends with hint, if any. The
// result is valid UTF-8.
func Bound(s string, max int, hint string) string {
	c := New(max/4, max-max/4)
	c.Hint = hint
	c.WriteString(s)
	return c.String()
}

// Lines calls fn for each line read from r, without its newline. A line
// longer than max bytes is cut to its first max bytes; the rest of it is
// read and thrown away, so a single endless line cannot exhaust memory.
func Lines(r io.Reader, max int, fn func(line []byte)) error {
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

// Clip shortens s to at most n runes, marking the cut, with tabs made
// spaces: for a cell of a table.
func Clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\t", " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}
