package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"golabs/internal/intake"
)

// runIntake puts the student files of one submission into the kit's tree,
// over the stubs, by the same rules as grader batch: go run ./grader intake
// SUBMISSION. The Gradescope autograder calls it on its submission folder.
func runIntake(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var k kitFlags
	fs := newFlagSet("grader intake", "usage: go run ./grader intake [-lab L] SUBMISSION\n\n"+
		"Checks a submission (a folder, .zip or .tar.gz) entry by entry, finds the catalogue's student\n"+
		"files in it, and writes them into this tree over the stubs; nothing else of it is used. It\n"+
		"prints a note per student file not found, which keeps its stub. Exit status: 0 taken in,\n"+
		"1 the submission is broken (it says why), 2 usage or setup error.\n", stderr)
	k.register(fs)
	code := parse(fs, args, stderr, func() error {
		if fs.NArg() != 1 {
			return errors.New("name one submission: go run ./grader intake SUBMISSION")
		}
		return nil
	})
	if code >= 0 {
		return code
	}
	root, _, labs, err := k.load()
	if err != nil {
		fmt.Fprintf(stderr, "grader intake: %v\n", err)
		return exitSetup
	}
	var student []string
	for _, lab := range labs {
		student = append(student, lab.StudentFiles...)
	}
	sub, err := intake.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "grader intake: %v\n", err)
		return exitSetup
	}
	taken, err := sub.Take(student, intake.DefaultLimits)
	var broken *intake.BrokenError
	switch {
	case errors.As(err, &broken):
		fmt.Fprintf(stdout, "The submission cannot be graded: %v\n", err)
		return exitFailed
	case err != nil:
		fmt.Fprintf(stderr, "grader intake: %v\n", err)
		return exitSetup
	}
	if err := taken.Place(root); err != nil {
		fmt.Fprintf(stderr, "grader intake: %v\n", err)
		return exitSetup
	}
	fmt.Fprintf(stdout, "Took %d of %d student files from the submission.\n", len(taken.Files), len(student))
	if len(taken.Notes) > 0 {
		fmt.Fprintf(stdout, "%s\n", strings.Join(taken.Notes, "\n"))
	}
	return exitOK
}
