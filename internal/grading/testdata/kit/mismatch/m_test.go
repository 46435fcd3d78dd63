package mismatch

import "testing"

func TestGraded(t *testing.T) {}

func TestUngraded(t *testing.T) {}
