package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"golabs/internal/batch"
	"golabs/internal/grading"
	"golabs/internal/report"
	"golabs/internal/sandbox"
)

// batchFlags is the command line of grader batch.
type batchFlags struct {
	kitFlags
	selectFlags
	jobs  int
	out   string
	fresh bool
	shard string // "K/N", or ""
	in    string // the folder of submissions

	unsafeNoSandbox bool // grade without the sandbox where there is none
}

// runBatch runs grader batch with the command-line args (after "batch")
// and returns its exit status.
func runBatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &batchFlags{}
	fs := newFlagSet("grader batch", "usage: go run ./grader batch [flags] DIR\n\n"+
		"Grades a folder of submissions, one folder, .zip or .tar.gz per student, each in a pristine\n"+
		"copy of the kit, and writes OUT/gradebook.csv, OUT/gradebook.json and OUT/report.html.\n"+
		"A rerun grades only new and changed submissions, and all of them when the tests changed.\n"+
		"Exit status: 0 graded, 1 some submission could not be graded for a reason that is not the\n"+
		"student's, 2 usage or setup error. The manual: docs/grader.md.\n", stderr)
	c.kitFlags.register(fs)
	c.selectFlags.register(fs)
	fs.IntVar(&c.jobs, "j", max(1, runtime.NumCPU()/4), "grade at most `n` submissions at once")
	fs.StringVar(&c.out, "out", "", "write the gradebook to `dir` (default: grades beside the submissions' folder)")
	fs.BoolVar(&c.fresh, "fresh", false, "grade every submission again, ignoring the results of earlier runs")
	fs.StringVar(&c.shard, "shard", "", "grade only shard `K/N` of the submissions (K from 1 to N), for grading a class on N machines; join the shards with grader merge")
	fs.BoolVar(&c.unsafeNoSandbox, "unsafe-no-sandbox", false, "grade even where the sandbox cannot run: every submission's code runs with your rights")
	if code := parse(fs, args, stderr, nil); code >= 0 {
		return code
	}
	// Flags may follow DIR too.
	if fs.NArg() > 0 {
		c.in = fs.Arg(0)
		if code := parse(fs, fs.Args()[1:], stderr, nil); code >= 0 {
			return code
		}
	}
	err := c.selectFlags.check()
	switch {
	case err != nil:
	case c.in == "":
		err = errors.New("name the folder of submissions: go run ./grader batch [flags] DIR")
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q: grade one folder of submissions at a time", fs.Arg(0))
	case c.jobs < 1:
		err = fmt.Errorf("-j %d: grade at least one submission at a time", c.jobs)
	}
	if err != nil {
		fmt.Fprintf(stderr, "grader batch: %v\nrun go run ./grader batch -h for the flags\n", err)
		return exitSetup
	}
	b, err := newBatch(ctx, c, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "grader batch: %v\n", err)
		return exitSetup
	}
	return runBatchOf(ctx, b, stdout, stderr)
}

// runBatchOf runs the batch b, says what it did, and returns the exit
// status.
func runBatchOf(ctx context.Context, b *batch.Batch, stdout, stderr io.Writer) int {
	res, err := b.Run(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "grader batch: %v\n", err)
		return exitSetup
	}
	book := res.Book
	fmt.Fprintf(stdout, "%s\n", book.SummaryLine())
	fmt.Fprintf(stdout, "Gradebook: %s, %s and %s\n",
		filepath.Join(b.Out, "gradebook.csv"), filepath.Join(b.Out, "gradebook.json"), filepath.Join(b.Out, "report.html"))
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "grader batch: interrupted with %d of %d submissions graded: run the same command again to grade the rest (finished ones are kept in %s)\n",
			res.Graded, res.Total, filepath.Join(b.Out, "results"))
		return exitSetup
	}
	if book.Summary.Errors > 0 {
		fmt.Fprintf(stderr, "grader batch: %s could not be graded (status error in the gradebook): fix the cause and run the same command again to grade them\n",
			report.Plural(book.Summary.Errors, "submission"))
		return exitFailed
	}
	return exitOK
}

// newBatch checks the command line against the kit and the tools.
func newBatch(ctx context.Context, c *batchFlags, stderr io.Writer) (*batch.Batch, error) {
	root, all, labs, err := c.load()
	if err != nil {
		return nil, err
	}
	sh, err := batch.ParseShard(c.shard)
	if err != nil {
		return nil, err
	}
	in, err := filepath.Abs(c.in)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(in); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a folder: name the folder that holds one folder, .zip or .tar.gz per student", c.in)
	}
	out := c.out
	if out == "" {
		out = filepath.Join(filepath.Dir(in), "grades")
		if filepath.Dir(in) == in {
			out = "grades"
		}
	}
	if out, err = filepath.Abs(out); err != nil {
		return nil, err
	}
	sel, labs, err := c.selection(labs)
	if err != nil {
		return nil, err
	}
	b := &batch.Batch{Root: root, Labs: labs, Grade: sel, Par: c.par, Jobs: c.jobs, In: in, Out: out, Fresh: c.fresh, Shard: sh, Log: stderr}
	kit, err := grading.KitHash(root, all, labs)
	if err != nil {
		return nil, fmt.Errorf("hashing the protected files, to know when earlier results are stale: %v (is every file of the kit readable?)", err)
	}
	b.Selection = report.Selection{Labs: labIDs(labs), Run: c.run, Private: c.private, Tags: joinTags(c.tags, false), Kit: kit}
	if b.Sandbox, err = chooseSandbox(c.sandbox); err != nil {
		return nil, err
	}
	if b.Sandbox.Kind() == sandbox.None {
		if !c.unsafeNoSandbox {
			return nil, fmt.Errorf("batch grading runs every student's code, and the sandbox that keeps it from your files "+
				"and network cannot run here: %s.\nFix that (docs/instructors.md, \"Grading a class locally\"), or pass -unsafe-no-sandbox "+
				"to grade with your own rights", b.Sandbox.Why())
		}
		fmt.Fprintf(stderr, "grader batch: -unsafe-no-sandbox: every submission runs with your rights (%s)\n", b.Sandbox.Why())
	}
	// Check the tools once, before any submission.
	g, err := grading.New(ctx, grading.Options{Root: root, Par: 1, Sandbox: b.Sandbox})
	if err != nil {
		return nil, err
	}
	g.Close()
	return b, nil
}
