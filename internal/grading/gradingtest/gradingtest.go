// Package gradingtest provides the fixture kit that the tests of the
// grader grade: a small kit of its own (internal/grading/testdata/kit, a
// module "fixture") with labs whose tests pass, fail, race, panic, hang,
// exit and lie in every way grading must classify, a copy of the kit's
// gradehook, and the hostile submissions of testdata/hostile and
// testdata/sandbox as labs of their own.
//
// A hostile submission is a txtar archive of a lab's files whose comment
// says what the attack is and how grading must classify it:
//
//	outcome: refused        the outcomes allowed, a comma-separated list
//	reason: os.Args was     a substring of the one-line reason ("" for any)
package gradingtest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/txtar"

	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/report"
	"golabs/internal/sandbox"
)

// dir returns the directory of this package's source.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

// Testdata returns the grading package's testdata directory.
func Testdata() string { return filepath.Join(dir(), "..", "testdata") }

// A Hostile is a lab whose student file attacks the grader instead of
// solving the lab. Every hostile lab must score 0.
type Hostile struct {
	Name     string // the archive's name, which is also the lab's id
	Outcomes []report.Outcome
	Reason   string
	Files    map[string]string
}

// Hostiles reads the archives of testdata/set: "hostile" or "sandbox".
func Hostiles(set string) ([]*Hostile, error) {
	names, err := filepath.Glob(filepath.Join(Testdata(), set, "*.txtar"))
	if err != nil {
		return nil, err
	}
	var out []*Hostile
	for _, name := range names {
		a, err := txtar.ParseFile(name)
		if err != nil {
			return nil, err
		}
		h := &Hostile{Name: strings.TrimSuffix(filepath.Base(name), ".txtar"), Files: make(map[string]string)}
		for _, line := range strings.Split(string(a.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "outcome:"); ok {
				for _, o := range strings.Split(v, ",") {
					h.Outcomes = append(h.Outcomes, report.Outcome(strings.TrimSpace(o)))
				}
			}
			if v, ok := strings.CutPrefix(line, "reason:"); ok {
				h.Reason = strings.TrimSpace(v)
			}
		}
		for _, f := range a.Files {
			h.Files[f.Name] = string(f.Data)
		}
		out = append(out, h)
	}
	return out, nil
}

// WriteKit writes the fixture kit to root, which may exist.
func WriteKit(root string) error {
	if err := os.CopyFS(root, os.DirFS(filepath.Join(Testdata(), "kit"))); err != nil {
		return err
	}
	files := map[string]string{}
	hook, err := filepath.Glob(filepath.Join(dir(), "..", "..", "gradehook", "*.go"))
	if err != nil {
		return err
	}
	for _, name := range hook {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		text, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		files["internal/gradehook/"+filepath.Base(name)] = string(text)
	}
	for _, set := range []string{"hostile", "sandbox"} {
		hs, err := Hostiles(set)
		if err != nil {
			return err
		}
		for _, h := range hs {
			for name, text := range h.Files {
				files[name] = text
			}
		}
	}
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return err
		}
	}
	// The tests edit their copies: make every file writable.
	return filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			err = os.Chmod(p, 0o644)
		}
		return err
	})
}

// Copy writes the fixture kit into a temporary directory of the test's
// own, which the test may change, and returns it.
func Copy(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	if err := WriteKit(root); err != nil {
		t.Fatalf("writing the fixture kit: %v", err)
	}
	return root
}

// A Shared is a fixture kit and a grader of it that every test of a test
// binary shares, so that each of its test binaries is built once. Its zero
// value is ready; the test binary's TestMain calls Close.
type Shared struct {
	once sync.Once
	root string
	g    *grading.Grader
	err  error
}

// Get returns the root of the shared fixture kit and its grader, making
// them on first use.
func (s *Shared) Get(t testing.TB) (string, *grading.Grader) {
	t.Helper()
	s.once.Do(func() {
		if s.root, s.err = os.MkdirTemp("", "grader-fixture-"); s.err != nil {
			return
		}
		if s.err = WriteKit(s.root); s.err != nil {
			return
		}
		s.g, s.err = grading.New(context.Background(), grading.Options{Root: s.root, Par: 2, Sandbox: sandbox.Detect()})
	})
	if s.err != nil {
		t.Fatalf("setting up the fixture kit: %v", s.err)
	}
	return s.root, s.g
}

// Close removes the shared kit and the grader's binaries.
func (s *Shared) Close() {
	if s.g != nil {
		s.g.Close()
	}
	if s.root != "" {
		os.RemoveAll(s.root)
	}
}

// Lab loads the catalogue of the kit at root and returns the lab id.
func Lab(t testing.TB, root, id string) *catalog.Lab {
	t.Helper()
	labs, err := catalog.Load(root)
	if err != nil {
		t.Fatalf("the fixture's catalogue: %v", err)
	}
	for _, l := range labs {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("the fixture has no lab %s", id)
	return nil
}
