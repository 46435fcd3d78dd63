package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestUsageErrors checks usage errors: exit status 2, and a message that
// says what to do; the flags that chose a mode name the command instead.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-markdown", "-json"}, "-markdown and -json cannot be combined"},
		{[]string{"-p", "0"}, "-p 0: run at least one process at a time"},
		{[]string{"-sandbox", "jail"}, `-sandbox "jail": choose auto, bwrap, namespaces or none`},
		{[]string{"crawler"}, `unexpected argument "crawler": name labs with -lab, or a command`},
		{[]string{"-check"}, "-check is now a command: go run ./grader check"},
		{[]string{"-lab", "crawler", "-runs=5"}, "-runs is now a command: go run ./grader flakes -runs N"},
		{[]string{"-write-manifest"}, "go run ./grader manifest"},
		{[]string{"-list-packages"}, "go run ./grader list"},
		{[]string{"flakes"}, "-runs 0: run each test at least once"},
		{[]string{"flakes", "-runs", "3", "-json"}, "flag provided but not defined: -json"},
		{[]string{"check", "-tags", "solution"}, "flag provided but not defined: -tags"},
		{[]string{"check", "-runs", "0"}, "-runs 0: run the reference at least once"},
		{[]string{"check", "crawler"}, `unexpected argument "crawler": name labs with -lab`},
		{[]string{"merge", "a"}, "name the folder to write: -out DIR"},
		{[]string{"intake"}, "name one submission"},
		{[]string{"list", "-lab", "nope"}, `unknown lab "nope"`},
	} {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), tt.args, &stdout, &stderr)
		assert.Equal(t, exitSetup, code, "%v", tt.args)
		assert.Contains(t, stderr.String(), tt.want, "%v", tt.args)
	}
}

// commandFlags runs "grader [cmd] -h" and reads the flags it lists: each
// flag's name, and whether it takes a value.
func commandFlags(t *testing.T, cmd string) map[string]bool {
	t.Helper()
	args := []string{"-h"}
	if cmd != "" {
		args = []string{cmd, "-h"}
	}
	var stderr bytes.Buffer
	if code := cli(context.Background(), args, io.Discard, &stderr); code != exitOK {
		t.Fatalf("grader %s -h: exit %d\n%s", cmd, code, stderr.String())
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -([\w-]+)( \S+)?$`).FindAllStringSubmatch(stderr.String(), -1) {
		flags[m[1]] = m[2] != ""
	}
	if len(flags) == 0 && cmd != "merge" && cmd != "manifest" {
		t.Fatalf("grader %s -h lists no flags:\n%s", cmd, stderr.String())
	}
	return flags
}

// TestDocumentedCommands reads every "go run ./grader ..." that the kit's
// documents, scripts and workflows give, and holds it to the grader's
// command line: a command that exists, flags it defines (with a value
// where one is needed), and positional arguments only where it takes them.
func TestDocumentedCommands(t *testing.T) {
	files := []string{"../README.md", "../Makefile", "../labs/README.md", "../.ci/run"}
	for _, pattern := range []string{"../docs/*.md", "../docs/instructors/*", "../release/gradescope/*", "../release/student/*", "../.github/workflows/*"} {
		more, _ := filepath.Glob(pattern)
		files = append(files, more...)
	}
	positional := map[string]bool{"batch": true, "merge": true, "intake": true}
	known := map[string]map[string]bool{}
	invocation := regexp.MustCompile(`go run \./grader\b([^\n]*)`)
	// Where a command ends: a comment, a pipe, a redirection, the end of
	// inline code, a column of a table (two spaces), a sentence.
	end := regexp.MustCompile("[#|>`;)]|&&|  |\\. |: |[.:]$")
	seen := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			continue // a staff file the student tree leaves out
		}
		for _, m := range invocation.FindAllStringSubmatch(string(data), -1) {
			line := m[1]
			if i := end.FindStringIndex(line); i != nil {
				line = line[:i[0]]
			}
			words := strings.Fields(line)
			cmd := ""
			if len(words) > 0 && slices.ContainsFunc(commands, func(c command) bool { return c.name == words[0] }) {
				cmd, words = words[0], words[1:]
			}
			if known[cmd] == nil {
				known[cmd] = commandFlags(t, cmd)
			}
			flags := known[cmd]
			seen++
			for i := 0; i < len(words); i++ {
				w := words[i]
				switch {
				case strings.HasPrefix(w, "["): // a placeholder: [flags], [-lab L]
					for !strings.HasSuffix(words[i], "]") && i+1 < len(words) {
						i++
					}
				case strings.Contains(w, "$") || strings.Trim(w, `"'`) == "": // a shell variable
				case w == "-h":
				case strings.HasPrefix(w, "-"):
					name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
					takes, ok := flags[name]
					if !ok {
						t.Errorf("%s: go run ./grader %s: %s has no flag -%s", file, m[1], strings.TrimSpace("grader "+cmd), name)
						continue
					}
					if takes && !hasValue {
						i++ // its value
					}
				case !positional[cmd] && w != strings.ToUpper(w):
					t.Errorf("%s: go run ./grader %s: %s takes no argument %q", file, m[1], strings.TrimSpace("grader "+cmd), w)
				}
			}
		}
	}
	if seen < 20 {
		t.Errorf("found %d documented grader commands; the documents hold more: is the pattern broken?", seen)
	}
}
