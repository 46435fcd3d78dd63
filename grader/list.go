package main

import (
	"context"
	"fmt"
	"io"
)

// runList prints the Go packages of the labs, one a line, for make test
// and make stress.
func runList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var k kitFlags
	fs := newFlagSet("grader list", "usage: go run ./grader list [-lab L]\n\nPrints the Go packages of the labs, one a line.\n", stderr)
	k.register(fs)
	if code := parse(fs, args, stderr, func() error {
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected argument %q%s", fs.Arg(0), ": name labs with -lab")
		}
		return nil
	}); code >= 0 {
		return code
	}
	_, _, labs, err := k.load()
	if err != nil {
		fmt.Fprintf(stderr, "grader list: %v\n", err)
		return exitSetup
	}
	for _, lab := range labs {
		for _, p := range lab.Packages {
			fmt.Fprintln(stdout, p)
		}
	}
	return exitOK
}
