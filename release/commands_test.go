package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProbeFor(t *testing.T) {
	for c, want := range map[string]string{
		"go test -race ./crawler/":                                   "go test -count=1 -run ^$ -race ./crawler/",
		"go test -run '^$' -bench . -tags solution ./kv/":            "go test -count=1 -run ^$ -tags solution ./kv/",
		"go test -race -run 'TestAndSet|ConcurrentMutex' ./crawler/": "go test -count=1 -run ^$ -race ./crawler/",
		"go run ./grader -lab crawler -runs 50":                      "go build -o " + os.DevNull + " ./grader",
		"make grade LAB=crawler":                                     "make grade",
		"go test -overlay":                                           "",
		"go vet":                                                     "",
		"ls -l":                                                      "",
	} {
		if got := strings.Join(probeFor(c), " "); got != want {
			t.Errorf("probeFor(%q) = %q, want %q", c, got, want)
		}
	}
}

func TestHandoutCommands(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "docs"), 0o755)
	os.WriteFile(filepath.Join(dir, "docs", "lab.md"), []byte("Run `go test -race ./lab/` or\n\n```sh\n"+
		"make grade   # your score\nLAB_SEED=7 go test -run '^TestX$' ./lab/\ngo test -race ./LAB/\n```\n"+
		"and `go test -run '^TestName$' ./lab/` (a placeholder).\n"), 0o644)
	cmds, err := handoutCommands(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cmds {
		got = append(got, c.text)
	}
	want := "go test -race ./lab/|make grade|go test -run '^TestX$' ./lab/"
	if strings.Join(got, "|") != want {
		t.Errorf("commands %q, want %q: code spans and code block lines, environment dropped, placeholders left out", got, want)
	}
}
