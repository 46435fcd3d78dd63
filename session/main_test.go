package session

import (
	"testing"

	"golabs/internal/gradehook"
)

// TestMain reports the tests' result to the grader through a channel that
// the code under test cannot write to (see package gradehook); under plain
// go test it only runs the tests.
func TestMain(m *testing.M) { gradehook.Main(m) }
