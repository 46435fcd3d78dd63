package main

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"golabs/internal/selfcheck"
)

// runCheck runs the self-check: go run ./grader check.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var (
		k       kitFlags
		runs    int
		par     int
		verbose bool
		sbMode  string
	)
	fs := newFlagSet("grader check", "usage: go run ./grader check [flags]\n\n"+
		"Proves the kit sound, lab by lab: the catalogue matches the code, the reference earns full marks\n"+
		"-runs times, the stubs earn nothing, every mutant loses points, the manifest is up to date.\n"+
		"Exit status: 0 sound, 1 a problem found, 2 usage or setup error.\n", stderr)
	k.register(fs)
	fs.IntVar(&runs, "runs", 3, "how many `times` to run the reference")
	fs.IntVar(&par, "p", runtime.NumCPU(), "run at most `n` processes at once")
	fs.BoolVar(&verbose, "v", false, "print the output of every test that went wrong, and each mutant's verdicts")
	fs.StringVar(&sbMode, "sandbox", "auto", "isolate each test process: `mode` auto, bwrap, namespaces or none")
	code := parse(fs, args, stderr, func() error {
		switch {
		case runs < 1:
			return fmt.Errorf("-runs %d: run the reference at least once", runs)
		case par < 1:
			return fmt.Errorf("-p %d: run at least one process at a time", par)
		case fs.NArg() > 0:
			return fmt.Errorf("unexpected argument %q: name labs with -lab", fs.Arg(0))
		}
		return checkSandbox(sbMode)
	})
	if code >= 0 {
		return code
	}
	root, all, labs, err := k.load()
	if err != nil {
		fmt.Fprintf(stderr, "grader check: %v\n", err)
		return exitSetup
	}
	g, err := openGrader(ctx, root, par, sbMode, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "grader check: %v\n", err)
		return exitSetup
	}
	defer g.Close()
	sound := selfcheck.Run(ctx, g, all, labs, runs, stdout, style(stdout), verbose)
	g.ClearProgress()
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "grader check: interrupted\n")
		return exitSetup
	case !sound:
		return exitFailed
	}
	return exitOK
}
