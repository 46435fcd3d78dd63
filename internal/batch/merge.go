package batch

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golabs/internal/atomicfile"
	"golabs/internal/intake"
	"golabs/internal/report"
)

// Merge reads the gradebook.json that a batch wrote in each folder, one
// per shard, and joins them. It refuses shards that graded other labs,
// tests or kits, a shard given twice, a student in two shards, and, unless
// partial is set, a set of shards that is not exactly 1/N to N/N. A
// gradebook is data from another machine: each record is checked before it
// is used (an id that could name a path, a status or score that a batch
// does not write).
func Merge(dirs []string, partial bool) (*report.Gradebook, error) {
	var merged *report.Gradebook
	seen := map[string]string{} // student id -> folder
	var shards []Shard
	for _, dir := range dirs {
		file := filepath.Join(dir, "gradebook.json")
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%v: name the folders that grader batch -out wrote", err)
		}
		var book report.Gradebook
		if err := json.Unmarshal(data, &book); err != nil {
			return nil, fmt.Errorf("%s is not a gradebook (%v): name the folders that grader batch -out wrote", file, err)
		}
		if merged == nil {
			merged = &report.Gradebook{Selection: book.Selection, MaxScore: book.MaxScore, Labs: book.Labs}
		} else if !merged.Selection.Equal(book.Selection) {
			return nil, fmt.Errorf("%s graded %s (kit %.12s), but %s graded %s (kit %.12s): grade every shard with the same flags and the same kit",
				dirs[0], merged.Selection, merged.Selection.Kit, dir, book.Selection, book.Selection.Kit)
		}
		sh, err := ParseShard(book.Shard)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		if slices.Contains(shards, sh) && sh.N > 0 {
			return nil, fmt.Errorf("shard %s is given twice (%s): name each shard's folder once", sh, dir)
		}
		shards = append(shards, sh)
		for _, r := range book.Submissions {
			if err := checkRecord(r, book.Selection, book.MaxScore); err != nil {
				return nil, fmt.Errorf("%s: %v: the file was not written by grader batch; grade the shard again", file, err)
			}
			if first, ok := seen[r.ID]; ok {
				return nil, fmt.Errorf("student %s is in %s and in %s: shards must not overlap (grade each with the same -shard K/N and folder)", r.ID, first, dir)
			}
			seen[r.ID] = dir
		}
		merged.Seconds = max(merged.Seconds, book.Seconds) // the shards ran side by side
		merged.Add(book.Submissions...)
	}
	if merged == nil {
		return nil, errors.New("no gradebooks to merge: name the shards' folders")
	}
	if !partial {
		if err := complete(shards); err != nil {
			return nil, err
		}
	}
	merged.Generated = time.Now().UTC().Truncate(time.Second)
	return merged, nil
}

// complete checks that shards are 1/N to N/N, each once.
func complete(shards []Shard) error {
	n := shards[0].N
	for _, sh := range shards {
		if sh.N == 0 {
			return errors.New("a gradebook is not a shard (it was graded without -shard K/N): pass -partial to join gradebooks that are not the shards of one class")
		}
		if sh.N != n {
			return fmt.Errorf("shards %s and %s split the class differently: grade every shard with the same N", shards[0], sh)
		}
	}
	var missing []string
	for k := 1; k <= n; k++ {
		if !slices.Contains(shards, Shard{k, n}) {
			missing = append(missing, Shard{k, n}.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("shards %v are missing, so the gradebook would lack their students: grade them (or pass -partial to join what there is)", missing)
	}
	return nil
}

// checkRecord holds a record read from another machine to what a batch
// writes.
func checkRecord(r *report.Record, sel report.Selection, maxScore int) error {
	if err := intake.CheckID(r.ID); err != nil {
		return err
	}
	switch r.Status {
	case report.StatusGraded, report.StatusBroken, report.StatusError:
	default:
		return fmt.Errorf("student %s has status %q", r.ID, r.Status)
	}
	if r.Score < 0 || r.Score > r.MaxScore || r.MaxScore != maxScore {
		return fmt.Errorf("student %s scores %d of %d, in a gradebook whose maximum is %d", r.ID, r.Score, r.MaxScore, maxScore)
	}
	if !r.Selection.Equal(sel) {
		return fmt.Errorf("student %s was graded for %s, not %s", r.ID, r.Selection, sel)
	}
	return nil
}

// WriteMerged writes a merged gradebook to out, with a results/ folder of
// every submission's result, so that a later batch into the folder can
// resume.
func WriteMerged(out string, book *report.Gradebook) error {
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
