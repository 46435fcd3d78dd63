package cheatok

import "testing"

func TestSolved(t *testing.T) {
	if Solve() != 42 {
		t.Fatal("Solve() != 42")
	}
}
