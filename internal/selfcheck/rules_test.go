package selfcheck

import (
	"path/filepath"
	"strings"
	"testing"

	"golabs/internal/catalog"
	"golabs/internal/grading/gradingtest"
)

// TestHookFirst checks the rule that keeps a student's init from reading
// the harness's nonce first: every lab package imports gradehook from a
// provided file.
func TestHookFirst(t *testing.T) {
	root := gradingtest.Copy(t)
	if errs := hookFirst(root, gradingtest.Lab(t, root, "calc")); len(errs) > 0 {
		t.Errorf("calc imports gradehook from calc/grading.go, yet: %v", errs)
	}
	errs := hookFirst(root, gradingtest.Lab(t, root, "fix"))
	want := "labs/fix.toml: no provided file of ./fix imports fixture/internal/gradehook"
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), want) {
		t.Errorf("fix has no provided file that imports gradehook: got %v, want an error that says %q", errs, want)
	}
	// The real kit's labs follow the rule (the self-check holds them to it too).
	kit := filepath.Join("..", "..")
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
