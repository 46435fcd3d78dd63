package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/report"
	"golabs/internal/sandbox"
)

// The fixture kit is a small kit of its own, in testdata/kit: a module
// "fixture" with labs whose tests pass, fail, race, panic, hang, exit and
// lie in every way the grader must classify. The tests copy it to a
// temporary directory with a copy of the kit's gradehook, and with the
// hostile submissions of testdata/hostile and testdata/sandbox as labs of
// their own.
const fixtureDir = "testdata/kit"

var (
	fixtureOnce sync.Once
	fixtureRoot string
	fixtureG    *grading.Grader
	fixtureErr  error
)

// fixture returns the root of the fixture kit and a grader for it, shared
// by all tests so that each test binary is built once.
func fixture(t *testing.T) (string, *grading.Grader) {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureRoot, fixtureErr = os.MkdirTemp("", "grader-fixture-")
		if fixtureErr != nil {
			return
		}
		if fixtureErr = writeFixture(fixtureRoot); fixtureErr != nil {
			return
		}
		fixtureG, fixtureErr = grading.New(context.Background(), grading.Options{Root: fixtureRoot, Par: 2, Sandbox: sandbox.Detect()})
	})
	if fixtureErr != nil {
		t.Fatalf("setting up the fixture kit: %v", fixtureErr)
	}
	return fixtureRoot, fixtureG
}

// writeFixture writes the fixture kit to root.
func writeFixture(root string) error {
	if err := os.CopyFS(root, os.DirFS(fixtureDir)); err != nil {
		return err
	}
	files, err := gradehookCopy()
	if err != nil {
		return err
	}
	hostile, err := hostileFixtures()
	if err != nil {
		return err
	}
	contained, err := readHostile("sandbox")
	if err != nil {
		return err
	}
	for _, h := range append(hostile, contained...) {
		for name, text := range h.files {
			files[name] = text
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
	// os.CopyFS keeps testdata's read-only bits off, but make sure the
	// tests may edit their copies.
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			err = os.Chmod(p, 0o644)
		}
		return err
	})
}

// gradehookCopy returns the source files of the kit's gradehook, as the
// fixture module's package gradehook.
func gradehookCopy() (map[string]string, error) {
	dir := filepath.Join("..", "internal", "gradehook")
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	files := make(map[string]string)
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		text, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		files["internal/gradehook/"+filepath.Base(name)] = string(text)
	}
	return files, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureG != nil {
		fixtureG.Close()
	}
	if fixtureRoot != "" {
		os.RemoveAll(fixtureRoot)
	}
	os.Exit(code)
}

// fixtureLab loads the fixture's catalogue and returns the lab id.
func fixtureLab(t *testing.T, root, id string) *catalog.Lab {
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

// resultsByName indexes a lab's results.
func resultsByName(l *report.Lab) map[string]*report.Test {
	m := make(map[string]*report.Test)
	for _, r := range l.Tests {
		m[r.Name] = r
	}
	return m
}

// describe says what became of a test, for failure messages.
func describe(r *report.Test) string {
	return fmt.Sprintf("%s %s (exit %d, %s): %s\n%s", r.Name, r.Result, r.Exit, r.Elapsed, r.Reason, r.Output)
}

// fixtureLabs returns the fixture's lab id as a selection.
func fixtureLabs(t *testing.T, root, id string) []*catalog.Lab {
	return []*catalog.Lab{fixtureLab(t, root, id)}
}
