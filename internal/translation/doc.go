// Package translation holds a translated document to its original. The
// kit's handouts exist in English (docs/) and in Simplified Chinese
// (docs/zh/); students search a handout for the message a test printed and
// copy its commands, so what they search for and copy must be the same in
// both: the headings (a translated heading names the one it translates on
// a line <!-- en: ... --> above it), the code blocks, the commands and code
// in the text, the quoted failure messages, the numbers, the links and the
// tables' test names and points.
//
// Parse reads a Markdown document's skeleton of these; Compare lists where
// a translation's skeleton differs from its original's, each Difference
// with its lines in both. The prose around them is free.
//
// Parse reads Markdown as the handouts write it: # headings, fenced code
// blocks, code spans, inline links and pipe tables. It refuses, naming the
// line, a heading underlined with = or - and a reference link definition,
// whose content it could not compare; indented code blocks and code fenced
// inside a block quote are read as text, and an HTML comment over several
// lines is skipped.
package translation
