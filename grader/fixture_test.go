package main

import (
	"os"
	"testing"

	"golabs/internal/catalog"
	"golabs/internal/grading/gradingtest"
)

// fixture is the fixture kit (package gradingtest) these tests grade, and
// its grader.
var fixture gradingtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	fixture.Close()
	os.Exit(code)
}

// fixtureLab loads the catalogue of the kit at root and returns the lab id.
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

// fixtureLabs returns the fixture's lab id as a selection.
func fixtureLabs(t *testing.T, root, id string) []*catalog.Lab {
	return []*catalog.Lab{fixtureLab(t, root, id)}
}
