package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestUsageErrors checks usage errors: exit status 2, and a message that
// says what to do; the flags that chose a mode name the command instead.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-markdown", "-json"}, "-markdown and -json cannot be combined"},
		{[]string{"-p", "0"}, "-p 0: run at least one process at a time"},
		{[]string{"-sandbox", "jail"}, `-sandbox "jail": choose auto, bwrap, namespaces or none`},
		{[]string{"crawler"}, `unexpected argument "crawler": name labs with -lab, or a command`},
		{[]string{"-check"}, "-check is now a command: go run ./grader check"},
		{[]string{"-lab", "crawler", "-runs=5"}, "-runs is now a command: go run ./grader flakes -runs N"},
		{[]string{"-write-manifest"}, "go run ./grader manifest"},
		{[]string{"-list-packages"}, "go run ./grader list"},
		{[]string{"flakes"}, "-runs 0: run each test at least once"},
		{[]string{"flakes", "-runs", "3", "-json"}, "flag provided but not defined: -json"},
		{[]string{"check", "-tags", "solution"}, "flag provided but not defined: -tags"},
		{[]string{"check", "-runs", "0"}, "-runs 0: run the reference at least once"},
		{[]string{"check", "crawler"}, `unexpected argument "crawler": name labs with -lab`},
		{[]string{"merge", "a"}, "name the folder to write: -out DIR"},
		{[]string{"intake"}, "name one submission"},
		{[]string{"list", "-lab", "nope"}, `unknown lab "nope"`},
	} {
		var stdout, stderr bytes.Buffer
		code := cli(context.Background(), tt.args, &stdout, &stderr)
		assert.Equal(t, exitSetup, code, "%v", tt.args)
		assert.Contains(t, stderr.String(), tt.want, "%v", tt.args)
	}
}
