package progress

import (
	"bytes"
	"testing"
)

func TestNilLine(t *testing.T) {
	var buf bytes.Buffer
	l := New(&buf) // not a terminal
	if l != nil {
		t.Fatal("New of a buffer must return nil: it is no terminal")
	}
	l.Show("x")
	l.Above("y")
	l.Clear()
	l.Done()
	if buf.Len() != 0 {
		t.Errorf("a nil Line wrote %q", buf.String())
	}
}

func TestLine(t *testing.T) {
	var buf bytes.Buffer
	l := &Line{w: &buf}
	l.Show("1/2")
	l.Above("alice: broken")
	l.Clear()
	l.Show("2/2")
	l.Done()
	want := "\r\x1b[K1/2" + "\r\x1b[Kalice: broken\n1/2" + "\r\x1b[K" + "\r\x1b[K2/2" + "\n"
	if got := buf.String(); got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}
