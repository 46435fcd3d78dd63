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

// fixtureLabs returns the fixture's lab id as a selection.
func fixtureLabs(t *testing.T, root, id string) []*catalog.Lab {
	return []*catalog.Lab{gradingtest.Lab(t, root, id)}
}
