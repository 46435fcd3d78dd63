package selfcheck

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"golabs/internal/catalog"
	"golabs/internal/grading/gradingtest"
	"golabs/internal/report"
)

// fixture is the fixture kit these tests check, and its grader.
var fixture gradingtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	fixture.Close()
	os.Exit(code)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	root, g := fixture.Get(t)
	var out bytes.Buffer
	all, err := catalog.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	sound := Run(context.Background(), g, all, []*catalog.Lab{gradingtest.Lab(t, root, "calc")}, 2, &out, report.Style{}, false)
	got := out.String()
	if sound {
		t.Errorf("the self-check of a lab with an uncaught mutant says the kit is sound")
	}
	for _, want := range []string{
		"./calc (-tags private): 3 tests, 3 graded",
		"./calc (-tags solution,private): 3 tests, 3 graded",
		"3/3 tests fail, each saying \"not implemented\"",
		"runs: 6/6, 6/6",
		"off-by-one  yes     -5",
		"zero        no      -3",
		"calc: mutant zero (Add always returns zero.) is not caught: TestAddZero passed",
		"labs/manifest.sha256 does not exist: run make manifest and commit it", // the fixture has none
		"Check: FAIL: 2 problems in calc",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the report must contain %q:\n%s", want, got)
		}
	}
	if lines := strings.Split(strings.TrimSpace(got), "\n"); !strings.HasPrefix(lines[len(lines)-1], "Check: FAIL") {
		t.Errorf("the last line must be the verdict; got %q", lines[len(lines)-1])
	}
}
