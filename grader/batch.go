package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/sandbox"
)

// batchConfig is the command line of grader batch.
type batchConfig struct {
	labs    listFlag
	run     string
	tags    string
	private bool
	par     int
	jobs    int
	out     string
	fresh   bool
	root    string
	in      string // the folder of submissions

	unsafeNoSandbox bool // grade without the sandbox where there is none
}

func parseBatchFlags(args []string, stderr io.Writer) (*batchConfig, error) {
	c := &batchConfig{}
	fs := flag.NewFlagSet("grader batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&c.labs, "lab", "grade only this `lab` (repeatable, or a comma-separated list; default: all)")
	fs.StringVar(&c.run, "run", "", "grade only the tests whose names match `regexp`")
	fs.StringVar(&c.tags, "tags", "", "build `tags` for go, beside private")
	fs.BoolVar(&c.private, "private", false, "grade the hidden tests too (adds the private build tag)")
	fs.IntVar(&c.par, "p", runtime.NumCPU(), "run at most `n` test processes at once per submission")
	fs.IntVar(&c.jobs, "j", max(1, runtime.NumCPU()/4), "grade at most `n` submissions at once")
	fs.StringVar(&c.out, "out", "", "write the gradebook to `dir` (default: grades beside the submissions' folder)")
	fs.BoolVar(&c.fresh, "fresh", false, "grade every submission again, ignoring the results of earlier runs")
	fs.StringVar(&c.root, "root", "", "the kit's repository `dir` (default: found from the working directory)")
	fs.BoolVar(&c.unsafeNoSandbox, "unsafe-no-sandbox", false, "grade even where the sandbox cannot run: every submission's code runs with your rights")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./grader batch [flags] DIR\n\n"+
			"Grades a folder of submissions, one folder, .zip or .tar.gz per student, each in a pristine\n"+
			"copy of the kit, and writes OUT/gradebook.csv, OUT/gradebook.json and OUT/report.html.\n"+
			"A rerun grades only new and changed submissions. Exit status: 0 graded, 1 some submission\n"+
			"could not be graded for a reason that is not the student's, 2 usage or setup error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	// Flags may follow DIR too.
	if fs.NArg() > 0 {
		c.in = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return nil, err
		}
	}
	switch {
	case c.in == "":
		return nil, errors.New("name the folder of submissions: go run ./grader batch [flags] DIR")
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q: grade one folder of submissions at a time", fs.Arg(0))
	case c.par < 1:
		return nil, fmt.Errorf("-p %d: run at least one process at a time", c.par)
	case c.jobs < 1:
		return nil, fmt.Errorf("-j %d: grade at least one submission at a time", c.jobs)
	}
	if _, err := regexp.Compile(c.run); err != nil {
		return nil, fmt.Errorf("-run %q: %v", c.run, err)
	}
	return c, nil
}

// A batch grades a folder of submissions.
type batch struct {
	root      string         // the kit's repository
	labs      []*catalog.Lab // the graded labs
	opts      gradeOptions
	selection string   // the labs and tests graded, recorded with each result
	student   []string // the graded labs' student files
	par, jobs int
	in, out   string
	fresh     bool
	stdout    io.Writer
	stderr    io.Writer
	progress  *batchProgress
	sandbox   *sandbox.Sandbox

	// gradeTree grades the labs in the kit copy at dir; tests replace it.
	gradeTree func(ctx context.Context, dir string) ([]*labResult, error)
}

// runBatch runs grader batch with the command-line args (after "batch")
// and returns its exit status.
func runBatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseBatchFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
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
func newBatch(ctx context.Context, c *batchConfig, stdout, stderr io.Writer) (*batch, error) {
	root, err := findRoot(c.root)
	if err != nil {
		return nil, err
	}
	all, err := catalog.Load(root)
	if err != nil {
		return nil, fmt.Errorf("the lab catalogue is malformed; fix these problems:\n%v", indent(err.Error(), "  "))
	}
	labs, err := selectLabs(all, c.labs)
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
	b := &batch{
		root: root, par: c.par, jobs: c.jobs, in: in, out: out, fresh: c.fresh, stdout: stdout, stderr: stderr,
		opts:     gradeOptions{tags: joinTags(c.tags, c.private), private: c.private},
		progress: newBatchProgress(stderr),
	}
	if c.run != "" {
		re := regexp.MustCompile(c.run)
		b.opts.keep = func(t catalog.Test) bool { return re.MatchString(t.Name) }
	}
	for _, lab := range labs {
		if len(b.opts.selected(lab)) > 0 {
			b.labs = append(b.labs, lab)
			b.student = append(b.student, lab.StudentFiles...)
		}
	}
	if len(b.labs) == 0 {
		return nil, fmt.Errorf("-run %q matches no graded test of %s", c.run, labNames(labs))
	}
	b.selection = fmt.Sprintf("labs=%s run=%s private=%t", labNames(b.labs), c.run, c.private)
	if c.tags != "" {
		b.selection += " tags=" + joinTags(c.tags, false)
	}
	b.sandbox = sandbox.Detect()
	if b.sandbox.Kind() == sandbox.None {
		if !c.unsafeNoSandbox {
			return nil, fmt.Errorf("batch grading runs every student's code, and the sandbox that keeps it from your files "+
				"and network cannot run here: %s.\nFix that (docs/instructors.md, \"Batch grading\"), or pass -unsafe-no-sandbox "+
				"to grade with your own rights", b.sandbox.Why())
		}
		fmt.Fprintf(stderr, "grader batch: -unsafe-no-sandbox: every submission runs with your rights (%s)\n", b.sandbox.Why())
	}
	// Check the tools once, before any submission.
	_, cleanup, err := newGrader(ctx, root, 1, io.Discard, b.sandbox)
	if err != nil {
		return nil, err
	}
	cleanup()
	b.gradeTree = b.gradeCopy
	return b, nil
}

// A batchRecord is the result of one submission, as OUT/results/<id>.json
// and the gradebook hold it.
type batchRecord struct {
	ID        string    `json:"id"`
	Source    string    `json:"source"`           // the entry in the folder: "alice.zip"
	Status    string    `json:"status"`           // graded, broken or error
	Reason    string    `json:"reason,omitempty"` // why broken, or the error
	Notes     []string  `json:"notes,omitempty"`  // student files not found, and why
	Hash      string    `json:"hash,omitempty"`   // SHA-256 of the student files found
	Selection string    `json:"selection"`        // the labs and tests graded
	Score     int       `json:"score"`
	MaxScore  int       `json:"max_score"`
	Labs      []jsonLab `json:"labs,omitempty"`
	GradedAt  time.Time `json:"graded_at"`
	Seconds   float64   `json:"seconds"` // how long grading took

	resumed bool // taken from an earlier run
}

// The statuses of a batchRecord.
const (
	statusGraded = "graded" // graded, whatever the score
	statusBroken = "broken" // the submission could not be read, or holds no student file
	statusError  = "error"  // grading failed for a reason that is not the student's
)

// run grades every submission and writes the gradebook.
func (b *batch) run(ctx context.Context) int {
	stderr := b.stderr
	subs, ignored, err := listSubmissions(b.in, b.out)
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
	records := make([]*batchRecord, len(subs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range b.jobs {
		wg.Go(func() {
			for i := range next {
				work := filepath.Join(tmp, fmt.Sprintf("work-%d", w))
				rec := b.gradeOne(ctx, subs[i], template, work)
				if ctx.Err() != nil && rec.Status != statusBroken && !rec.resumed {
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

	var done []*batchRecord
	for _, r := range records {
		if r != nil {
			done = append(done, r)
		}
	}
	book := b.gradebook(done, time.Since(start))
	if err := book.write(b.out); err != nil {
		fmt.Fprintf(stderr, "grader batch: %v\n", err)
		return exitSetup
	}
	fmt.Fprintf(b.stdout, "%s\n", book.summaryLine())
	fmt.Fprintf(b.stdout, "Gradebook: %s, %s and %s\n",
		filepath.Join(b.out, "gradebook.csv"), filepath.Join(b.out, "gradebook.json"), filepath.Join(b.out, "report.html"))
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "grader batch: interrupted with %d of %d submissions graded: run the same command again to grade the rest (finished ones are kept in %s)\n",
			len(done), len(subs), filepath.Join(b.out, "results"))
		return exitSetup
	}
	if book.Summary.Errors > 0 {
		fmt.Fprintf(stderr, "grader batch: %s could not be graded (status error in the gradebook): fix the cause and run the same command again to grade them\n",
			plural(book.Summary.Errors, "submission"))
		return exitCheck
	}
	return exitOK
}

// gradeOne grades one submission in a copy of the kit at work, or takes its
// result from an earlier run if its student files have not changed.
func (b *batch) gradeOne(ctx context.Context, sub *submission, template, work string) *batchRecord {
	start := time.Now()
	rec := &batchRecord{ID: sub.id, Source: sub.source, Selection: b.selection, GradedAt: start.UTC().Truncate(time.Second)}
	for _, lab := range b.labs {
		for _, t := range b.opts.selected(lab) {
			rec.MaxScore += t.Points
		}
	}
	files, err := sub.read(b.student, submissionLimits)
	if err != nil {
		rec.Status, rec.Reason = statusBroken, err.Error()
		b.save(rec)
		return rec
	}
	names := slices.Sorted(maps.Keys(files))
	found, notes := locate(b.student, names)
	if len(found) == 0 {
		rec.Status = statusBroken
		rec.Reason = fmt.Sprintf("no student files: the submission should hold %s", strings.Join(b.student, ", "))
		b.save(rec)
		return rec
	}
	rec.Notes = notes
	rec.Hash = hashStudentFiles(b.student, found, files)
	if !b.fresh {
		if old := b.load(sub.id); old != nil && old.Status == statusGraded && old.Hash == rec.Hash && old.Selection == rec.Selection {
			old.Source, old.resumed = sub.source, true
			return old
		}
	}

	defer os.RemoveAll(work)
	if err := b.prepareCopy(template, work, found, files); err != nil {
		rec.Status, rec.Reason = statusError, err.Error()
		return rec
	}
	results, err := b.gradeTree(ctx, work)
	rec.Seconds = time.Since(start).Round(time.Millisecond).Seconds()
	if err != nil {
		rec.Status, rec.Reason = statusError, err.Error()
		return rec
	}
	rec.Status, rec.MaxScore = statusGraded, 0
	for _, lr := range results {
		jl := batchLab(lr)
		rec.Score += jl.Score
		rec.MaxScore += jl.MaxScore
		rec.Labs = append(rec.Labs, jl)
	}
	if ctx.Err() == nil {
		b.save(rec)
	}
	return rec
}

// batchOutput is how much of the compiler's output a result keeps.
const batchOutput = 4 << 10

// batchLab is the JSON report of one lab, without the tests' output (the
// gradebook of a class would be huge) and with the compiler's output cut.
func batchLab(lr *labResult) jsonLab {
	var buf strings.Builder
	var rep jsonReport
	if err := writeJSONReport(&buf, []*labResult{lr}, nil); err != nil {
		panic(err) // a jsonReport always encodes
	}
	if err := json.Unmarshal([]byte(buf.String()), &rep); err != nil {
		panic(err)
	}
	jl := rep.Labs[0]
	for i := range jl.Tests {
		jl.Tests[i].Output = ""
	}
	for i := range jl.BuildErrors {
		jl.BuildErrors[i].Output = boundOutput(jl.BuildErrors[i].Output, batchOutput)
	}
	return jl
}

// gradeCopy grades the labs in the kit copy at dir.
func (b *batch) gradeCopy(ctx context.Context, dir string) ([]*labResult, error) {
	g, cleanup, err := newGrader(ctx, dir, b.par, io.Discard, b.sandbox)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	results := make([]*labResult, len(b.labs))
	errs := make([]error, len(b.labs))
	var wg sync.WaitGroup
	for i, lab := range b.labs {
		wg.Go(func() { results[i], errs[i] = g.grade(ctx, lab, b.opts) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("the catalogue does not match the code: %v", err)
	}
	return results, nil
}

// copyKit copies the files of the kit that grading needs to dir: those git
// tracks or would track (every file outside .git where git is unavailable),
// without the reference solutions and the mutants, which a student's tree
// does not have either, and without the batch's own folders.
func (b *batch) copyKit(dir string) error {
	files, err := gitFiles(b.root, "--cached", "--others", "--exclude-standard")
	if err != nil {
		files, _, err = listFiles(b.root)
		if err != nil {
			return err
		}
	}
	skip := func(name string) bool {
		p := filepath.Join(b.root, filepath.FromSlash(name))
		for _, d := range []string{b.in, b.out} {
			if p == d || strings.HasPrefix(p, d+string(filepath.Separator)) {
				return true
			}
		}
		return strings.HasSuffix(name, "_solution.go") || strings.Contains("/"+name, "/testdata/mutants/") ||
			strings.HasPrefix(name, ".git/") || strings.Contains(name, "/.git/")
	}
	for _, name := range files {
		if skip(name) {
			continue
		}
		src := filepath.Join(b.root, filepath.FromSlash(name))
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := copyFile(src, dst); err != nil {
			return err
		}
	}
	return nil
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

// prepareCopy copies the template kit to work and puts the student files
// found in the submission over the stubs.
func (b *batch) prepareCopy(template, work string, found map[string]string, files map[string][]byte) error {
	os.RemoveAll(work)
	if err := os.CopyFS(work, os.DirFS(template)); err != nil {
		return fmt.Errorf("copying the kit for the submission: %v", err)
	}
	for sf, p := range found {
		dst := filepath.Join(work, filepath.FromSlash(sf))
		if err := os.WriteFile(dst, files[p], 0o644); err != nil {
			return fmt.Errorf("writing the student file %s: %v", sf, err)
		}
	}
	return nil
}

// resultPath returns the file of a submission's result.
func (b *batch) resultPath(id string) string {
	return filepath.Join(b.out, "results", id+".json")
}

// save writes a submission's result, whole or not at all.
func (b *batch) save(rec *batchRecord) {
	if err := writeJSONFile(b.resultPath(rec.ID), rec); err != nil {
		fmt.Fprintf(b.stderr, "grader batch: %v (the submission will be graded again next time)\n", err)
	}
}

// load returns the result of an earlier run, or nil.
func (b *batch) load(id string) *batchRecord {
	data, err := os.ReadFile(b.resultPath(id))
	if err != nil {
		return nil
	}
	var rec batchRecord
	if json.Unmarshal(data, &rec) != nil || rec.ID != id {
		return nil
	}
	return &rec
}

// A batchProgress tells how far a batch has come on standard error: a bar
// that redraws itself on a terminal, else a line per finished submission.
type batchProgress struct {
	w   io.Writer
	tty bool

	mu                  sync.Mutex
	total, done, broken int
	graded, resumed     int
	began               time.Time
}

func newBatchProgress(w io.Writer) *batchProgress {
	p := &batchProgress{w: w}
	if f, ok := w.(*os.File); ok {
		p.tty = isTerminal(f)
	}
	return p
}

func (p *batchProgress) start(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total, p.began = total, time.Now()
	if p.tty {
		p.draw()
	}
}

func (p *batchProgress) finished(rec *batchRecord) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	switch {
	case rec.Status == statusBroken:
		p.broken++
	case rec.resumed:
		p.resumed++
	default:
		p.graded++
	}
	var what string
	switch {
	case rec.Status == statusBroken:
		what = "broken: " + rec.Reason
	case rec.Status == statusError:
		what = "error: " + rec.Reason
	case rec.resumed:
		what = fmt.Sprintf("%d/%d (unchanged since the last run)", rec.Score, rec.MaxScore)
	default:
		what = fmt.Sprintf("%d/%d (%.1fs)", rec.Score, rec.MaxScore, rec.Seconds)
	}
	line := fmt.Sprintf("batch: [%d/%d] %s: %s", p.done, p.total, rec.ID, firstLine(what))
	if !p.tty {
		fmt.Fprintln(p.w, line)
		return
	}
	// Above the bar, only what needs attention.
	if rec.Status != statusGraded {
		fmt.Fprintf(p.w, "\r\x1b[K%s\n", line)
	}
	p.draw()
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

func (p *batchProgress) draw() {
	n := 0
	if p.total > 0 {
		n = barWidth * p.done / p.total
	}
	bar := strings.Repeat("#", n) + strings.Repeat(".", barWidth-n)
	fmt.Fprintf(p.w, "\r\x1b[K[%s] %d/%d submissions, %d broken, %s", bar, p.done, p.total, p.broken, p.eta())
}

func (p *batchProgress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
