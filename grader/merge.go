package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"golabs/internal/batch"
	"golabs/internal/report"
)

// runMerge joins the gradebooks of the shards of a batch (grader batch
// -shard K/N on N machines) into one: go run ./grader merge -out DIR
// SHARD_DIR...
func runMerge(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var (
		out     string
		partial bool
	)
	fs := newFlagSet("grader merge", "usage: go run ./grader merge -out DIR SHARD_DIR...\n\n"+
		"Joins the gradebooks that grader batch -shard K/N wrote, one folder per shard, into one\n"+
		"gradebook.csv, gradebook.json, report.html and results/ in DIR. The shards must have graded\n"+
		"the same labs and tests with the same kit, every shard 1/N to N/N must be there (or -partial),\n"+
		"and no student may be in two shards.\n", stderr)
	fs.StringVar(&out, "out", "", "write the joined gradebook to `dir` (required)")
	fs.BoolVar(&partial, "partial", false, "join what there is: shards missing, or gradebooks that are not shards of one class")
	code := parse(fs, args, stderr, func() error {
		switch {
		case out == "":
			return errors.New("name the folder to write: -out DIR")
		case fs.NArg() == 0:
			return errors.New("name the shards' folders: go run ./grader merge -out DIR SHARD_DIR...")
		}
		return nil
	})
	if code >= 0 {
		return code
	}
	book, err := batch.Merge(fs.Args(), partial)
	if err == nil {
		err = batch.WriteMerged(out, book)
	}
	if err != nil {
		fmt.Fprintf(stderr, "grader merge: %v\n", err)
		return exitSetup
	}
	fmt.Fprintf(stdout, "%s (merged from %s)\n", book.SummaryLine(), report.Plural(len(fs.Args()), "gradebook"))
	fmt.Fprintf(stdout, "Gradebook: %s, %s and %s\n",
		filepath.Join(out, "gradebook.csv"), filepath.Join(out, "gradebook.json"), filepath.Join(out, "report.html"))
	if book.Summary.Errors > 0 {
		return exitFailed
	}
	return exitOK
}
