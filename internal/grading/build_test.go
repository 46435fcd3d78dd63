package grading

import (
	"strings"
	"testing"

	"golabs/internal/catalog"
)

func TestCatalogueMismatch(t *testing.T) {
	lab := &catalog.Lab{File: "labs/x.toml", Tests: []catalog.Test{
		{Name: "TestA", Package: "./x"},
		{Name: "TestHidden", Package: "./x", Private: true},
		{Name: "TestOther", Package: "./y"},
	}}
	bin := &Binary{Package: "./x", Tests: []string{"TestA", "TestB"}}
	errs := catalogueMismatch(lab, bin, false)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "test TestB in ./x has no points in labs/x.toml") {
		t.Errorf("without -private: got %v", errs)
	}
	errs = catalogueMismatch(lab, bin, true)
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "labs/x.toml grades TestHidden, but ./x (no tags) has no such test") {
		t.Errorf("with -private: got %v", errs)
	}
}

func TestTestEnv(t *testing.T) {
	t.Setenv("GORACE", "halt_on_error=1")
	if env := strings.Join(testEnv(), "\n"); !strings.Contains(env, "GORACE=halt_on_error=1 atexit_sleep_ms=0") {
		t.Errorf("testEnv must keep the user's GORACE and add atexit_sleep_ms=0")
	}
	t.Setenv("GORACE", "atexit_sleep_ms=5")
	if env := strings.Join(testEnv(), "\n"); !strings.Contains(env, "GORACE=atexit_sleep_ms=5\n") && !strings.HasSuffix(env, "GORACE=atexit_sleep_ms=5") {
		t.Errorf("testEnv must keep the user's own atexit_sleep_ms")
	}
}
