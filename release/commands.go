package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// A command is one command line a student document tells students to run.
type command struct {
	file string // the document, relative to the tree
	line int
	text string
}

var (
	fence      = regexp.MustCompile("^\\s*```")
	inlineCode = regexp.MustCompile("`([^`]+)`")
	// placeholder marks a command a student fills in: ./LAB/, TestName, N.
	// LAB= is an assignment, not a placeholder.
	placeholder = regexp.MustCompile(`\bLAB\b([^=]|$)|TestName|=N\b|\bN\b|<[^>]*>|\.\.\.`)
)

// documents returns the Markdown files of the tree at dir, relative to dir,
// slash-separated and in lexical order. A .git directory is left out.
func documents(dir string) ([]string, error) {
	var docs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".md") {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			docs = append(docs, filepath.ToSlash(rel))
		}
		return nil
	})
	return docs, err
}

// handoutCommands returns the go and make commands that the student tree's
// documents (every Markdown file in it) give: the lines of code blocks, and
// inline code, that start with "go " or "make ". A command with a
// placeholder to fill in (./LAB/, TestName, N) is left out.
func handoutCommands(dir string) ([]command, error) {
	docs, err := documents(dir)
	if err != nil {
		return nil, err
	}
	var out []command
	for _, rel := range docs {
		text, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		inBlock := false
		for i, line := range strings.Split(string(text), "\n") {
			if fence.MatchString(line) {
				inBlock = !inBlock
				continue
			}
			var candidates []string
			if inBlock {
				if c, _, _ := strings.Cut(line, "#"); strings.TrimSpace(c) != "" {
					candidates = append(candidates, strings.TrimSpace(c))
				}
			} else {
				for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
					candidates = append(candidates, m[1])
				}
			}
			for _, c := range candidates {
				c = stripEnv(c)
				if (strings.HasPrefix(c, "go ") || strings.HasPrefix(c, "make ")) && !placeholder.MatchString(c) {
					out = append(out, command{file: rel, line: i + 1, text: c})
				}
			}
		}
	}
	return out, nil
}

// stripEnv drops the VAR=value assignments that start a command line.
func stripEnv(c string) string {
	for {
		word, rest, ok := strings.Cut(c, " ")
		if !ok || !strings.Contains(word, "=") || strings.HasPrefix(word, "-") {
			return c
		}
		c = strings.TrimSpace(rest)
	}
}

// checkCommands proves that each command the student tree's documents give
// can run there (see tryCommands).
func checkCommands(dir string, w io.Writer) error {
	cmds, err := handoutCommands(dir)
	if err != nil {
		return err
	}
	return tryCommands(dir, cmds, w)
}

// tryCommands proves that each of cmds can run in the tree at dir: a go test
// command compiles its packages with its build flags (running no test), go
// run and go build build, go vet vets, and a make target exists in the
// Makefile, with the labs its LAB= names in the catalogue. It returns one
// error per command that cannot.
func tryCommands(dir string, cmds []command, w io.Writer) error {
	var failed []string
	seen := map[string]bool{}
	for _, c := range cmds {
		probe := probeFor(c.text)
		if probe == nil || seen[strings.Join(probe, " ")] {
			continue
		}
		seen[strings.Join(probe, " ")] = true
		var err error
		if probe[0] == "make" {
			err = makeTarget(dir, probe[1], probe[2:])
		} else {
			_, err = goCmd(dir, 5*time.Minute, probe[1:]...)
		}
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s:%d: %q does not work in the student tree: %v", c.file, c.line, c.text, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("the documents give commands that fail in the student tree:\n%s", strings.Join(failed, "\n"))
	}
	fmt.Fprintf(w, "  ok    %d commands the documents give build or exist in the student tree\n", len(seen))
	return nil
}

// probeFor returns the command that proves c can run without running any
// test or grading: nil if c is not one the check knows. For a make command
// it is "make", the target, and the command's LAB= assignment if any.
func probeFor(c string) []string {
	words := shellWords(c)
	if len(words) < 2 {
		return nil
	}
	switch words[0] {
	case "make":
		var target, lab string
		for _, w := range words[1:] {
			switch {
			case strings.HasPrefix(w, "LAB="):
				lab = w
			case target == "" && !strings.Contains(w, "=") && !strings.HasPrefix(w, "-"):
				target = w
			}
		}
		if target == "" {
			return nil
		}
		if lab != "" {
			return []string{"make", target, lab}
		}
		return []string{"make", target}
	case "go":
	default:
		return nil
	}
	switch words[1] {
	case "test":
		probe := []string{"go", "test", "-count=1", "-run", "^$"}
		var pkgs []string
		for i := 2; i < len(words); i++ {
			w := words[i]
			switch {
			case w == "-tags" && i+1 < len(words):
				probe = append(probe, w, words[i+1])
				i++
			case strings.HasPrefix(w, "-tags="), w == "-race":
				probe = append(probe, w)
			case slices.Contains([]string{"-run", "-bench", "-count", "-timeout", "-cpu", "-benchtime"}, w):
				i++ // a flag with a value that only says what to run
			case strings.HasPrefix(w, "-"):
			default:
				pkgs = append(pkgs, w)
			}
		}
		if len(pkgs) == 0 {
			return nil // a command in prose, such as "go test -overlay"
		}
		return append(probe, pkgs...)
	case "run":
		for _, w := range words[2:] {
			if !strings.HasPrefix(w, "-") {
				return []string{"go", "build", "-o", os.DevNull, w}
			}
		}
	case "vet", "build":
		if len(words) > 2 {
			return words
		}
	}
	return nil
}

// makeTarget checks that the tree's Makefile has target (make -n would run
// the recipes that call $(MAKE), and a check in the recipe with them), and
// that each lab a LAB= assignment among vars names has its catalogue file.
func makeTarget(dir, target string, vars []string) error {
	text, err := os.ReadFile(filepath.Join(dir, "Makefile"))
	if err != nil {
		return err
	}
	rule := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `\s*:`)
	if !rule.Match(text) {
		return fmt.Errorf("the Makefile has no target %q", target)
	}
	for _, v := range vars {
		labs, ok := strings.CutPrefix(v, "LAB=")
		if !ok {
			continue
		}
		for _, lab := range strings.Split(labs, ",") {
			if _, err := os.Stat(filepath.Join(dir, "labs", lab+".toml")); lab == "" || err != nil {
				return fmt.Errorf("LAB=%s: the catalogue has no lab %q (labs/%s.toml)", labs, lab, lab)
			}
		}
	}
	return nil
}

// shellWords splits a command line as a POSIX shell would, for the simple
// lines documents hold: words, and '...' or "..." quoting.
func shellWords(s string) []string {
	var words []string
	var b strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				b.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, b.String())
	}
	return words
}
