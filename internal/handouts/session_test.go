package handouts

import (
	"os"
	"slices"
	"strings"
	"testing"

	"golabs/internal/translation"
	"golabs/session"
)

// mermaidBlocks returns the contents of the ```mermaid code blocks of the
// Markdown file at path, each with its lines ended by "\n".
func mermaidBlocks(t *testing.T, path string) []string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the handout: %v", err)
	}
	d, err := translation.Parse(path, string(text))
	if err != nil {
		t.Fatalf("reading the handout: %v", err)
	}
	var blocks []string
	for _, b := range d.Blocks {
		lines := strings.Split(b.Text, "\n")
		if strings.TrimSpace(lines[0]) != "```mermaid" {
			continue
		}
		var body strings.Builder
		for _, l := range lines[1 : len(lines)-1] { // the fences left out
			body.WriteString(l + "\n")
		}
		blocks = append(blocks, body.String())
	}
	return blocks
}

// TestSessionDiagrams checks that Lab 6's handout draws, each exactly once,
// the state diagrams of both roles that session.Diagram draws from the
// transition table the lab's tests check endpoints against.
func TestSessionDiagrams(t *testing.T) {
	const path = "../../docs/session.md"
	blocks := mermaidBlocks(t, path)
	for _, r := range []session.Role{session.Initiator, session.Responder} {
		want := session.Diagram(r)
		switch n := len(slices.DeleteFunc(slices.Clone(blocks), func(b string) bool { return b != want })); n {
		case 1:
		case 0:
			t.Errorf("docs/session.md has no ```mermaid block that is exactly session.Diagram(%v), the %s's state "+
				"machine as the tests check it (session/table.go): the handout and the table disagree. Paste this "+
				"into the handout, under \"The state machine\" (part B):\n\n```mermaid\n%s```",
				r, strings.ToLower(r.String()), want)
		default:
			t.Errorf("docs/session.md draws session.Diagram(%v) %d times; once is enough (part B, \"The state machine\")", r, n)
		}
	}
}

// TestMermaidBlocks checks the reader the diagram test relies on.
func TestMermaidBlocks(t *testing.T) {
	path := t.TempDir() + "/h.md"
	text := "# h\n\n```go\nx\n```\n\n```mermaid\na\n  b\n```\ntext\n ```mermaid \nc\n```\n"
	if err := os.WriteFile(path, []byte(text), 0o666); err != nil {
		t.Fatal(err)
	}
	got := mermaidBlocks(t, path)
	want := []string{"a\n  b\n", "c\n"}
	if !slices.Equal(got, want) {
		t.Errorf("mermaidBlocks = %q, want %q", got, want)
	}
}
