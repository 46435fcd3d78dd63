package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golabs/internal/atomicfile"
	"golabs/internal/report"
)

// runMerge joins the gradebooks of the shards of a batch (grader batch
// -shard K/N on N machines) into one: go run ./grader merge -out DIR
// SHARD_DIR...
func runMerge(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var out string
	fs := newFlagSet("grader merge", "usage: go run ./grader merge -out DIR SHARD_DIR...\n\n"+
		"Joins the gradebooks that grader batch -shard K/N wrote, one folder per shard, into one\n"+
		"gradebook.csv, gradebook.json, report.html and results/ in DIR. The shards must have graded\n"+
		"the same labs and tests with the same kit, and no student may be in two shards.\n", stderr)
	fs.StringVar(&out, "out", "", "write the joined gradebook to `dir` (required)")
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
	book, err := mergeGradebooks(fs.Args())
	if err == nil {
		err = writeMerged(out, book)
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

// mergeGradebooks reads the gradebook.json of each folder and joins them.
func mergeGradebooks(dirs []string) (*report.Gradebook, error) {
	var merged *report.Gradebook
	seen := map[string]string{} // student id -> folder
	var shards []string
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, "gradebook.json"))
		if err != nil {
			return nil, fmt.Errorf("%v: name the folders grader batch -out wrote", err)
		}
		var book report.Gradebook
		if err := json.Unmarshal(data, &book); err != nil {
			return nil, fmt.Errorf("%s: not a gradebook: %v", filepath.Join(dir, "gradebook.json"), err)
		}
		if merged == nil {
			merged = &report.Gradebook{Selection: book.Selection, MaxScore: book.MaxScore, Labs: book.Labs}
		} else if !merged.Selection.Equal(book.Selection) {
			return nil, fmt.Errorf("%s graded %s (kit %.12s), but %s graded %s (kit %.12s): grade every shard with the same flags and the same kit",
				dirs[0], merged.Selection, merged.Selection.Kit, dir, book.Selection, book.Selection.Kit)
		}
		if slices.Contains(shards, book.Shard) && book.Shard != "" {
			return nil, fmt.Errorf("shard %s is given twice (%s): name each shard's folder once", book.Shard, dir)
		}
		shards = append(shards, book.Shard)
		for _, r := range book.Submissions {
			if first, ok := seen[r.ID]; ok {
				return nil, fmt.Errorf("student %s is in %s and in %s: shards must not overlap (grade each with the same -shard K/N and folder)", r.ID, first, dir)
			}
			seen[r.ID] = dir
		}
		merged.Seconds = max(merged.Seconds, book.Seconds) // the shards ran side by side
		merged.Add(book.Submissions...)
	}
	merged.Generated = time.Now().UTC().Truncate(time.Second)
	return merged, nil
}

// writeMerged writes the merged gradebook and a results/ folder with every
// submission's result, so that a later batch into the folder can resume.
func writeMerged(out string, book *report.Gradebook) error {
	if err := os.MkdirAll(filepath.Join(out, "results"), 0o755); err != nil {
		return fmt.Errorf("%v: choose another -out folder", err)
	}
	for _, r := range book.Submissions {
		if err := atomicfile.WriteJSON(filepath.Join(out, "results", r.ID+".json"), r); err != nil {
			return err
		}
	}
	return book.Write(out)
}
