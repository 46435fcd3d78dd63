package batch

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golabs/internal/atomicfile"
	"golabs/internal/report"
)

// Merge reads the gradebook.json that a batch wrote in each folder, one
// per shard, and joins them. It refuses shards that graded other labs,
// tests or kits, a shard given twice, and a student in two shards.
func Merge(dirs []string) (*report.Gradebook, error) {
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
