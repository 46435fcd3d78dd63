// Package progress shows how far a long run has come on a terminal: one
// status line, redrawn in place, that other lines can be printed above and
// that is erased before the run's report. Where standard error is not a
// terminal, there is no status line (a nil *Line does nothing), and a caller
// that wants a log prints lines of its own.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
)

// A Line is a status line on a terminal. A nil *Line does nothing, so a
// caller need not ask whether anyone watches.
type Line struct {
	w     io.Writer
	mu    sync.Mutex
	text  string
	shown bool
}

// New returns a status line on w if w is a terminal, else nil.
func New(w io.Writer) *Line {
	if !IsTerminal(w) {
		return nil
	}
	return &Line{w: w}
}

// Show replaces the line's text.
func (l *Line) Show(text string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text = text
	fmt.Fprintf(l.w, "\r\x1b[K%s", text)
	l.shown = true
}

// Above prints text on a line of its own above the status line, which is
// drawn again below it.
func (l *Line) Above(text string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "\r\x1b[K%s\n", text)
	if l.shown {
		fmt.Fprint(l.w, l.text)
	}
}

// Clear erases the line, before the report is printed. A later Show draws
// it again.
func (l *Line) Clear() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown {
		fmt.Fprint(l.w, "\r\x1b[K")
		l.shown = false
	}
}

// Done ends the line where it stands, keeping its last text.
func (l *Line) Done() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown {
		fmt.Fprintln(l.w)
		l.shown = false
	}
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Color reports whether to colour what goes to w: only on a terminal, and
// never when NO_COLOR is set (https://no-color.org) or TERM is dumb.
func Color(w io.Writer) bool {
	return IsTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// Force returns a status line on w whether or not w is a terminal: for
// tests of what a terminal sees.
func Force(w io.Writer) *Line { return &Line{w: w} }
