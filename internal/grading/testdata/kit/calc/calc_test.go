package calc

import "testing"

func add(t *testing.T, a, b int) (sum int) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Add(%d, %d) panicked: %v", a, b, r)
		}
	}()
	return Add(a, b)
}

func TestAdd(t *testing.T) {
	if got := add(t, 2, 3); got != 5 {
		t.Fatalf("Add(2, 3) = %d, want 5", got)
	}
}

func TestAddZero(t *testing.T) {
	if got := add(t, 0, 0); got != 0 {
		t.Fatalf("Add(0, 0) = %d, want 0", got)
	}
}
