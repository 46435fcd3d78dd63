package grading_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"golabs/internal/grading"
	"golabs/internal/grading/gradingtest"
)

// TestHostileSubmissions grades every hostile fixture: each must score 0,
// with the outcome and reason its archive names.
func TestHostileSubmissions(t *testing.T) {
	root, g := fixture.Get(t)
	fixtures, err := gradingtest.Hostiles("hostile")
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) == 0 {
		t.Fatal("no fixtures in testdata/hostile")
	}
	for _, h := range fixtures {
		t.Run(h.Name, func(t *testing.T) {
			t.Parallel()
			lr, err := g.Grade(context.Background(), gradingtest.Lab(t, root, h.Name), grading.Selection{})
			if err != nil {
				t.Fatalf("grading: %v", err)
			}
			if earned, max := lr.Score, lr.MaxScore; earned != 0 {
				t.Errorf("the attack earned %d of %d points, want 0", earned, max)
			}
			for _, r := range lr.Tests {
				if !slices.Contains(h.Outcomes, r.Result) {
					t.Errorf("%s: outcome %s, want one of %v\n%s", r.Name, r.Result, h.Outcomes, describe(r))
				}
				if !strings.Contains(r.Reason, h.Reason) {
					t.Errorf("%s: reason %q, want it to say %q", r.Name, r.Reason, h.Reason)
				}
			}
		})
	}
}

func TestHostileStaticCheck(t *testing.T) {
	// Without the catalogue's allow list, the static check refuses each
	// attack before it runs (except where it needs nothing it refuses).
	root, g := fixture.Get(t)
	fixtures, err := gradingtest.Hostiles("hostile")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range fixtures {
		lab := gradingtest.Lab(t, root, h.Name)
		if len(lab.Allow) == 0 {
			continue
		}
		strict := *lab
		strict.Allow = nil
		lr, err := g.Grade(context.Background(), &strict, grading.Selection{})
		if err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		if len(lr.Refused) == 0 || lr.Score != 0 {
			t.Errorf("%s: the static check found nothing to refuse", h.Name)
		}
	}
}
