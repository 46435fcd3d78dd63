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
		"go run ./grader flakes -lab crawler -runs 50":               "go build -o " + os.DevNull + " ./grader",
		"make grade LAB=crawler":                                     "make grade LAB=crawler",
		"make grade LAB=kv GRADEFLAGS=-v":                            "make grade LAB=kv",
		"make GRADEFLAGS=-v grade":                                   "make grade",
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
	os.MkdirAll(filepath.Join(dir, "labs"), 0o755)
	os.WriteFile(filepath.Join(dir, "labs", "README.md"), []byte("Try `make grade LAB=lab` and `make check LAB=<name>`.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("```\nmake test LAB=lab   # one lab\n```\n"), 0o644)
	cmds, err := handoutCommands(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cmds {
		got = append(got, c.text)
	}
	want := "make test LAB=lab|go test -race ./lab/|make grade|go test -run '^TestX$' ./lab/|make grade LAB=lab"
	if strings.Join(got, "|") != want {
		t.Errorf("commands %q, want %q: code spans and code block lines of every Markdown file, environment dropped, placeholders left out", got, want)
	}
}

func TestMakeTarget(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "labs"), 0o755)
	os.WriteFile(filepath.Join(dir, "Makefile"), []byte("grade: ## grade\n\tgo run ./grader\n"), 0o644)
	for _, name := range []string{"crawler", "kv"} {
		os.WriteFile(filepath.Join(dir, "labs", name+".toml"), nil, 0o644)
	}
	for c, ok := range map[string]bool{
		"make grade":                   true,
		"make grade LAB=kv":            true,
		"make grade LAB=crawler,kv":    true,
		"make grade LAB=raft":          false,
		"make grade LAB=crawler,":      false,
		"make release OUT=../students": false,
	} {
		probe := probeFor(c)
		err := makeTarget(dir, probe[1], probe[2:])
		if (err == nil) != ok {
			t.Errorf("makeTarget for %q: %v; want ok = %v", c, err, ok)
		}
	}
}
