package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"golabs/internal/grading"
	"golabs/internal/report"
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
	outcomes []report.Outcome
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
					h.outcomes = append(h.outcomes, report.Outcome(strings.TrimSpace(o)))
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
			lr, err := g.Grade(context.Background(), fixtureLab(t, root, h.name), grading.Selection{})
			if err != nil {
				t.Fatalf("grading: %v", err)
			}
			if earned, max := lr.Score, lr.MaxScore; earned != 0 {
				t.Errorf("the attack earned %d of %d points, want 0", earned, max)
			}
			for _, r := range lr.Tests {
				if !slices.Contains(h.outcomes, r.Result) {
					t.Errorf("%s: outcome %s, want one of %v\n%s", r.Name, r.Result, h.outcomes, describe(r))
				}
				if !strings.Contains(r.Reason, h.reason) {
					t.Errorf("%s: reason %q, want it to say %q", r.Name, r.Reason, h.reason)
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
		lr, err := g.Grade(context.Background(), &strict, grading.Selection{})
		if err != nil {
			t.Fatalf("%s: %v", h.name, err)
		}
		if len(lr.Refused) == 0 || lr.Score != 0 {
			t.Errorf("%s: the static check found nothing to refuse", h.name)
		}
	}
}
