package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"golabs/internal/grading"
	"golabs/internal/progress"
	"golabs/internal/report"
)

// gradeFlags is the command line of grading, the default command.
type gradeFlags struct {
	kitFlags
	selectFlags
	overlay    string
	verbose    bool
	json       bool
	markdown   bool
	gradescope string
	junit      string
	strict     bool
}

func (c *gradeFlags) check() error {
	if err := c.selectFlags.check(); err != nil {
		return err
	}
	if c.markdown && c.json {
		return errors.New("-markdown and -json cannot be combined: choose one format for standard output " +
			"(-gradescope and -junit write files, and go with either)")
	}
	return nil
}

// runGrade grades the labs and prints the report.
func runGrade(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &gradeFlags{}
	fs := newFlagSet("grader", "usage: go run ./grader [flags]\n       go run ./grader COMMAND [flags]   (check, flakes, manifest, list, batch, merge, intake; COMMAND -h tells more)\n\n"+
		"Grades the labs of the catalogue in labs/: each test in a process of its own, then \"Score: X/Y\".\n"+
		"Exit status: 0 graded, 2 usage or setup error; with -strict, 1 if a point was missed and 3 if\n"+
		"protected files changed. The manual: docs/grader.md.\n", stderr)
	c.kitFlags.register(fs)
	c.selectFlags.register(fs)
	fs.StringVar(&c.overlay, "overlay", "", "pass -overlay `file` to go")
	fs.BoolVar(&c.verbose, "v", false, "print the output of every test that did not pass")
	fs.BoolVar(&c.json, "json", false, "print the result as JSON (schema: docs/grader.md)")
	fs.BoolVar(&c.markdown, "markdown", false, "print the result as Markdown, for a CI job summary")
	fs.StringVar(&c.gradescope, "gradescope", "", "also write Gradescope's results.json to `file`")
	fs.StringVar(&c.junit, "junit", "", "also write the result as JUnit XML to `file`")
	fs.BoolVar(&c.strict, "strict", false, "refuse to grade if protected files changed (exit 3); exit 1 if a point was missed")
	if code := parse(fs, args, stderr, c.check); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "grader: unexpected argument %q: name labs with -lab, or a command: check, flakes, manifest, list, batch, merge, intake\n", fs.Arg(0))
		return exitSetup
	}
	start := time.Now()
	reported := false // the report files hold the grading
	// Gradescope shows the student why the grader could not grade, rather
	// than an autograder that produced nothing.
	failed := func(problem string) {
		if !reported && c.gradescope != "" {
			if err := report.WriteGradescopeFailure(c.gradescope, problem); err != nil {
				fmt.Fprintf(stderr, "grader: %v\n", err)
			}
		}
	}
	setupErr := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "grader: "+format+"\n", args...)
		failed(fmt.Sprintf(format, args...))
		return exitSetup
	}

	root, _, labs, err := c.load()
	if err != nil {
		return setupErr("%v", err)
	}
	sel, labs, err := c.selection(labs)
	if err != nil {
		return setupErr("%v", err)
	}
	if c.overlay != "" {
		if sel.Overlay, err = filepath.Abs(c.overlay); err != nil {
			return setupErr("-overlay: %v", err)
		}
	}
	integ := grading.CheckIntegrity(root, labs) // before anything is built
	if c.strict && !integ.OK() {
		fmt.Fprint(stderr, integ.Refusal())
		failed(strings.TrimPrefix(integ.Refusal(), "grader: "))
		return exitRefused
	}
	integ.Warn(stderr)

	g, err := openGrader(ctx, root, c.par, c.sandbox, stderr)
	if err != nil {
		return setupErr("%v", err)
	}
	defer g.Close()
	// A person at a terminal reads this report: keep the files that the
	// messages of failed tests point at.
	if progress.IsTerminal(stdout) && !c.json {
		g.KeepFiles()
	}
	rep, err := g.GradeAll(ctx, labs, sel)
	if err != nil {
		if ctx.Err() != nil {
			return setupErr("interrupted")
		}
		return setupErr("the catalogue does not match the code; fix these problems:\n%v", report.Indent(err.Error(), "  "))
	}
	rep.Integrity = integ
	rep.Elapsed = time.Since(start)
	switch {
	case c.json:
		if err := report.WriteJSON(stdout, rep); err != nil {
			return setupErr("writing the report: %v", err)
		}
	case c.markdown:
		report.WriteMarkdown(stdout, rep)
	default:
		report.WriteText(stdout, rep, style(stdout), c.verbose)
	}
	reported = true
	if c.gradescope != "" {
		if err := report.WriteGradescope(c.gradescope, rep); err != nil {
			return setupErr("%v", err)
		}
	}
	if c.junit != "" {
		if err := report.WriteJUnit(c.junit, rep); err != nil {
			return setupErr("%v", err)
		}
	}
	if ctx.Err() != nil {
		return setupErr("interrupted: the tests marked NOT RUN were not graded")
	}
	if missed := rep.Missed(); c.strict && missed > 0 {
		fmt.Fprintf(stderr, "grader: -strict: %s missed\n", report.Plural(missed, "point"))
		return exitFailed
	}
	return exitOK
}
