package initexit

import (
	"testing"

	"fixture/internal/gradehook"
)

func TestMain(m *testing.M) { gradehook.Main(m) }
