package translation

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// A Difference is one place where a translation has drifted from its
// original.
type Difference struct {
	Line     int // in the translation; 0 when it has nothing there
	OrigLine int // in the original; 0 when it has nothing there
	Msg      string
}

// Format gives d with the paths of the original and the translation:
// "docs/zh/kv.md:12 (docs/kv.md:10): ...".
func (d Difference) Format(orig, trans string) string {
	where := trans
	if d.Line > 0 {
		where = fmt.Sprintf("%s:%d", trans, d.Line)
	}
	if d.OrigLine > 0 {
		where += fmt.Sprintf(" (%s:%d)", orig, d.OrigLine)
	}
	return where + ": " + d.Msg
}

// Compare returns the places where trans, a translation of orig, differs
// from it in what must not drift, in the order of their lines:
//
//   - the headings: the same levels in the same order, each heading of the
//     translation with the original's text on a line <!-- en: ... --> just
//     above it, and with the original heading's code spans, numbers and
//     part letters;
//   - the fenced code blocks, byte for byte;
//   - in each section, the set of inline code spans, the quoted failure
//     messages, the numbers written in digits, and the link targets;
//   - the tables: their shape, each cell without a lower-case word (a test
//     name, a verdict, points) byte for byte, the numbers and code spans of
//     every other cell, and the names in it (TestSerial, LinkDown, SYN-ACK);
//   - in the translation, every link to #anchor leads to one of its
//     headings.
//
// counterpart maps a link target of the original, from the repository
// root, to the one the translation must have instead: a translated
// document's ("docs/grading.md" to "docs/zh/grading.md"). nil keeps every
// target. A link's #fragment is not compared, nor checked in the other
// document. A block quote of the translation that links to its original is
// the translation's note, free as prose is.
//
// Sections are compared only as far as the headings agree: past a
// heading that differs, nothing lines up.
func Compare(orig, trans *Doc, counterpart func(string) string) []Difference {
	if counterpart == nil {
		counterpart = func(s string) string { return s }
	}
	c := &comparison{orig: orig, trans: trans, counterpart: counterpart, note: trans.note(orig.Path)}
	aligned := c.headings()
	for i := range aligned {
		c.section(&orig.Sections[i], &trans.Sections[i])
	}
	c.blocks()
	c.anchors()
	slices.SortStableFunc(c.diffs, func(a, b Difference) int {
		return cmpLine(a) - cmpLine(b)
	})
	return c.diffs
}

// cmpLine orders differences: by line in the translation, or else in the
// original.
func cmpLine(d Difference) int {
	if d.Line > 0 {
		return d.Line
	}
	return d.OrigLine
}

type comparison struct {
	orig, trans *Doc
	counterpart func(string) string
	note        func(line int) bool // whether a line of the translation is in its note
	diffs       []Difference
}

func (c *comparison) add(line, origLine int, format string, args ...any) {
	c.diffs = append(c.diffs, Difference{Line: line, OrigLine: origLine, Msg: fmt.Sprintf(format, args...)})
}

// headings compares the headings and returns how many sections line up.
func (c *comparison) headings() int {
	os, ts := c.orig.Sections, c.trans.Sections
	for i := 1; i < max(len(os), len(ts)); i++ {
		switch {
		case i >= len(ts):
			o := os[i]
			c.add(0, o.Line, "the translation ends before the heading %s %q; translate the sections from there on",
				strings.Repeat("#", o.Level), o.Heading)
			return i
		case i >= len(os):
			t := ts[i]
			after := "has no headings"
			if len(os) > 1 {
				after = fmt.Sprintf("has no more headings after %q", os[len(os)-1].Heading)
			}
			c.add(t.Line, 0, "the heading %q has no counterpart: the original %s", t.Heading, after)
			return i
		}
		o, t := os[i], ts[i]
		if t.Source == "" {
			c.add(t.Line, o.Line, "the heading %q has no <!-- en: ... --> line above it; the original's heading here is %q: put <!-- en: %s --> above it",
				t.Heading, o.Heading, o.Heading)
			return i
		}
		if t.Source != o.Heading || t.Level != o.Level {
			line := t.Line
			if t.Source != o.Heading {
				line = t.SrcLine // where the translation names what it translates
			}
			c.add(line, o.Line, "the headings diverge here: the translation has %s %q (for %q), the original %s %q; "+
				"a heading was added, removed, moved or changed in one version only",
				strings.Repeat("#", t.Level), t.Heading, t.Source, strings.Repeat("#", o.Level), o.Heading)
			return i
		}
		otoks, ttoks := headingTokens(o.Heading), headingTokens(t.Heading)
		for _, tok := range otoks {
			if !slices.Contains(ttoks, tok) {
				c.add(t.Line, o.Line, "the heading %q lacks %s, which the original %q has", t.Heading, tok, o.Heading)
			}
		}
		for _, tok := range ttoks {
			if !slices.Contains(otoks, tok) && !capital.MatchString(tok) {
				c.add(t.Line, o.Line, "the heading %q has %s, which the original %q does not", t.Heading, tok, o.Heading)
			}
		}
	}
	return max(len(os), len(ts))
}

var (
	capital = regexp.MustCompile(`\b[A-Z]\b`)
	word    = regexp.MustCompile(`[A-Za-z][A-Za-z'’-]*`)
	// names are the words of a cell that name something in the code or
	// the grader's output: TestSerial, LinkDown, PASS, SYN-ACK, and IDs.
	names = regexp.MustCompile(`\b(?:[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+|[A-Z]{2,}(?:[-_][A-Z]{2,})*s?)\b`)
)

// headingTokens returns what a heading's translation must keep: its code
// spans, its numbers and its part letters.
func headingTokens(h string) []string {
	var out []string
	for _, c := range spanTexts(h) {
		out = append(out, "`"+c+"`")
	}
	rest := blankSpans(h)
	out = append(out, number.FindAllString(rest, -1)...)
	return append(out, capital.FindAllString(rest, -1)...)
}

// section compares two sections that translate each other.
func (c *comparison) section(o, t *Section) {
	t = t.without(c.note)
	where := "before the first heading"
	if o.Level > 0 {
		where = fmt.Sprintf("in the section %q", o.Heading)
	}
	c.sets(o, t, where)
	c.multisets(o.Quotes, t.Quotes, "the quoted failure message **`%s`**", where)
	c.multisets(o.Numbers, t.Numbers, "the number %s", where)
	links := func(items []Item, target func(string) string) []Item {
		var out []Item
		for _, l := range drop(items, isAnchor) {
			out = append(out, Item{Line: l.Line, Text: target(l.Text)})
		}
		return out
	}
	c.multisets(links(o.Links, c.mapLink), links(t.Links, withoutFragment), "a link to %s", where)
	c.tables(o, t, where)
}

// isAnchor reports whether a link target is only a fragment, which
// depends on the language of the headings.
func isAnchor(it Item) bool { return strings.HasPrefix(it.Text, "#") }

func drop(items []Item, f func(Item) bool) []Item {
	return slices.DeleteFunc(slices.Clone(items), f)
}

// mapLink gives the target the translation must link to for the
// original's target: its counterpart, with its fragment dropped, since
// anchors are made from translated headings (the translation's are
// dropped too).
func (c *comparison) mapLink(target string) string {
	return c.counterpart(withoutFragment(target))
}

// withoutFragment returns a link target without its #fragment; a fragment
// alone and an external link are kept.
func withoutFragment(target string) string {
	if isAnchor(Item{Text: target}) || strings.Contains(target, "://") {
		return target
	}
	file, _, _ := strings.Cut(target, "#")
	return file
}

// sets compares the code spans of two sections as sets: each of the
// original's appears in the translation, which has no other.
func (c *comparison) sets(o, t *Section, where string) {
	has := func(items []Item, s string) bool {
		return slices.ContainsFunc(items, func(it Item) bool { return it.Text == s })
	}
	seen := map[string]bool{}
	for _, it := range o.Spans {
		if !seen[it.Text] && !has(t.Spans, it.Text) {
			c.add(0, it.Line, "%s the translation lacks %s, which the original has", where, spanName(it.Text))
		}
		seen[it.Text] = true
	}
	seen = map[string]bool{}
	for _, it := range t.Spans {
		if !seen[it.Text] && !has(o.Spans, it.Text) {
			c.add(it.Line, 0, "%s the translation has %s, which the original does not", where, spanName(it.Text))
		}
		seen[it.Text] = true
	}
}

// spanName names a code span: a command, or code.
func spanName(s string) string {
	if strings.HasPrefix(s, "go ") || strings.HasPrefix(s, "make ") {
		return "the command `" + s + "`"
	}
	return "the code `" + s + "`"
}

// multisets compares two lists of items whatever their order: each text
// must appear as many times in both. what formats an item's text.
func (c *comparison) multisets(os, ts []Item, what, where string) {
	count := map[string]int{}
	for _, it := range os {
		count[it.Text]++
	}
	for _, it := range ts {
		count[it.Text]--
	}
	reported := map[string]bool{}
	for _, it := range os {
		if n := count[it.Text]; n > 0 && !reported[it.Text] {
			reported[it.Text] = true
			c.add(0, it.Line, "%s the translation has %s %s fewer than the original", where, fmt.Sprintf(what, it.Text), times(n))
		}
	}
	for _, it := range ts {
		if n := count[it.Text]; n < 0 && !reported[it.Text] {
			reported[it.Text] = true
			c.add(it.Line, 0, "%s the translation has %s %s more than the original", where, fmt.Sprintf(what, it.Text), times(-n))
		}
	}
}

func rows(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// tables compares the tables of two sections.
func (c *comparison) tables(o, t *Section, where string) {
	if len(o.Tables) != len(t.Tables) {
		line, oline := 0, o.Line
		if len(t.Tables) > 0 {
			line = t.Tables[0].Line
		}
		if len(o.Tables) > 0 {
			oline = o.Tables[0].Line
		}
		c.add(line, oline, "%s the original has %d tables, the translation %d", where, len(o.Tables), len(t.Tables))
		return
	}
	for k := range o.Tables {
		ot, tt := o.Tables[k], t.Tables[k]
		if len(ot.Rows) != len(tt.Rows) {
			c.add(tt.Line, ot.Line, "the table has %s under its header, the original %s", rows(len(tt.Rows)-1), rows(len(ot.Rows)-1))
			continue
		}
		for r := range ot.Rows {
			oline, tline := rowLine(ot, r), rowLine(tt, r)
			orow, trow := ot.Rows[r], tt.Rows[r]
			if len(orow) != len(trow) {
				c.add(tline, oline, "the row has %d cells, the original's %d", len(trow), len(orow))
				continue
			}
			for k := range orow {
				c.cell(orow[k], trow[k], oline, tline, k+1)
			}
		}
	}
}

// rowLine returns the line of a table's row r, the delimiter row counted.
func rowLine(t Table, r int) int {
	if r == 0 {
		return t.Line
	}
	return t.Line + r + 1
}

// cell compares a cell of the original with its translation.
func (c *comparison) cell(o, t string, oline, tline, col int) {
	// Link targets are compared as the translation must have them.
	o = targets(o, c.orig, c.mapLink)
	t = targets(t, c.trans, withoutFragment)
	plain := blankSpans(o)
	if !slices.ContainsFunc(word.FindAllString(plain, -1), startsLower) {
		if o != t {
			c.add(tline, oline, "column %d holds %q, the original %q: a cell without words to translate stays as it is", col, t, o)
		}
		return
	}
	if os, ts := spanTexts(o), spanTexts(t); !sameSet(os, ts) {
		c.add(tline, oline, "column %d has the code %q, the original's %q", col, ts, os)
	}
	otext, ttext := blankGroup(plain, link), blankGroup(blankSpans(t), link) // without code and targets
	tw := cellNames(ttext)
	for _, n := range cellNames(otext) {
		if !slices.Contains(tw, n) {
			c.add(tline, oline, "column %d lacks %s, which the original's has: names of tests, functions, packets and verdicts stay as they are", col, n)
		}
	}
	on, tn := number.FindAllString(otext, -1), number.FindAllString(ttext, -1)
	slices.Sort(on)
	slices.Sort(tn)
	if !slices.Equal(on, tn) {
		c.add(tline, oline, "column %d has the numbers %v, the original's %v", col, tn, on)
	}
}

// cellNames returns the names in a cell's text, an all-capitals name
// without its plural s.
func cellNames(text string) []string {
	var out []string
	for _, n := range names.FindAllString(text, -1) {
		if len(n) > 2 && n[len(n)-1] == 's' && n[len(n)-2] >= 'A' && n[len(n)-2] <= 'Z' {
			n = n[:len(n)-1]
		}
		out = append(out, n)
	}
	return out
}

// targets rewrites the link targets of a cell of the document d: each
// resolved from the root, then given to target.
func targets(cell string, d *Doc, target func(string) string) string {
	return link.ReplaceAllStringFunc(cell, func(m string) string {
		sub := link.FindStringSubmatch(m)
		return strings.Replace(m, "("+sub[1], "("+target(d.resolve(sub[1])), 1)
	})
}

func startsLower(w string) bool { return w[0] >= 'a' && w[0] <= 'z' }

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// blocks compares the code blocks, in order; it reports the first that
// differs, after which the rest would not line up.
func (c *comparison) blocks() {
	ob, tb := c.orig.Blocks, c.trans.Blocks
	for i := range max(len(ob), len(tb)) {
		switch {
		case i >= len(tb):
			if rest := len(ob) - i - 1; rest > 0 {
				c.add(0, ob[i].Line, "the translation lacks this code block and the %d after it: copy them as they are", rest)
			} else {
				c.add(0, ob[i].Line, "the translation lacks this code block, the original's last: copy it as it is")
			}
			return
		case i >= len(ob):
			c.add(tb[i].Line, 0, "this code block is not in the original (it has %d)", len(ob))
			return
		case ob[i].Text != tb[i].Text:
			ol, tl := strings.Split(ob[i].Text, "\n"), strings.Split(tb[i].Text, "\n")
			k := 0
			for k < len(ol) && k < len(tl) && ol[k] == tl[k] {
				k++
			}
			at := func(ls []string) string {
				if k < len(ls) {
					return fmt.Sprintf("%q", ls[k])
				}
				return "the end of the block"
			}
			c.add(tb[i].Line+k, ob[i].Line+k, "code block %d differs from the original's (a code block is copied byte for byte): the translation has %s, the original %s",
				i+1, at(tl), at(ol))
			return
		}
	}
}

// anchors checks that the translation's links to #anchor lead to one of
// its headings.
func (c *comparison) anchors() {
	for _, s := range c.trans.Sections {
		for _, l := range s.Links {
			if frag, ok := strings.CutPrefix(l.Text, "#"); ok && !slices.Contains(c.trans.Slugs, frag) {
				c.add(l.Line, 0, "the link to #%s leads to no heading of the translation (its anchors: %s)",
					frag, strings.Join(c.trans.Slugs, ", "))
			}
		}
	}
}

// note returns whether a line of d is in one of its block quotes that link
// to orig: the translation's own note, which says what it translates and
// need not agree with anything.
func (d *Doc) note(orig string) func(line int) bool {
	var notes []para
	for _, p := range d.paras {
		if p.quote && slices.ContainsFunc(p.links, func(l string) bool { f, _, _ := strings.Cut(l, "#"); return f == orig }) {
			notes = append(notes, p)
		}
	}
	return func(line int) bool {
		return slices.ContainsFunc(notes, func(p para) bool { return p.from <= line && line <= p.to })
	}
}

// without returns s without the items on lines skip accepts.
func (s *Section) without(skip func(int) bool) *Section {
	keep := func(items []Item) []Item {
		return slices.DeleteFunc(slices.Clone(items), func(it Item) bool { return skip(it.Line) })
	}
	out := *s
	out.Spans, out.Quotes, out.Numbers, out.Links = keep(s.Spans), keep(s.Quotes), keep(s.Numbers), keep(s.Links)
	return &out
}
