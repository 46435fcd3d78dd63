// Package batch grades a class: a folder of submissions, one folder, .zip
// or .tar.gz per student, each taken in by package intake and graded by
// package grading in a pristine copy of the kit, several at once. Each
// result is kept as it is known, so that an interrupted batch carries on
// and a rerun grades only new and changed submissions (or all of them when
// the tests changed); the class's gradebook (package report) is written at
// the end. A class larger than one machine is graded in shards that Merge
// joins. go run ./grader batch and grader merge are its commands;
// docs/grader.md is the manual.
package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golabs/internal/atomicfile"
	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/intake"
	"golabs/internal/layout"
	"golabs/internal/progress"
	"golabs/internal/report"
	"golabs/internal/sandbox"
)

// A Batch grades a folder of submissions.
type Batch struct {
	Root      string            // the kit's repository
	Labs      []*catalog.Lab    // the graded labs
	Grade     grading.Selection // the build and the tests graded
	Selection report.Selection  // the same, recorded with each result
	Par       int               // test processes at once per submission
	Jobs      int               // submissions at once
	In, Out   string            // the folder of submissions, and where the gradebook goes
	Fresh     bool              // grade every submission again
	Shard     Shard             // the part of the folder to grade; the zero Shard is all of it
	Sandbox   *sandbox.Sandbox
	Log       io.Writer // progress, and what was passed over: standard error

	// GradeTree grades the labs in the kit copy at dir; nil grades them
	// with package grading. Tests replace it.
	GradeTree func(ctx context.Context, dir string) ([]*report.Lab, error)
}

// A Result is what a run of a batch did.
type Result struct {
	Book   *report.Gradebook // also written to Out
	Graded int               // submissions with a record (graded now or before, or broken)
	Total  int               // submissions of the shard
}

// Run grades every submission of the shard and writes the gradebook. The
// error is a setup problem; an interrupted run returns what it finished.
func (b *Batch) Run(ctx context.Context) (*Result, error) {
	bar := newProgress(b.Log)
	subs, ignored, err := intake.List(b.In, b.Out)
	if err != nil {
		return nil, err
	}
	for _, name := range ignored {
		fmt.Fprintf(b.Log, "grader batch: ignoring %s: a submission is a folder, a .zip or a .tar.gz\n", name)
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("%s holds no submissions: put one folder, .zip or .tar.gz per student in it", b.In)
	}
	subs = b.Shard.of(subs)
	if len(subs) == 0 {
		fmt.Fprintf(b.Log, "grader batch: shard %s holds no submissions (the folder has fewer than there are shards)\n", b.Shard)
	}
	if err := os.MkdirAll(filepath.Join(b.Out, "results"), 0o755); err != nil {
		return nil, fmt.Errorf("%v: choose another -out folder", err)
	}
	tmp, err := os.MkdirTemp("", "grader-batch-")
	if err != nil {
		return nil, fmt.Errorf("making a temporary folder: %v", err)
	}
	defer os.RemoveAll(tmp)
	template := filepath.Join(tmp, "kit")
	if err := b.copyKit(template); err != nil {
		return nil, fmt.Errorf("copying the kit: %v", err)
	}
	var student []string
	for _, lab := range b.Labs {
		student = append(student, lab.StudentFiles...)
	}

	start := time.Now()
	bar.start(len(subs))
	records := make([]*report.Record, len(subs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range max(1, b.Jobs) {
		wg.Go(func() {
			for i := range next {
				work := filepath.Join(tmp, fmt.Sprintf("work-%d", w))
				rec := b.gradeOne(ctx, subs[i], student, template, work)
				if ctx.Err() != nil && rec.Status != report.StatusBroken && !rec.Resumed {
					continue // interrupted: not graded
				}
				records[i] = rec
				bar.finished(rec)
			}
		})
	}
feed:
	for i := range subs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	bar.end()

	var done []*report.Record
	for _, r := range records {
		if r != nil {
			done = append(done, r)
		}
	}
	book := report.NewGradebook(b.Selection, b.Labs, b.Grade.Tests, done, time.Since(start))
	book.Shard = b.Shard.String()
	if err := book.Write(b.Out); err != nil {
		return nil, err
	}
	return &Result{Book: book, Graded: len(done), Total: len(subs)}, nil
}

// gradeOne grades one submission in a copy of the kit at work, or takes its
// result from an earlier run if its student files and what is graded (the
// tests among them) have not changed.
func (b *Batch) gradeOne(ctx context.Context, sub *intake.Submission, student []string, template, work string) *report.Record {
	start := time.Now()
	rec := &report.Record{ID: sub.ID, Source: sub.Source, Selection: b.Selection, GradedAt: start.UTC().Truncate(time.Second)}
	for _, lab := range b.Labs {
		for _, t := range b.Grade.Tests(lab) {
			rec.MaxScore += t.Points
		}
	}
	taken, err := sub.Take(student, intake.DefaultLimits)
	if err != nil {
		rec.Status, rec.Reason = report.StatusBroken, err.Error()
		b.save(rec)
		return rec
	}
	rec.Notes, rec.Hash = taken.Notes, taken.Hash
	if !b.Fresh {
		if old := b.load(sub.ID); old != nil && old.Status == report.StatusGraded && old.Hash == rec.Hash && old.Selection.Equal(rec.Selection) {
			old.Source, old.Resumed = sub.Source, true
			return old
		}
	}

	defer os.RemoveAll(work)
	os.RemoveAll(work)
	if err := os.CopyFS(work, os.DirFS(template)); err != nil {
		rec.Status, rec.Reason = report.StatusError, fmt.Sprintf("copying the kit for the submission: %v", err)
		return rec
	}
	if err := taken.Place(work); err != nil {
		rec.Status, rec.Reason = report.StatusError, err.Error()
		return rec
	}
	grade := b.GradeTree
	if grade == nil {
		grade = b.gradeCopy
	}
	labs, err := grade(ctx, work)
	rec.Seconds = time.Since(start).Round(time.Millisecond).Seconds()
	if err != nil {
		rec.Status, rec.Reason = report.StatusError, err.Error()
		return rec
	}
	rec.Graded(labs)
	if ctx.Err() == nil {
		b.save(rec)
	}
	return rec
}

// gradeCopy grades the labs in the kit copy at dir.
func (b *Batch) gradeCopy(ctx context.Context, dir string) ([]*report.Lab, error) {
	g, err := grading.New(ctx, grading.Options{Root: dir, Par: b.Par, Sandbox: b.Sandbox})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	rep, err := g.GradeAll(ctx, b.Labs, b.Grade)
	if err != nil {
		return nil, fmt.Errorf("the catalogue does not match the code: %v", err)
	}
	return rep.Labs, nil
}

// copyKit copies the files of the kit that grading needs to dir: those git
// tracks or would track (every file outside .git where git is unavailable),
// as a student's tree has them (no reference solutions, no mutants, no
// staff files; see package layout), without the batch's own folders.
func (b *Batch) copyKit(dir string) error {
	files, err := layout.WorkTree(b.Root)
	if err != nil {
		return err
	}
	for _, name := range files {
		p := filepath.Join(b.Root, filepath.FromSlash(name))
		if within(p, b.In) || within(p, b.Out) || strings.HasPrefix(name, ".git/") || strings.Contains(name, "/.git/") || !layout.Pristine(name) {
			continue
		}
		if err := copyFile(p, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return err
		}
	}
	return nil
}

// within reports whether path p is dir or lies under it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+string(filepath.Separator))
}

func copyFile(src, dst string) error {
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, info.Mode().Perm()|0o200)
}

// resultPath returns the file of a submission's result.
func (b *Batch) resultPath(id string) string {
	return filepath.Join(b.Out, "results", id+".json")
}

// save writes a submission's result, whole or not at all.
func (b *Batch) save(rec *report.Record) {
	if err := atomicfile.WriteJSON(b.resultPath(rec.ID), rec); err != nil {
		fmt.Fprintf(b.Log, "grader batch: %v (the submission will be graded again next time)\n", err)
	}
}

// load returns the result of an earlier run, or nil.
func (b *Batch) load(id string) *report.Record {
	data, err := os.ReadFile(b.resultPath(id))
	if err != nil {
		return nil
	}
	var rec report.Record
	if json.Unmarshal(data, &rec) != nil || rec.ID != id {
		return nil
	}
	return &rec
}

// A Shard is the part K of N of a folder of submissions that one machine
// grades; the zero Shard is the whole folder.
type Shard struct{ K, N int }

// ParseShard reads -shard K/N.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return Shard{}, fmt.Errorf("-shard %q: want K/N with 1 <= K <= N, such as 2/4", s)
	}
	return Shard{k, n}, nil
}

func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.K, s.N)
}

// of returns the submissions of the shard. A submission's shard depends on
// its id alone, so that it stays in its shard however the folder grows.
func (s Shard) of(subs []*intake.Submission) []*intake.Submission {
	if s.N <= 1 {
		return subs
	}
	var mine []*intake.Submission
	for _, sub := range subs {
		h := fnv.New32a()
		io.WriteString(h, sub.ID)
		if int(h.Sum32()%uint32(s.N)) == s.K-1 {
			mine = append(mine, sub)
		}
	}
	return mine
}

// A progressBar tells how far a batch has come on standard error: a bar
// that redraws itself on a terminal, else a line per finished submission.
type progressBar struct {
	w    io.Writer
	line *progress.Line // nil if w is not a terminal

	mu                  sync.Mutex
	total, done, broken int
	graded, resumed     int
	began               time.Time
}

func newProgress(w io.Writer) *progressBar {
	return &progressBar{w: w, line: progress.New(w)}
}

func (p *progressBar) start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.began = total, time.Now()
	p.done, p.broken, p.graded, p.resumed = 0, 0, 0, 0
	p.line.Show(p.bar())
}

func (p *progressBar) finished(rec *report.Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	switch {
	case rec.Status == report.StatusBroken:
		p.broken++
	case rec.Resumed:
		p.resumed++
	default:
		p.graded++
	}
	var what string
	switch {
	case rec.Status == report.StatusBroken:
		what = "broken: " + rec.Reason
	case rec.Status == report.StatusError:
		what = "error: " + rec.Reason
	case rec.Resumed:
		what = fmt.Sprintf("%d/%d (unchanged since the last run)", rec.Score, rec.MaxScore)
	default:
		what = fmt.Sprintf("%d/%d (%.1fs)", rec.Score, rec.MaxScore, rec.Seconds)
	}
	what, _, _ = strings.Cut(what, "\n")
	line := fmt.Sprintf("batch: [%d/%d] %s: %s", p.done, p.total, rec.ID, what)
	if p.line == nil {
		fmt.Fprintln(p.w, line)
		return
	}
	// Above the bar, only what needs attention.
	if rec.Status != report.StatusGraded {
		p.line.Above(line)
	}
	p.line.Show(p.bar())
}

// eta estimates the time left from the pace of the submissions graded so
// far (those taken from an earlier run, or broken, cost nothing).
func (p *progressBar) eta() string {
	if p.graded == 0 {
		return "ETA ?"
	}
	left := p.total - p.done
	per := time.Since(p.began) / time.Duration(p.graded)
	return "ETA " + (per * time.Duration(left)).Round(time.Second).String()
}

const barWidth = 20

func (p *progressBar) bar() string {
	n := 0
	if p.total > 0 {
		n = barWidth * p.done / p.total
	}
	bar := strings.Repeat("#", n) + strings.Repeat(".", barWidth-n)
	return fmt.Sprintf("[%s] %d/%d submissions, %d broken, %s", bar, p.done, p.total, p.broken, p.eta())
}

func (p *progressBar) end() { p.line.Done() }
