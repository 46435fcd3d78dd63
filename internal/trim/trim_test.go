package trim

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCapture(t *testing.T) {
	c := New(10, 10)
	c.Write([]byte("0123456789")) // fills the head
	for range 100 {
		c.Write([]byte("abc"))
	}
	c.Write([]byte("TAIL"))
	s := c.String()
	if !strings.HasPrefix(s, "0123456789\n[... ") || !strings.HasSuffix(s, "bcabcTAIL") {
		t.Errorf("capture kept %q; want the head, a note of the cut, and the last 10 bytes", s)
	}
	if got, want := c.Dropped(), int64(300+4-10); got != want {
		t.Errorf("Dropped() = %d, want %d", got, want)
	}

	small := New(10, 10)
	small.Write([]byte("hello "))
	small.Write([]byte("world"))
	if s := small.String(); s != "hello world" {
		t.Errorf("a short output must be kept whole; got %q", s)
	}
	big := New(4, 4)
	big.Write([]byte(strings.Repeat("x", 100) + "END"))
	if s := big.String(); !strings.HasPrefix(s, "xxxx\n[... 95 bytes") || !strings.HasSuffix(s, "xEND") {
		t.Errorf("one big write: got %q", s)
	}
}

func TestLines(t *testing.T) {
	in := "short\n" + strings.Repeat("y", 200<<10) + "\nlast"
	var lines []string
	if err := Lines(strings.NewReader(in), 1000, func(l []byte) { lines = append(lines, string(l)) }); err != nil {
		t.Fatal(err)
	}
	var lens []int
	for _, l := range lines {
		lens = append(lens, len(l))
	}
	if len(lines) != 3 || lines[0] != "short" || len(lines[1]) != 1000 || lines[2] != "last" {
		t.Errorf("Lines: got %d lines, lengths %v", len(lines), lens)
	}
}

func TestBound(t *testing.T) {
	assert.Equal(t, "short\n", Bound("short\n", 100, ""))
	s := strings.Repeat("line of output é\n", 1000)
	b := Bound(s, 1000, "go run ./grader -v shows more")
	assert.LessOrEqual(t, len(b), 1100)
	assert.True(t, strings.HasPrefix(b, "line of output é\n"), "the head starts at the start")
	assert.True(t, strings.HasSuffix(b, "line of output é\n"), "the tail ends at the end, on a whole line")
	assert.Contains(t, b, "bytes of output cut; go run ./grader -v shows more ...]")
	for _, l := range strings.Split(strings.TrimSuffix(b, "\n"), "\n") {
		assert.True(t, l == "line of output é" || strings.Contains(l, "bytes of output cut"), "a cut line: %q", l)
	}
	one := Bound(strings.Repeat("é", 1000), 101, "") // one long line, cut inside runes
	assert.True(t, strings.Contains(one, "bytes of output cut") && !strings.ContainsRune(one, '\uFFFD'), "cut on rune boundaries: %q", one)
	assert.Equal(t, "a\uFFFDb", Bound("a\xffb", 100, ""), "invalid UTF-8 is replaced")
	// An invalid byte early in a long output costs nothing of the head.
	head := "=== RUN TestX\n\xfe\n" + strings.Repeat("line of the head\n", 20)
	b = Bound(head+strings.Repeat("x\n", 2000), 1000, "")
	assert.True(t, strings.HasPrefix(b, "=== RUN TestX\n\uFFFD\nline of the head\n"), "the head is kept past an invalid byte:\n%s", b)
	assert.Greater(t, strings.Index(b, "bytes of output cut"), 200, "the head is kept whole:\n%s", b)
}

func TestClip(t *testing.T) {
	assert.Equal(t, "short", Clip("short", 10))
	assert.Equal(t, "a b", Clip("a\tb", 10))
	assert.Equal(t, "ééééééé...", Clip(strings.Repeat("é", 20), 10))
}
