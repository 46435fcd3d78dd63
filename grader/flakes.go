package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golabs/internal/report"
)

// runFlakes runs the flake finder: go run ./grader flakes -runs N. It
// prints its report on stdout and returns the exit status: 0 if every run
// of every test passed, 1 if some run did not, 2 on a setup problem or an
// interruption.
func runFlakes(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var (
		k       kitFlags
		s       selectFlags
		n       int
		verbose bool
	)
	fs := newFlagSet("grader flakes", "usage: go run ./grader flakes -runs N [flags]\n\n"+
		"Finds flaky tests: builds each lab once, runs each selected test N times, each run a fresh\n"+
		"process, and prints each test's pass rate and ways of failing. Run it on the reference\n"+
		"(-tags solution) before a release. Exit status: 0 every run passed, 1 some run did not,\n"+
		"2 usage or setup error.\n", stderr)
	k.register(fs)
	s.register(fs)
	fs.IntVar(&n, "runs", 0, "run each test `n` times (required)")
	fs.BoolVar(&verbose, "v", false, "print the output of the first run that failed each way")
	code := parse(fs, args, stderr, func() error {
		if n < 1 {
			return fmt.Errorf("-runs %d: run each test at least once (-runs 100, say)", n)
		}
		return s.check()
	})
	if code >= 0 {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "grader flakes: %v\n", err)
		return exitSetup
	}
	root, _, labs, err := k.load()
	if err != nil {
		return fail(err)
	}
	sel, labs, err := s.selection(labs)
	if err != nil {
		return fail(err)
	}
	g, err := openGrader(ctx, root, s.par, s.sandbox, stderr)
	if err != nil {
		return fail(err)
	}
	defer g.Close()
	start := time.Now()
	hunts := make([]*report.Flakes, len(labs))
	errs := make([]error, len(labs))
	var wg sync.WaitGroup
	for i, lab := range labs {
		wg.Go(func() { hunts[i], errs[i] = g.Hunt(ctx, lab, sel, n) })
	}
	wg.Wait()
	g.ClearProgress()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return fail(errors.New("interrupted"))
		}
		return fail(fmt.Errorf("the catalogue does not match the code; fix these problems:\n%v", report.Indent(err.Error(), "  ")))
	}
	ok := report.WriteFlakes(stdout, hunts, n, style(stdout), verbose, time.Since(start), g.Par())
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(stderr, "grader flakes: interrupted: the counts are of the runs done before\n")
		return exitSetup
	case !ok:
		return exitFailed
	}
	return exitOK
}
