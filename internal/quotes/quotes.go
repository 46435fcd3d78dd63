// Package quotes holds a handout to what the tests print. A handout quotes
// a failure message as bold code, **`fetched N pages more than once`**, so
// that a student who searches the handout for the message they got finds
// its explanation. Check finds every such quote and looks for it among the
// string literals of the tests' sources: the quote may stand N, X, ... or
// <...> where the message has a value, and any word where the source has a
// formatting verb (%d, %s ...); every other word must be as the tests print
// it, numbers in the text included. A quote that no literal can
// print is reported, so that a changed message cannot leave its handout
// behind.
package quotes

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Quote is one failure message a handout quotes.
type Quote struct {
	Line int    // in the handout, from 1
	Text string // between the backquotes
}

// bold finds bold text in a handout, and code a code span in it.
var (
	bold = regexp.MustCompile("(?s)\\*\\*(.+?)\\*\\*")
	code = regexp.MustCompile("`([^`]+)`")
)

// Find returns the quotes of a handout's text: the code spans in bold text,
// **`like this`** or **`this` / `that`.**. A quote may run over a line
// break, which counts as a space.
func Find(text string) []Quote {
	var out []Quote
	for _, b := range bold.FindAllStringSubmatchIndex(text, -1) {
		inner := text[b[2]:b[3]]
		for _, m := range code.FindAllStringSubmatchIndex(inner, -1) {
			out = append(out, Quote{
				Line: 1 + strings.Count(text[:b[2]+m[0]], "\n"),
				Text: space.ReplaceAllString(inner[m[2]:m[3]], " "),
			})
		}
	}
	return out
}

// Printed are messages that the Go toolchain prints, not the tests.
var Printed = []string{
	"WARNING: DATA RACE",
	"fatal error: concurrent map writes",
	"fatal error: concurrent map read and map write",
}

// placeholder matches what a quote puts where a message has a value.
var placeholder = regexp.MustCompile(`\.\.\.|<[^>]*>|\b[NX]\b`)

// verb matches a formatting verb in a source literal.
var verb = regexp.MustCompile(`%[-+# 0-9.*]*[a-zA-Z%]`)

// space matches a run of white space.
var space = regexp.MustCompile(`\s+`)

// Pieces splits a quote at its placeholders into runs of words.
func Pieces(quote string) [][]string {
	var out [][]string
	for _, piece := range placeholder.Split(quote, -1) {
		if words := strings.Fields(piece); len(words) > 0 {
			out = append(out, words)
		}
	}
	return out
}

// matchAt matches the words of a quote's piece with the words of a literal
// from index j on, and returns how many words matched exactly, or -1 if
// they do not match. A literal word with a verb in it stands for one or
// more words of the quote; other words must be equal (punctuation around
// aside).
func matchAt(piece, lit []string, j int) int {
	if len(piece) == 0 {
		return 0
	}
	if j == len(lit) {
		return -1
	}
	w := lit[j]
	if !strings.Contains(w, "\x00") {
		if trim(w) != trim(piece[0]) {
			return -1
		}
		if n := matchAt(piece[1:], lit, j+1); n >= 0 {
			return n + 1
		}
		return -1
	}
	// A verb: it may stand for the quote's next word, or for several.
	best := -1
	if wildcard(trim(w), trim(piece[0])) {
		best = matchAt(piece[1:], lit, j+1)
	}
	for k := 2; k <= len(piece); k++ {
		best = max(best, matchAt(piece[k:], lit, j+1))
	}
	return best
}

// enough reports whether a piece of n words matched with exact words
// matched exactly: three, or half of them, so that a literal made mostly of
// verbs ("%s: %v") prints no quote.
func enough(exact, n int) bool { return exact >= 1 && (exact >= 3 || 2*exact >= n) }

func trim(w string) string { return strings.Trim(w, "()[].,;:!?") }

// wildcard reports whether s matches pattern, in which \x00 stands for any
// text.
func wildcard(pattern, s string) bool {
	parts := strings.Split(pattern, "\x00")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// Literals returns the string literals of the Go files, adjacent literals
// joined with + taken as one, with their formatting verbs replaced by a
// separator that no quote holds.
func Literals(files []string) ([]string, error) {
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if s, ok := constString(n); ok {
				if utf8.ValidString(s) {
					out = append(out, verb.ReplaceAllString(s, "\x00"))
				}
				return false
			}
			return true
		})
	}
	return out, nil
}

// constString returns the value of a string literal, or of literals joined
// with +.
func constString(n ast.Node) (string, bool) {
	switch e := n.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok1 := constString(e.X)
		y, ok2 := constString(e.Y)
		if ok1 && ok2 {
			return x + y, true
		}
		// One side is not constant: keep what is, so that its pieces
		// are still found.
		switch {
		case ok1:
			return x + "\x00", true
		case ok2:
			return "\x00" + y, true
		}
	}
	return "", false
}

// Printable reports whether some literal can print quote: each piece of
// the quote between placeholders, in order, in one literal; a piece may
// begin or end inside the literal.
func Printable(quote string, literals []string) bool {
	for _, p := range Printed {
		if quote == p {
			return true
		}
	}
	pieces := Pieces(quote)
	if len(pieces) == 0 {
		return true
	}
	for _, lit := range literals {
		if printableBy(pieces, strings.Fields(lit), 0) {
			return true
		}
	}
	// A message made of two literals, one the subject of the other:
	// fmt.Sprintf("%s did not return within %v", "the workload of 4 clients").
	for _, subject := range literals {
		if !strings.Contains(subject, pieces[0][0]) {
			continue
		}
		for _, lit := range literals {
			if rest, ok := strings.CutPrefix(lit, "\x00"); ok && printableBy(pieces, strings.Fields(subject+rest), 0) {
				return true
			}
		}
	}
	return false
}

// printableBy reports whether pieces match words in order, from index from.
func printableBy(pieces [][]string, words []string, from int) bool {
	if len(pieces) == 0 {
		return true
	}
	for j := from; j < len(words); j++ {
		if enough(matchAt(pieces[0], words, j), len(pieces[0])) && printableBy(pieces[1:], words, j+1) {
			return true
		}
	}
	return false
}

// Check returns, for each quote of the handout that no literal of the
// sources can print, an error that names the handout's line.
func Check(handout string, sources []string) ([]error, error) {
	text, err := os.ReadFile(handout)
	if err != nil {
		return nil, err
	}
	lits, err := Literals(sources)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, q := range Find(string(text)) {
		if !Printable(q.Text, lits) {
			errs = append(errs, fmt.Errorf("%s:%d: the handout quotes %q, which no test prints: quote the message "+
				"as the tests print it (N, X or ... where it has a value), or change the test", handout, q.Line, q.Text))
		}
	}
	return errs, nil
}
