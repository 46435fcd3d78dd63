package batch

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"golabs/internal/intake/intaketest"
	"golabs/internal/report"
)

// TestShardsAndMerge grades a folder in three shards, as three machines
// would, and joins their gradebooks: every submission is graded once, and
// the joined gradebook is the one a single batch writes.
func TestShardsAndMerge(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	in := filepath.Join(base, "in")
	files := map[string]string{}
	for i := range 12 {
		files[fmt.Sprintf("s%02d/add.go", i)] = "done"
	}
	intaketest.WriteFiles(t, in, files)

	var graded atomic.Int32
	whole := fakeBatch(t, in, filepath.Join(base, "whole"), &graded)
	run(t, whole)
	var dirs []string
	seen := 0
	for k := 1; k <= 3; k++ {
		out := filepath.Join(base, fmt.Sprintf("shard-%d", k))
		b := fakeBatch(t, in, out, &graded)
		b.Shard = Shard{k, 3}
		run(t, b)
		var book report.Gradebook
		data, _ := os.ReadFile(filepath.Join(out, "gradebook.json"))
		if err := json.Unmarshal(data, &book); err != nil || book.Shard != fmt.Sprintf("%d/3", k) {
			t.Fatalf("shard %d's gradebook (%v):\n%s", k, err, data)
		}
		seen += len(book.Submissions)
		dirs = append(dirs, out)
	}
	if seen != 12 || graded.Load() != 24 {
		t.Errorf("the shards hold %d submissions and graded %d in all with the whole folder, want 12 and 24", seen, graded.Load())
	}

	merged := filepath.Join(base, "merged")
	book, err := Merge(dirs, false)
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	if err := WriteMerged(merged, book); err != nil {
		t.Fatal(err)
	}
	if line := book.SummaryLine(); !strings.Contains(line, "Batch: 12 submissions: 12 graded, 0 broken") {
		t.Errorf("merge: %s", line)
	}
	got, _ := os.ReadFile(filepath.Join(merged, "gradebook.csv"))
	want, _ := os.ReadFile(filepath.Join(base, "whole", "gradebook.csv"))
	if string(got) != string(want) {
		t.Errorf("the merged gradebook.csv:\n%s\nwant, as one batch writes it:\n%s", got, want)
	}
	if results, _ := filepath.Glob(filepath.Join(merged, "results", "*.json")); len(results) != 12 {
		t.Errorf("merge wrote %d results, want 12", len(results))
	}

	// Shards that cannot be joined.
	for _, tc := range []struct {
		dirs []string
		want string
	}{
		{[]string{dirs[0], dirs[0]}, "shard 1/3 is given twice"},
		{[]string{dirs[0], filepath.Join(base, "whole")}, "is in"},
		{[]string{filepath.Join(base, "nothing")}, "name the folders that grader batch -out wrote"},
		{dirs[:2], "shards [3/3] are missing"},
	} {
		if _, err := Merge(tc.dirs, false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Merge(%v): %v, want an error that says %q", tc.dirs, err, tc.want)
		}
	}
	other := fakeBatch(t, in, filepath.Join(base, "other-kit"), &graded)
	other.Selection.Kit = "kit-2"
	other.Shard = Shard{2, 3}
	run(t, other)
	if _, err := Merge(dirs[:2], true); err != nil {
		t.Errorf("-partial must join two of three shards: %v", err)
	}
	if _, err := Merge([]string{dirs[0], filepath.Join(base, "other-kit")}, true); err == nil ||
		!strings.Contains(err.Error(), "grade every shard with the same flags and the same kit") {
		t.Errorf("merging shards of different kits: %v", err)
	}
}

// TestMergeUntrusted merges gradebooks that a batch did not write: an id
// that names a path outside the results, a status or a score a batch never
// writes. Each is refused before anything is written.
func TestMergeUntrusted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rec  report.Record
		want string
	}{
		{report.Record{ID: "../../evil", Status: report.StatusGraded}, `"../../evil" is not a student's id`},
		{report.Record{ID: ".hidden", Status: report.StatusGraded}, "is not a student's id"},
		{report.Record{ID: "eve", Status: "=HYPERLINK(1)"}, `has status "=HYPERLINK(1)"`},
		{report.Record{ID: "eve", Status: report.StatusGraded, Score: 9, MaxScore: 5}, "scores 9 of 5"},
		{report.Record{ID: "eve", Status: report.StatusGraded, Score: 999, MaxScore: 999}, "scores 999 of 999, in a gradebook whose maximum is 5"},
	} {
		dir := t.TempDir()
		tc.rec.Selection = report.Selection{Labs: []string{"calc"}}
		book := &report.Gradebook{Selection: tc.rec.Selection, Shard: "1/1", MaxScore: 5, Submissions: []*report.Record{&tc.rec}}
		data, _ := json.Marshal(book)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "gradebook.json"), data, 0o644))
		if _, err := Merge([]string{dir}, false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Merge of %+v: %v, want an error that says %q", tc.rec, err, tc.want)
		}
	}
}
