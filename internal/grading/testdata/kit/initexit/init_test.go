package initexit

import "testing"

func TestAnything(t *testing.T) {}
