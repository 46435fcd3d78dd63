//go:build private

package calc

import "testing"

func TestHidden(t *testing.T) {
	if add(t, -1, 1) != 0 {
		t.Fatal("Add(-1, 1) != 0")
	}
}
