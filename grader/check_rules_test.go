package main

import (
	"strings"
	"testing"

	"golabs/internal/catalog"
)

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
