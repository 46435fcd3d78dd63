package translation

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"

	"golabs/internal/quotes"
)

// A Doc is the skeleton of a Markdown document: what a translation must
// keep of it.
type Doc struct {
	Path     string    // slash-separated, from the repository root: "docs/zh/kv.md"
	Sections []Section // the text before the first heading, then one per heading
	Blocks   []Block   // the fenced code blocks, in order
	Slugs    []string  // the anchors of the headings, as GitHub makes them
	paras    []para    // the paragraphs of text, tables and code blocks left out
}

// A para is a paragraph: its first and last lines, its link targets, and
// whether it is a block quote.
type para struct {
	from, to int
	links    []string
	quote    bool
}

// A Section is a heading and the text under it, up to the next heading.
// The first Section of a Doc has Level 0: it is the text before any
// heading.
type Section struct {
	Line    int    // of the heading, from 1; 1 for the first Section
	Level   int    // 1 for #, 2 for ##, ...; 0 before the first heading
	Heading string // the heading's text, without the #s
	Source  string // the <!-- en: ... --> line above the heading: what it translates
	SrcLine int    // the line of Source; 0 when there is none
	Spans   []Item // the inline code spans of its text, headings and tables excluded
	Quotes  []Item // the failure messages it quotes, **`like this`**, tables included
	Numbers []Item // the numbers written in digits in its text, outside code spans, link targets and tables
	Links   []Item // link targets, resolved from the repository root, tables included
	Tables  []Table
}

// An Item is one thing found in a document, with where.
type Item struct {
	Line int
	Text string
}

// A Block is a fenced code block, its fences included.
type Block struct {
	Line int // of the opening fence
	Text string
}

// A Table is a Markdown table: a header row, a delimiter row, and more rows.
type Table struct {
	Line int        // of the header row
	Rows [][]string // the cells of each row, trimmed; the delimiter row is left out
}

var (
	headingLine = regexp.MustCompile(`^(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$`)
	sourceLine  = regexp.MustCompile(`^<!--[ \t]*en:[ \t]*(.*?)[ \t]*-->[ \t]*$`)
	fenceLine   = regexp.MustCompile("^[ \t]*(```+|~~~+)")
	tableDelim  = regexp.MustCompile(`^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$`)
	link        = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:[ \t]+"[^"]*")?\)`)
	linkText    = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	number      = regexp.MustCompile(`\d+(?:[.,]\d+)*`)
	listMarker  = regexp.MustCompile(`^[ \t]*\d+[.)][ \t]`)
	listItem    = regexp.MustCompile(`^[ \t]*([-*+]|\d+[.)])[ \t]`)
	setext      = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	refDef      = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:[ \t]*\S`)
	space       = regexp.MustCompile(`\s+`)
)

// Parse reads the skeleton of the Markdown document text, whose path from
// the repository root is name. It fails, naming the line, on a code block
// that is never closed, after which nothing could be compared, and on the
// forms it cannot compare (see the package doc).
func Parse(name, text string) (*Doc, error) {
	d := &Doc{Path: name, Sections: []Section{{Line: 1}}}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var para []Item // the lines of the current paragraph
	flush := func() {
		if len(para) > 0 {
			d.prose(para)
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line, n := lines[i], i+1
		if fence, ok := opensBlock(line); ok {
			flush()
			end := closingFence(lines, i+1, fence)
			if end < 0 {
				return nil, fmt.Errorf("%s:%d: a code block (%s) is never closed", name, n, fence)
			}
			d.Blocks = append(d.Blocks, Block{Line: n, Text: strings.Join(lines[i:end+1], "\n")})
			i = end
			continue
		}
		if m := headingLine.FindStringSubmatch(line); m != nil {
			flush()
			s := Section{Line: n, Level: len(m[1]), Heading: m[2]}
			if i > 0 {
				if src := sourceLine.FindStringSubmatch(lines[i-1]); src != nil {
					s.Source, s.SrcLine = src[1], n-1
				}
			}
			d.Sections = append(d.Sections, s)
			continue
		}
		if sourceLine.MatchString(line) {
			flush()
			continue
		}
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "<!--") && !strings.Contains(t, "-->") {
			flush() // a comment over several lines: nothing in it is shown
			for i++; i < len(lines) && !strings.Contains(lines[i], "-->"); i++ {
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "|") && i+1 < len(lines) && tableDelim.MatchString(lines[i+1]) {
			flush()
			t := Table{Line: n, Rows: [][]string{cells(line)}}
			i += 2
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				t.Rows = append(t.Rows, cells(lines[i]))
			}
			i--
			d.table(t)
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if len(para) > 0 && setext.MatchString(line) && !listItem.MatchString(para[len(para)-1].Text) {
			return nil, fmt.Errorf("%s:%d: a heading underlined with = or - is not read as one: write it with #", name, n)
		}
		if refDef.MatchString(line) {
			return nil, fmt.Errorf("%s:%d: a reference link definition is not read: write the link inline, [text](target)", name, n)
		}
		para = append(para, Item{Line: n, Text: line})
	}
	flush()
	d.Slugs = slugs(d.Sections)
	return d, nil
}

// opensBlock returns the fence a line opens a code block with, if it
// does: ``` or ~~~, or more. A line that goes on with a backtick after its
// backticks is inline code, not a fence.
func opensBlock(line string) (string, bool) {
	m := fenceLine.FindStringSubmatchIndex(line)
	if m == nil {
		return "", false
	}
	fence := line[m[2]:m[3]]
	return fence, !(fence[0] == '`' && strings.Contains(line[m[3]:], "`"))
}

// closingFence returns the index of the line that closes a code block
// opened by fence, searching from line from, or -1.
func closingFence(lines []string, from int, fence string) int {
	for j := from; j < len(lines); j++ {
		t := strings.TrimSpace(lines[j])
		if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
			return j
		}
	}
	return -1
}

// cur returns the section being read.
func (d *Doc) cur() *Section { return &d.Sections[len(d.Sections)-1] }

// prose records what a paragraph holds: its code spans, quotes, links and
// numbers. A code span or a quote may run over a line break.
func (d *Doc) prose(lines []Item) {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(listMarker.ReplaceAllString(l.Text, ""))
	}
	text := b.String()
	lineAt := func(off int) int { return lines[0].Line + strings.Count(text[:off], "\n") }
	s := d.cur()
	for _, sp := range codeSpans(text) {
		s.Spans = append(s.Spans, Item{Line: lineAt(sp.start), Text: sp.text(text)})
	}
	for _, q := range quotes.Find(text) {
		s.Quotes = append(s.Quotes, Item{Line: lines[0].Line + q.Line - 1, Text: q.Text})
	}
	rest := blankSpans(text)
	p := para{from: lines[0].Line, to: lines[len(lines)-1].Line, quote: true}
	for _, l := range lines {
		p.quote = p.quote && strings.HasPrefix(strings.TrimSpace(l.Text), ">")
	}
	for _, m := range link.FindAllStringSubmatchIndex(rest, -1) {
		target := d.resolve(rest[m[2]:m[3]])
		s.Links = append(s.Links, Item{Line: lineAt(m[0]), Text: target})
		p.links = append(p.links, target)
	}
	d.paras = append(d.paras, p)
	rest = blankGroup(rest, link)
	for _, m := range number.FindAllStringIndex(rest, -1) {
		s.Numbers = append(s.Numbers, Item{Line: lineAt(m[0]), Text: rest[m[0]:m[1]]})
	}
}

// table records a table, its quotes and its links.
func (d *Doc) table(t Table) {
	s := d.cur()
	s.Tables = append(s.Tables, t)
	for i, row := range t.Rows {
		line := t.Line + i
		if i > 0 {
			line++ // the delimiter row
		}
		for _, c := range row {
			for _, q := range quotes.Find(c) {
				s.Quotes = append(s.Quotes, Item{Line: line, Text: q.Text})
			}
			for _, m := range link.FindAllStringSubmatch(blankSpans(c), -1) {
				s.Links = append(s.Links, Item{Line: line, Text: d.resolve(m[1])})
			}
		}
	}
}

// resolve turns a link target into a path from the repository root, with
// its fragment; an external link, a fragment alone or an absolute path
// is kept as it is.
func (d *Doc) resolve(target string) string {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "/") ||
		strings.HasPrefix(target, "mailto:") {
		return target
	}
	file, frag, hasFrag := strings.Cut(target, "#")
	p := path.Join(path.Dir(d.Path), file)
	if strings.HasSuffix(file, "/") {
		p += "/"
	}
	if hasFrag {
		p += "#" + frag
	}
	return p
}

// cells splits a table row into its trimmed cells. A | inside a code span
// or escaped as \| does not split.
func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, `\|`) {
		row = row[:len(row)-1]
	}
	var out []string
	var cur strings.Builder
	inCode := false
	for i := 0; i < len(row); i++ {
		c := row[i]
		switch {
		case c == '\\' && i+1 < len(row) && row[i+1] == '|':
			cur.WriteString(`\|`)
			i++
			continue
		case c == '`':
			inCode = !inCode
		case c == '|' && !inCode:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(out, strings.TrimSpace(cur.String()))
}

// normal collapses the white space of a code span, which may wrap.
func normal(s string) string { return strings.TrimSpace(space.ReplaceAllString(s, " ")) }

// A span is where a code span is in a text: from start to end, its
// backticks included.
type span struct{ start, end, ticks int }

// text returns the span's code, its white space collapsed, since a span
// may wrap.
func (sp span) text(s string) string { return normal(s[sp.start+sp.ticks : sp.end-sp.ticks]) }

// codeSpans finds the code spans of s as CommonMark does: a run of
// backticks opens a span that the next run of the same length closes; a
// run that nothing closes is text.
func codeSpans(s string) []span {
	var out []span
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		n := run(s, i)
		closed := false
		for j := i + n; j < len(s); {
			if s[j] != '`' {
				j++
				continue
			}
			m := run(s, j)
			if m == n {
				out = append(out, span{start: i, end: j + m, ticks: n})
				i, closed = j+m, true
				break
			}
			j += m
		}
		if !closed {
			i += n
		}
	}
	return out
}

// run returns how many backticks start at s[i:].
func run(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	return n
}

// spanTexts returns the code of the code spans of s.
func spanTexts(s string) []string {
	var out []string
	for _, sp := range codeSpans(s) {
		out = append(out, sp.text(s))
	}
	return out
}

// blankSpans replaces the code spans of s by spaces, byte for byte and
// keeping line breaks, so that offsets and line numbers stay as they were.
func blankSpans(s string) string {
	b := []byte(s)
	for _, sp := range codeSpans(s) {
		blankBytes(b[sp.start:sp.end])
	}
	return string(b)
}

// blankBytes makes every byte of b but a line break a space.
func blankBytes(b []byte) {
	for i := range b {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
}

// blankGroup blanks, in each match of re in s, only its first group: the
// target of a link, whose text stays.
func blankGroup(s string, re *regexp.Regexp) string {
	b := []byte(s)
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		blankBytes(b[m[2]:m[3]])
	}
	return string(b)
}

// slugs returns the anchors GitHub gives the headings of sections: the
// heading's text lower-cased, without its punctuation, spaces made
// hyphens; a repeated anchor gets -1, -2, ...
func slugs(sections []Section) []string {
	seen := map[string]int{}
	var out []string
	for _, s := range sections {
		if s.Level == 0 {
			continue
		}
		text := linkText.ReplaceAllString(s.Heading, "$1") // a link shows its text
		text = strings.ReplaceAll(text, "*", "")           // and emphasis is no text
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
				b.WriteRune(r)
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			seen[slug]++
			slug = fmt.Sprintf("%s-%d", slug, n)
		} else {
			seen[slug] = 1
		}
		out = append(out, slug)
	}
	return out
}
