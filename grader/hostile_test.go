package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"golabs/internal/catalog"
)

// A hostile fixture is a lab whose student file attacks the grader instead
// of solving the lab: testdata/hostile/<name>.txtar holds the lab's files,
// and its comment says what the attack is and how grading must classify it:
//
//	outcome: refused        the outcomes allowed, a comma-separated list
//	reason: os.Args was     a substring of the one-line reason ("" for any)
//
// Every hostile lab must score 0.
type hostile struct {
	name     string // the archive's name, which is also the lab's id
	outcomes []outcome
	reason   string
	files    map[string]string
}

// hostileFixtures reads testdata/hostile.
func hostileFixtures() ([]*hostile, error) { return readHostile("hostile") }

// readHostile reads the archives in testdata/dir.
func readHostile(dir string) ([]*hostile, error) {
	names, err := filepath.Glob(filepath.Join("testdata", dir, "*.txtar"))
	if err != nil {
		return nil, err
	}
	var out []*hostile
	for _, name := range names {
		a, err := txtar.ParseFile(name)
		if err != nil {
			return nil, err
		}
		h := &hostile{name: strings.TrimSuffix(filepath.Base(name), ".txtar"), files: make(map[string]string)}
		for _, line := range strings.Split(string(a.Comment), "\n") {
			if v, ok := strings.CutPrefix(line, "outcome:"); ok {
				for _, o := range strings.Split(v, ",") {
					h.outcomes = append(h.outcomes, outcome(strings.TrimSpace(o)))
				}
			}
			if v, ok := strings.CutPrefix(line, "reason:"); ok {
				h.reason = strings.TrimSpace(v)
			}
		}
		for _, f := range a.Files {
			h.files[f.Name] = string(f.Data)
		}
		out = append(out, h)
	}
	return out, nil
}

// TestHostileSubmissions grades every hostile fixture: each must score 0,
// with the outcome and reason its archive names.
func TestHostileSubmissions(t *testing.T) {
	root, g := fixture(t)
	fixtures, err := hostileFixtures()
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) == 0 {
		t.Fatal("no fixtures in testdata/hostile")
	}
	for _, h := range fixtures {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			lr, err := g.grade(context.Background(), fixtureLab(t, root, h.name), gradeOptions{})
			if err != nil {
				t.Fatalf("grading: %v", err)
			}
			if earned, max := lr.score(); earned != 0 {
				t.Errorf("the attack earned %d of %d points, want 0", earned, max)
			}
			for _, r := range lr.results {
				if !slices.Contains(h.outcomes, r.outcome) {
					t.Errorf("%s: outcome %s, want one of %v\n%s", r.test.Name, r.outcome, h.outcomes, r)
				}
				if !strings.Contains(r.reason, h.reason) {
					t.Errorf("%s: reason %q, want it to say %q", r.test.Name, r.reason, h.reason)
				}
			}
		})
	}
}

func TestHostileStaticCheck(t *testing.T) {
	// Without the catalogue's allow list, the static check refuses each
	// attack before it runs (except where it needs nothing it refuses).
	root, g := fixture(t)
	fixtures, err := hostileFixtures()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range fixtures {
		lab := fixtureLab(t, root, h.name)
		if len(lab.Allow) == 0 {
			continue
		}
		strict := *lab
		strict.Allow = nil
		if findings := g.screen(&strict); len(findings) == 0 {
			t.Errorf("%s: the static check found nothing to refuse", h.name)
		}
	}
}

// TestHookFirst checks the rule that keeps a student's init from reading
// the harness's nonce first: every lab package imports gradehook from a
// provided file.
func TestHookFirst(t *testing.T) {
	root, _ := fixture(t)
	if errs := hookFirst(root, fixtureLab(t, root, "calc")); len(errs) > 0 {
		t.Errorf("calc imports gradehook from calc/grading.go, yet: %v", errs)
	}
	errs := hookFirst(root, fixtureLab(t, root, "fix"))
	want := "labs/fix.toml: no provided file of ./fix imports fixture/internal/gradehook"
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
		t.Errorf("fix has no provided file that imports gradehook: got %v, want an error that says %q", errs, want)
	}
	// The real kit's labs follow the rule (the self-check holds them to it too).
	kit, err := findRoot("")
	if err != nil {
		t.Fatal(err)
	}
	labs, err := catalog.Load(kit)
	if err != nil {
		t.Fatal(err)
	}
	for _, lab := range labs {
		if errs := hookFirst(kit, lab); len(errs) > 0 {
			t.Errorf("%s: %v", lab.ID, errs)
		}
	}
}
