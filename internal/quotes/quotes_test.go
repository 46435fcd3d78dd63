package quotes

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFind(t *testing.T) {
	text := "intro\n**`fetched N pages more than once`.** Two goroutines\n" +
		"**`100 requests each instead\nof 5`** / **`WARNING: DATA RACE`**\n`plain code` is no quote, **nor bold text**\n" +
		"**`returned too early` / `pages were fetched after it returned`.**\n"
	assert.Equal(t, []Quote{
		{Line: 2, Text: "fetched N pages more than once"},
		{Line: 3, Text: "100 requests each instead of 5"},
		{Line: 4, Text: "WARNING: DATA RACE"},
		{Line: 6, Text: "returned too early"},
		{Line: 6, Text: "pages were fetched after it returned"},
	}, Find(text))
}

func TestPrintable(t *testing.T) {
	lits := []string{
		"fetched \x00 pages more than once: \x00",
		"100 more clients grew the saved state by \x00 bytes: \x00 bytes per client.\nExpected: ...",
		"\x00 did not return within \x00.\nLikely cause: \x00",
		"the workload of \x00 clients",
		"Clerk.\x00 after the server went away returned \x00.\nExpected: an error",
		"\x00 got no reply within \x00.\nLikely cause: the server does not serve this connection (is every connection served in a goroutine of its own?)",
		"\x00: \x00",
	}
	for quote, want := range map[string]bool{
		"fetched N pages more than once":                                                           true,
		"fetched 3 pages more than once":                                                           true,
		"fetched N pages twice":                                                                    false,
		"100 more clients grew the saved state by N bytes":                                         true,
		"200 more clients grew the saved state by N bytes":                                         false, // a number the tests print as it is
		"the workload of 4 clients did not return within 30s":                                      true,  // one literal the subject of the other
		"Clerk.Get after the server went away returned <nil>":                                      true,
		"KV.Put got no reply within 10s ... is every connection served in a goroutine of its own?": true,
		"a message no test prints at all":                                                          false, // "%s: %v" prints anything, but proves nothing
		"WARNING: DATA RACE":                                                                       true,
	} {
		assert.Equal(t, want, Printable(quote, lits), "%q", quote)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "x_test.go")
	require.NoError(t, os.WriteFile(src, []byte("package x\n\nvar m = \"fetched %d pages \" +\n\t\"more than once\"\n"), 0o644))
	doc := filepath.Join(dir, "lab.md")
	require.NoError(t, os.WriteFile(doc, []byte("# Lab\n\n**`fetched N pages more than once`**: ...\n\n**`fetched N pages twice`**: ...\n"), 0o644))
	errs, err := Check(doc, []string{src})
	require.NoError(t, err)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "lab.md:5: the handout quotes \"fetched N pages twice\", which no test prints")
}
