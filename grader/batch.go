package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"runtime"
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

// A batch grades a folder of submissions.
type batch struct {
	root      string         // the kit's repository
	labs      []*catalog.Lab // the graded labs
	sel       grading.Selection
	selection report.Selection // what is graded, recorded with each result
	student   []string         // the graded labs' student files
	par, jobs int
	in, out   string
	fresh     bool
	shard     shard
	stdout    io.Writer
	stderr    io.Writer
	progress  *batchProgress
	sandbox   *sandbox.Sandbox

	// gradeTree grades the labs in the kit copy at dir; tests replace it.
	gradeTree func(ctx context.Context, dir string) ([]*report.Lab, error)
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
	b, err := newBatch(ctx, c, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "grader batch: %v\n", err)
		return exitSetup
	}
	return b.run(ctx)
}

// newBatch checks the command line against the kit and the tools.
func newBatch(ctx context.Context, c *batchFlags, stdout, stderr io.Writer) (*batch, error) {
	root, all, labs, err := c.load()
	if err != nil {
		return nil, err
	}
	sh, err := parseShard(c.shard)
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
	b := &batch{
		root: root, labs: labs, sel: sel, par: c.par, jobs: c.jobs, in: in, out: out, fresh: c.fresh, shard: sh,
		stdout: stdout, stderr: stderr, progress: newBatchProgress(stderr),
	}
	for _, lab := range labs {
		b.student = append(b.student, lab.StudentFiles...)
	}
	kit, err := grading.KitHash(root, all, labs)
	if err != nil {
		return nil, fmt.Errorf("hashing the protected files: %v", err)
	}
	b.selection = report.Selection{Labs: labIDs(labs), Run: c.run, Private: c.private, Tags: joinTags(c.tags, false), Kit: kit}
	if b.sandbox, err = chooseSandbox(c.sandbox); err != nil {
		return nil, err
	}
	if b.sandbox.Kind() == sandbox.None {
		if !c.unsafeNoSandbox {
			return nil, fmt.Errorf("batch grading runs every student's code, and the sandbox that keeps it from your files "+
				"and network cannot run here: %s.\nFix that (docs/instructors.md, \"Grading a class locally\"), or pass -unsafe-no-sandbox "+
				"to grade with your own rights", b.sandbox.Why())
		}
		fmt.Fprintf(stderr, "grader batch: -unsafe-no-sandbox: every submission runs with your rights (%s)\n", b.sandbox.Why())
	}
	// Check the tools once, before any submission.
	g, err := grading.New(ctx, grading.Options{Root: root, Par: 1, Sandbox: b.sandbox})
	if err != nil {
		return nil, err
	}
	g.Close()
	b.gradeTree = b.gradeCopy
	return b, nil
}

// run grades every submission and writes the gradebook.
func (b *batch) run(ctx context.Context) int {
	stderr := b.stderr
	subs, ignored, err := intake.List(b.in, b.out)
	if err != nil {
		fmt.Fprintf(stderr, "grader batch: %v\n", err)
		return exitSetup
	}
	for _, name := range ignored {
		fmt.Fprintf(stderr, "grader batch: ignoring %s: a submission is a folder, a .zip or a .tar.gz\n", name)
	}
	if len(subs) == 0 {
		fmt.Fprintf(stderr, "grader batch: %s holds no submissions: put one folder, .zip or .tar.gz per student in it\n", b.in)
		return exitSetup
	}
	subs = b.shard.of(subs)
	if len(subs) == 0 {
		fmt.Fprintf(stderr, "grader batch: shard %s holds no submissions (the folder has fewer than there are shards)\n", b.shard)
	}
	if err := os.MkdirAll(filepath.Join(b.out, "results"), 0o755); err != nil {
		fmt.Fprintf(stderr, "grader batch: %v: choose another -out folder\n", err)
		return exitSetup
	}
	tmp, err := os.MkdirTemp("", "grader-batch-")
	if err != nil {
		fmt.Fprintf(stderr, "grader batch: making a temporary folder: %v\n", err)
		return exitSetup
	}
	defer os.RemoveAll(tmp)
	template := filepath.Join(tmp, "kit")
	if err := b.copyKit(template); err != nil {
		fmt.Fprintf(stderr, "grader batch: copying the kit: %v\n", err)
		return exitSetup
	}

	start := time.Now()
	b.progress.start(len(subs))
	records := make([]*report.Record, len(subs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range b.jobs {
		wg.Go(func() {
			for i := range next {
				work := filepath.Join(tmp, fmt.Sprintf("work-%d", w))
				rec := b.gradeOne(ctx, subs[i], template, work)
				if ctx.Err() != nil && rec.Status != report.StatusBroken && !rec.Resumed {
					continue // interrupted: not graded
				}
				records[i] = rec
				b.progress.finished(rec)
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
	b.progress.end()

	var done []*report.Record
	for _, r := range records {
		if r != nil {
			done = append(done, r)
		}
	}
	book := report.NewGradebook(b.selection, b.labs, b.sel.Tests, done, time.Since(start))
	book.Shard = b.shard.String()
	if err := book.Write(b.out); err != nil {
		fmt.Fprintf(stderr, "grader batch: %v\n", err)
		return exitSetup
	}
	fmt.Fprintf(b.stdout, "%s\n", book.SummaryLine())
	fmt.Fprintf(b.stdout, "Gradebook: %s, %s and %s\n",
		filepath.Join(b.out, "gradebook.csv"), filepath.Join(b.out, "gradebook.json"), filepath.Join(b.out, "report.html"))
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "grader batch: interrupted with %d of %d submissions graded: run the same command again to grade the rest (finished ones are kept in %s)\n",
			len(done), len(subs), filepath.Join(b.out, "results"))
		return exitSetup
	}
	if book.Summary.Errors > 0 {
		fmt.Fprintf(stderr, "grader batch: %s could not be graded (status error in the gradebook): fix the cause and run the same command again to grade them\n",
			report.Plural(book.Summary.Errors, "submission"))
		return exitFailed
	}
	return exitOK
}

// gradeOne grades one submission in a copy of the kit at work, or takes its
// result from an earlier run if its student files and what is graded (the
// tests among them) have not changed.
func (b *batch) gradeOne(ctx context.Context, sub *intake.Submission, template, work string) *report.Record {
	start := time.Now()
	rec := &report.Record{ID: sub.ID, Source: sub.Source, Selection: b.selection, GradedAt: start.UTC().Truncate(time.Second)}
	for _, lab := range b.labs {
		for _, t := range b.sel.Tests(lab) {
			rec.MaxScore += t.Points
		}
	}
	taken, err := sub.Take(b.student, intake.DefaultLimits)
	if err != nil {
		rec.Status, rec.Reason = report.StatusBroken, err.Error()
		b.save(rec)
		return rec
	}
	rec.Notes, rec.Hash = taken.Notes, taken.Hash
	if !b.fresh {
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
	labs, err := b.gradeTree(ctx, work)
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
func (b *batch) gradeCopy(ctx context.Context, dir string) ([]*report.Lab, error) {
	g, err := grading.New(ctx, grading.Options{Root: dir, Par: b.par, Sandbox: b.sandbox})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	rep, err := g.GradeAll(ctx, b.labs, b.sel)
	if err != nil {
		return nil, fmt.Errorf("the catalogue does not match the code: %v", err)
	}
	return rep.Labs, nil
}

// copyKit copies the files of the kit that grading needs to dir: those git
// tracks or would track (every file outside .git where git is unavailable),
// as a student's tree has them (no reference solutions, no mutants, no
// staff files; see package layout), without the batch's own folders.
func (b *batch) copyKit(dir string) error {
	files, err := layout.GitFiles(b.root, "--cached", "--others", "--exclude-standard")
	if err != nil {
		if files, _, err = layout.Files(b.root); err != nil {
			return err
		}
	}
	for _, name := range files {
		p := filepath.Join(b.root, filepath.FromSlash(name))
		if within(p, b.in) || within(p, b.out) || strings.HasPrefix(name, ".git/") || strings.Contains(name, "/.git/") || !layout.Pristine(name) {
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
func (b *batch) resultPath(id string) string {
	return filepath.Join(b.out, "results", id+".json")
}

// save writes a submission's result, whole or not at all.
func (b *batch) save(rec *report.Record) {
	if err := atomicfile.WriteJSON(b.resultPath(rec.ID), rec); err != nil {
		fmt.Fprintf(b.stderr, "grader batch: %v (the submission will be graded again next time)\n", err)
	}
}

// load returns the result of an earlier run, or nil.
func (b *batch) load(id string) *report.Record {
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

// A shard is the part K of N of a folder of submissions that one machine
// grades; the zero shard is the whole folder.
type shard struct{ k, n int }

// parseShard reads -shard K/N.
func parseShard(s string) (shard, error) {
	if s == "" {
		return shard{}, nil
	}
	a, b, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || k < 1 || k > n {
		return shard{}, fmt.Errorf("-shard %q: want K/N with 1 <= K <= N, such as 2/4", s)
	}
	return shard{k, n}, nil
}

func (s shard) String() string {
	if s.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.k, s.n)
}

// of returns the submissions of the shard. A submission's shard depends on
// its id alone, so that it stays in its shard however the folder grows.
func (s shard) of(subs []*intake.Submission) []*intake.Submission {
	if s.n <= 1 {
		return subs
	}
	var mine []*intake.Submission
	for _, sub := range subs {
		h := fnv.New32a()
		io.WriteString(h, sub.ID)
		if int(h.Sum32()%uint32(s.n)) == s.k-1 {
			mine = append(mine, sub)
		}
	}
	return mine
}

// A batchProgress tells how far a batch has come on standard error: a bar
// that redraws itself on a terminal, else a line per finished submission.
type batchProgress struct {
	w    io.Writer
	line *progress.Line // nil if w is not a terminal

	mu                  sync.Mutex
	total, done, broken int
	graded, resumed     int
	began               time.Time
}

func newBatchProgress(w io.Writer) *batchProgress {
	return &batchProgress{w: w, line: progress.New(w)}
}

func (p *batchProgress) start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.began = total, time.Now()
	p.done, p.broken, p.graded, p.resumed = 0, 0, 0, 0
	p.line.Show(p.bar())
}

func (p *batchProgress) finished(rec *report.Record) {
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
func (p *batchProgress) eta() string {
	if p.graded == 0 {
		return "ETA ?"
	}
	left := p.total - p.done
	per := time.Since(p.began) / time.Duration(p.graded)
	return "ETA " + (per * time.Duration(left)).Round(time.Second).String()
}

const barWidth = 20

func (p *batchProgress) bar() string {
	n := 0
	if p.total > 0 {
		n = barWidth * p.done / p.total
	}
	bar := strings.Repeat("#", n) + strings.Repeat(".", barWidth-n)
	return fmt.Sprintf("[%s] %d/%d submissions, %d broken, %s", bar, p.done, p.total, p.broken, p.eta())
}

func (p *batchProgress) end() { p.line.Done() }
