// The grader scores the labs of the kit, and proves that the kit itself is
// sound.
//
// It reads the lab catalogue (labs/*.toml, see labs/README.md), builds each
// lab package's tests once with the race detector (go test -c -race), and
// runs every graded test in a process of its own, several at once, each with
// its own time limit. A panic, a deadlock, a data race or an os.Exit costs
// only the test it happened in.
//
// Usage:
//
//	go run ./grader [flags]
//	go run ./grader batch [flags] DIR
//
// The second form grades a whole class: see Grading a folder of submissions.
//
// The flags are:
//
//	-lab NAME      grade only this lab; repeat the flag or separate names
//	               with commas (default: every lab in the catalogue)
//	-run REGEXP    grade only the tests whose names match REGEXP
//	-tags TAGS     build tags for go, as "solution" to grade the reference
//	-private       grade the hidden tests too (adds the "private" tag)
//	-overlay FILE  pass -overlay FILE to go, to grade a variant of the code
//	-p N           run at most N processes at once (default: the CPU count)
//	-v             print the output of every test that did not pass
//	-json          print the result as JSON instead of tables
//	-markdown      print the result as Markdown instead of tables, for a CI
//	               job summary (not with -json)
//	-gradescope FILE
//	               also write Gradescope's results.json to FILE
//	-junit FILE    also write the result as JUnit XML to FILE
//	-runs N        find flaky tests: run each selected test N times and
//	               print its pass rate and ways of failing (see Reports)
//	-check         run the self-check instead of grading (see below)
//	-check-runs R  how many times the self-check runs the reference (default 3)
//	-list-packages print the Go packages of the labs, one a line, and exit
//	-strict        refuse to grade if a protected file of the graded labs was
//	               modified or is missing, or there is no manifest (exit
//	               status 3), and exit with status 1 if a point was missed
//	-write-manifest
//	               write labs/manifest.sha256 for the tree and exit (see
//	               Protected files)
//	-root DIR      the kit's repository (default: the nearest directory at or
//	               above the working directory with labs/ and go.mod)
//
// # Verdicts
//
// Each test runs as <bin> -test.run '^Name$' -test.v=test2json, in its
// package's directory, in a sandbox, with only the environment variables Go
// and the labs read (GORACE=atexit_sleep_ms=0 added), and its output goes
// through go tool test2json. The grader
// fails closed: a test earns its points only when its own process reports an
// explicit pass of exactly that test (a test2json "pass" event whose Test is
// the test's name) and exits with status 0. Everything else earns nothing and
// is classified as one of:
//
//	fail          the test reported a failure
//	race          the race detector reported a data race
//	panic         the process panicked or died of a fatal runtime error
//	timeout       the test ran past its time limit; the grader sent SIGQUIT
//	              for a goroutine dump, then killed its process group
//	limit         the test used more memory, disk or threads than its lab's
//	              limits allow, and was killed ("memory: used more than 2 GiB")
//	build_failed  the package did not compile
//	refused       the static check refused a student file: it uses
//	              something that could subvert grading (package guard); or
//	              the harness saw the arguments or the test flags changed, or
//	              tests run other than the one the grader asked for
//	no_result     the process ended without a pass or a fail of the test,
//	              for example because the code called os.Exit
//	skipped       the test skipped itself
//	not_run       the grader stopped before the test ran
//
// Each test's output is kept up to 64 KiB of its head and 64 KiB of its tail.
//
// # What student code cannot do
//
// Output can be forged: code under test can print the lines go test and
// test2json print for a pass, framing byte included, and then end the
// process before the real verdict. So a pass also needs the word of the
// lab's test harness: each lab's TestMain calls gradehook.Main, which takes a
// fresh random nonce from a pipe before any student code runs and, when the
// tests are done, reports under that nonce on a second pipe their exit code,
// which tests ran with their results, and any change to the arguments or the
// test flags. A pass needs that report to show exactly the test the grader
// asked for, run once, passing; a process that ends any other way reports
// nothing and earns nothing. The self-check holds every lab package to
// importing gradehook from a provided file, so that its init runs first.
//
// Each test process runs in a sandbox (package sandbox): bubblewrap, with
// the files read-only but a scratch folder, no network but its own
// loopback, its own process namespace; and in any case with the lab's limits
// on memory, file size, threads and open files. -sandbox auto uses bwrap
// where it works, else the grader's own namespaces, and says so in one line
// where neither does; -sandbox bwrap and -sandbox namespaces require one;
// -sandbox none runs tests with the grader's rights. grader
// batch refuses to run without it unless given -unsafe-no-sandbox.
//
// Before the student's code is built (any grading without the solution
// tag), the static check of package guard reads the catalogue's student
// files and refuses the lab, naming file and line, if they import unsafe,
// syscall, os/exec or cgo, use //go:linkname or other compiler directives,
// call os.Exit, open raw descriptors or touch other processes. A lab that
// needs one of these lists it under allow in its catalogue file.
//
// # Protected files
//
// A student edits only the student files the catalogue names. The rest is
// protected: each lab's other files (in its package directories and their
// testdata), the catalogue files labs/*.toml, everything under internal/
// and grader/, go.mod, go.sum and the Makefile. labs/manifest.sha256 holds
// their SHA-256 sums in sha256sum's format, as the student release has them:
// reference solutions (*_solution.go), mutants (testdata/mutants/) and
// files built only with the private tag are not in it. The files are those
// git tracks, or every file of the tree where git is unavailable.
//
// Before it builds anything, every grading run holds the graded labs'
// protected files (and the shared ones) against the manifest, and names each
// one that was modified or is missing, on standard error and at the top of
// the report: "warning: protected file crawler/crawler_test.go was modified;
// official grading uses the pristine copy". Official grading copies only the
// student files into a pristine tree, so such a change counts for nothing
// there. Without a manifest the grader warns too, and grades. With -strict
// it refuses to grade if any of these warnings applies (exit status 3), and
// exits with status 1 if a graded test did not earn all its points.
//
// Course staff regenerate the manifest with -write-manifest (make manifest)
// and commit it with the files it covers; the self-check fails while it is
// out of date.
//
// # Reports
//
// While it runs, the grader prints a progress line on standard error if that
// is a terminal. Then it prints a table per lab (test, part, points, result,
// time, and a one-line reason) and a last line "Score: X/Y". Colour is used
// only when standard output is a terminal and NO_COLOR is not set.
//
// With -json it prints instead one JSON object:
//
//	{
//	  "score": 95,                 // points earned, over every lab graded
//	  "max_score": 100,            // points of every test graded
//	  "sandbox": "bwrap",          // how tests were isolated: bwrap or none
//	  "sandbox_note": "...",       // with none: why there was no sandbox
//	  "integrity": {               // the check of the protected files
//	    "manifest": "labs/manifest.sha256",
//	    "status": "changed",       // ok, changed (modified or missing files),
//	                               // no_manifest, or error (unreadable)
//	    "checked": 31,             // protected files held against the manifest
//	    "modified": ["crawler/crawler_test.go"],  // only if some were
//	    "missing": ["crawler/fetcher.go"],        // only if some are
//	    "warnings": [              // as printed, without "warning: "
//	      "protected file crawler/crawler_test.go was modified; official grading uses the pristine copy"
//	    ]
//	  },
//	  "labs": [{
//	    "id": "crawler",           // the catalogue file's base name
//	    "title": "Web crawler, three ways",
//	    "file": "labs/crawler.toml",
//	    "score": 95,
//	    "max_score": 100,
//	    "build_errors": [          // only packages that did not compile
//	      {"package": "./crawler", "output": "compiler output"}
//	    ],
//	    "refused": [               // only what the static check refused
//	      "crawler/mutex.go:12:2: os.Exit is not allowed in a submission: ..."
//	    ],
//	    "tests": [{                // the graded tests, in catalogue order
//	      "name": "TestSerialShapes",
//	      "package": "./crawler",
//	      "part": "serial",
//	      "points": 0,             // points earned
//	      "max_points": 5,
//	      "result": "fail",        // one of the verdicts above
//	      "reason": "Serial fetched http://a/ twice",
//	      "seconds": 0.31,
//	      "output": "..."          // kept output; only when result is not "pass"
//	    }]
//	  }]
//	}
//
// With -markdown it prints instead GitHub-flavoured Markdown, for a CI job
// summary (go run ./grader -markdown >> "$GITHUB_STEP_SUMMARY"): a heading
// and a table per lab, the output of each test that did not pass in a
// collapsed <details> block, and a last line "**Score: X/Y**".
//
// -gradescope FILE and -junit FILE write report files too, whatever goes to
// standard output. Each file is written whole or not at all (a temporary
// file, then a rename), and holds at most 10 KiB of each test's output, its
// head and its tail.
//
//   - The results.json follows Gradescope's autograder specification
//     (https://gradescope-autograders.readthedocs.io/en/latest/specs/): one
//     entry per graded test, named "crawler: TestSerialShapes (A. Serial
//     crawler)" and numbered "<lab order>.<test>", with its points, status
//     "passed" or "failed", and as output its verdict, reason and output (the
//     compiler's, if its package did not compile). Hidden (private) tests
//     are shown "after_published", the summary shown at once counts only the
//     tests shown at once, and the grader's standard output, which names
//     every test, is hidden from students. If the grader cannot grade at
//     all (a setup error), it still writes a results.json that says why.
//   - The JUnit XML has a <testsuite> per lab and a <testcase> per test, with
//     the package as classname ("crawler") and the points as <properties>. A
//     fail, race, panic, timeout or skip is a <failure>; a build failure, a
//     refusal, no result or not run is an <error>; either has the verdict
//     as type, the reason as message and the output as text.
//
// With -runs N the grader hunts flaky tests instead of grading: it builds
// each lab once, runs each selected test N times (each run a fresh process,
// at most -p at once, the runs of all the tests interleaved), and prints a
// table per lab: each test's passes out of its runs, its pass rate, its
// slowest run, and its distinct ways of failing (verdict and reason) with
// their counts. With -v it also prints the output of the first run that
// failed each way. The last line is "All M tests passed N times" or
// "Flaky: K of M tests failed at least once". Run it on the reference
// (-tags solution) before a release: a test that fails once in hundreds of
// runs will fail for some student.
//
// # Grading a folder of submissions
//
// go run ./grader batch [flags] DIR grades every submission in DIR: one
// entry per student, a folder, a .zip or a .tar.gz (.tgz) archive, whose
// base name without its extension is the student's id. Entries whose names
// begin with a dot, and other files, are passed over (the others with a
// warning).
//
// The kit is copied once into a temporary folder, as the pristine template:
// the files git tracks or would track (every file outside .git without
// git), without the reference solutions and the mutants. Each submission is
// graded in a fresh copy of the template into which only the graded labs'
// student files are taken from the submission. A student file is found at
// its catalogue path ("crawler/serial.go"), at the top of the submission or
// under folders ("alice/crawler/serial.go"); failing that, by its base name
// ("serial.go") if exactly one file of the submission has it and no other
// graded student file shares it. A student file not found keeps its stub,
// and the gradebook notes it. Nothing else of the submission is used.
//
// Every entry of a submission is checked before anything is graded, and the
// submission is reported broken, without stopping the batch, if an entry has
// an absolute path or a .. component, is a symbolic or hard link or another
// file that is not regular, is over 10 MB, or the files total over 100 MB;
// so is an archive that does not open, and a submission with none of the
// student files. Nothing of a submission is written to disk but its student
// files, in the copy.
//
// The flags are:
//
//	-lab NAME      grade only this lab (repeatable, or a comma list)
//	-run REGEXP    grade only the tests whose names match REGEXP
//	-private       grade the hidden tests too
//	-p N           run at most N test processes at once per submission
//	               (default: the CPU count)
//	-j N           grade at most N submissions at once (default: a quarter
//	               of the CPU count, at least 1)
//	-out DIR       where the results go (default: grades beside DIR)
//	-fresh         grade every submission again, ignoring earlier results
//	-root DIR      the kit's repository, as for grading
//
// On standard error a terminal sees a bar, "[#####...............] 12/40
// submissions, 3 broken, ETA 2m10s"; anything else gets a line per finished
// submission.
//
// Each submission's result is written, as soon as it is known, to
// OUT/results/<id>.json (atomically: a temporary file, then a rename). A
// rerun takes the result of an earlier run for a submission whose student
// files have the same SHA-256 (recorded as "hash") and that was graded for
// the same labs, -run and -private (recorded as "selection"), and grades the
// others: new and changed submissions, broken ones and those that failed with
// an error. An interrupted batch keeps what it finished, so the same command
// carries on. -fresh grades everything again, as it must after the tests
// changed.
//
// At the end the batch writes, each whole or not at all:
//
//   - OUT/gradebook.csv: a row per submission, sorted by id, with the
//     columns id, total, max, one per lab ("crawler") and one per test
//     ("crawler/TestSerialShapes", or "kv/kv.TestGet" in a lab of several
//     packages) with the points earned, status (graded, broken, or error:
//     not graded for a reason that is not the student's) and notes (the
//     student files not found; for a broken submission, why). A broken
//     submission totals 0 with its lab and test cells empty.
//   - OUT/gradebook.json: {"generated", "selection", "seconds", "max_score",
//     "labs": [{"id", "title", "max_score", "tests": [{"name", "package",
//     "max_points", "column"}]}], "summary": {"submissions", "graded",
//     "resumed", "broken", "errors"}, "submissions": [...]}, where each
//     submission is its results/<id>.json: {"id", "source", "status",
//     "reason", "notes", "hash", "selection", "score", "max_score", "labs",
//     "graded_at", "seconds"}, its "labs" as in the -json report but
//     without the tests' output.
//   - OUT/report.html: one self-contained page (inline CSS and SVG, no
//     script, nothing from the network) with the histogram of the scores,
//     the pass rate of each test, the slowest tests by median time, the most
//     failed tests with their commonest reason, the broken submissions with
//     their reasons, and every submission's score.
//
// The batch exits with status 0 when it graded every submission, whatever
// the scores and however many were broken; 1 if some could not be graded
// for a reason that is not the student's (status error: fix it and run the
// batch again); 2 for a usage or setup error, or when interrupted.
//
// # Self-check
//
// With -check the grader proves, for each lab, that the kit is sound:
//
//  1. the catalogue matches the code: every graded test exists, and every
//     Test function has points, built with and without -tags solution;
//  2. the reference solution (-tags solution) earns full marks, -check-runs
//     times over, each test in a fresh process as in grading;
//  3. the stubs earn nothing: every graded test fails and its output says
//     "not implemented", and grading them all takes less than 30 seconds;
//  4. every mutant, a patch <package>/testdata/mutants/<name>.txtar, is
//     caught: it is well formed, it applies to the current reference, it
//     compiles, and each test on its "Must fail:" line earns nothing when the
//     reference is built with the mutant in place;
//  5. the manifest is up to date: labs/manifest.sha256 lists exactly the
//     protected files of the tree, with their sums (run make manifest and
//     commit it when it is not).
//
// The self-check always includes the private tests. It prints a section per
// lab and ends with a line "Check: PASS" or "Check: FAIL", after a list of
// the problems it found.
//
// # Exit status
//
//	0  graded (whatever the score, unless -strict), or the self-check passed
//	1  the self-check found a problem, or with -runs some run of a test
//	   did not pass
//	1  with -strict: a graded test did not earn all its points
//	1  batch: some submission could not be graded for a reason that is not
//	   the student's (status error in the gradebook)
//	2  usage or setup error: a bad flag, an unknown lab, a malformed
//	   catalogue, a catalogue that does not match the tests, no C compiler,
//	   no go command; or the grader was interrupted
//	3  refused under -strict: a protected file of the graded labs was
//	   modified or is missing, or the manifest is missing
//
// go run prints a program's non-zero exit status and exits with status 1;
// build the grader (go build -o grader ./grader) to see the status itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/sandbox"
)

// Exit statuses.
const (
	exitOK    = 0
	exitCheck = 1
	exitSetup = 2

	exitMissed  = 1 // with -strict: a graded test did not earn all its points
	exitRefused = 3 // with -strict: protected files changed, or no manifest
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// A listFlag collects the values of a repeatable flag that also takes
// comma-separated lists.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(*l, v) {
			*l = append(*l, v)
		}
	}
	return nil
}

// config is the command line.
type config struct {
	labs         listFlag
	run          string
	tags         string
	private      bool
	overlay      string
	par          int
	verbose      bool
	json         bool
	check        bool
	checkRuns    int
	listPackages bool
	root         string
	markdown     bool
	gradescope   string
	junit        string
	runs         int
	sandbox      string // auto, bwrap or none

	// The check of the protected files.
	strict        bool // refuse changed protected files; fail on missed points
	writeManifest bool // write labs/manifest.sha256 and exit
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("grader", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&c.labs, "lab", "grade only this `lab` (repeatable, or a comma-separated list; default: all)")
	fs.StringVar(&c.run, "run", "", "grade only the tests whose names match `regexp`")
	fs.StringVar(&c.tags, "tags", "", "build `tags` for go, such as solution")
	fs.BoolVar(&c.private, "private", false, "grade the hidden tests too (adds the private build tag)")
	fs.StringVar(&c.overlay, "overlay", "", "pass -overlay `file` to go")
	fs.IntVar(&c.par, "p", runtime.NumCPU(), "run at most `n` processes at once")
	fs.BoolVar(&c.verbose, "v", false, "print the output of every test that did not pass")
	fs.BoolVar(&c.json, "json", false, "print the result as JSON (schema: go doc ./grader)")
	fs.BoolVar(&c.check, "check", false, "run the kit's self-check: catalogue, reference, stubs and mutants")
	fs.IntVar(&c.checkRuns, "check-runs", 3, "with -check, how many `times` to run the reference")
	fs.BoolVar(&c.listPackages, "list-packages", false, "print the labs' Go packages, one a line, and exit")
	fs.BoolVar(&c.strict, "strict", false, "refuse to grade if protected files changed (exit 3); exit 1 if a point was missed")
	fs.BoolVar(&c.writeManifest, "write-manifest", false, "write "+manifestFile+", the sums of the protected files, and exit")
	fs.StringVar(&c.root, "root", "", "the kit's repository `dir` (default: found from the working directory)")
	fs.BoolVar(&c.markdown, "markdown", false, "print the result as Markdown, for a CI job summary")
	fs.StringVar(&c.gradescope, "gradescope", "", "also write Gradescope's results.json to `file`")
	fs.StringVar(&c.junit, "junit", "", "also write the result as JUnit XML to `file`")
	fs.IntVar(&c.runs, "runs", 0, "find flaky tests: run each test `n` times and report pass rates")
	fs.StringVar(&c.sandbox, "sandbox", "auto", "isolate each test process: `mode` auto (the best that works here), bwrap or namespaces (required), or none")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./grader [flags]\n       go run ./grader batch [flags] DIR   (grade a folder of submissions; batch -h tells more)\n\nGrades the labs of the catalogue in labs/; -check runs the kit's self-check.\nExit status: 0 graded, 1 self-check failed (or, with -runs, a run failed), 2 usage or setup error;\nwith -strict, 1 also if a point was missed and 3 if protected files changed.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q: name labs with -lab", fs.Arg(0))
	case c.par < 1:
		return nil, fmt.Errorf("-p %d: run at least one process at a time", c.par)
	case c.checkRuns < 1:
		return nil, fmt.Errorf("-check-runs %d: run the reference at least once", c.checkRuns)
	}
	if c.check {
		for name, set := range map[string]bool{"-run": c.run != "", "-tags": c.tags != "", "-overlay": c.overlay != "", "-json": c.json} {
			if set {
				return nil, fmt.Errorf("%s cannot be combined with -check: the self-check chooses its own builds and tests", name)
			}
		}
	}
	if !slices.Contains([]string{"auto", "bwrap", "namespaces", "none"}, c.sandbox) {
		return nil, fmt.Errorf("-sandbox %q: choose auto, bwrap, namespaces or none", c.sandbox)
	}
	if err := c.checkReportFlags(); err != nil {
		return nil, err
	}
	if c.strict && c.check {
		return nil, errors.New("-strict cannot be combined with -check: the self-check holds the manifest against the tree itself")
	}
	if c.writeManifest && (len(c.labs) > 0 || c.check) {
		return nil, errors.New("-write-manifest cannot be combined with -lab or -check: the manifest covers every lab")
	}
	if _, err := regexp.Compile(c.run); err != nil {
		return nil, fmt.Errorf("-run %q: %v", c.run, err)
	}
	return c, nil
}

// cli runs the grader with the command-line args and returns its exit status.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "batch" {
		return runBatch(ctx, args[1:], stdout, stderr)
	}
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "grader: %v\nrun go run ./grader -h for the flags\n", err)
		return exitSetup
	}
	start := time.Now()
	reported := false // the report files hold the grading
	setupErr := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "grader: "+format+"\n", args...)
		if !reported {
			c.reportSetupFailure(fmt.Sprintf(format, args...), stderr)
		}
		return exitSetup
	}

	root, err := findRoot(c.root)
	if err != nil {
		return setupErr("%v", err)
	}
	all, err := catalog.Load(root)
	if err != nil {
		return setupErr("the lab catalogue is malformed; fix these problems:\n%v", indent(err.Error(), "  "))
	}
	labs, err := selectLabs(all, c.labs)
	if err != nil {
		return setupErr("%v", err)
	}
	if c.listPackages {
		for _, lab := range labs {
			for _, p := range lab.Packages {
				fmt.Fprintln(stdout, p)
			}
		}
		return exitOK
	}
	if c.writeManifest {
		if err := writeManifest(root, all, stdout, stderr); err != nil {
			return setupErr("%v", err)
		}
		return exitOK
	}

	opts := gradeOptions{tags: joinTags(c.tags, c.private), private: c.private}
	if c.run != "" {
		re := regexp.MustCompile(c.run)
		opts.keep = func(t catalog.Test) bool { return re.MatchString(t.Name) }
		var kept []*catalog.Lab
		for _, lab := range labs {
			if len(opts.selected(lab)) > 0 {
				kept = append(kept, lab)
			}
		}
		if len(kept) == 0 {
			return setupErr("-run %q matches no graded test of %s", c.run, labNames(labs))
		}
		labs = kept
	}
	if c.overlay != "" {
		if c.overlay, err = filepath.Abs(c.overlay); err != nil {
			return setupErr("-overlay: %v", err)
		}
		opts.overlay = c.overlay
	}
	var integ *integrity // the check of the protected files, before anything is built
	if !c.check {
		integ = checkIntegrity(root, labs)
		if c.strict && !integ.ok() {
			fmt.Fprint(stderr, integ.refusal())
			c.reportSetupFailure(strings.TrimPrefix(integ.refusal(), "grader: "), stderr)
			return exitRefused
		}
		integ.warn(stderr)
	}

	sb, err := chooseSandbox(c.sandbox)
	if err != nil {
		return setupErr("%v", err)
	}
	if sb.Kind() == sandbox.None && c.sandbox == "auto" {
		fmt.Fprintf(stderr, "grader: tests run unsandboxed, with your rights: %s\n", sb.Why())
	}
	g, cleanup, err := newGrader(ctx, root, c.par, stderr, sb)
	if err != nil {
		return setupErr("%v", err)
	}
	defer cleanup()
	out := outputStyle(stdout)

	if c.check {
		code := runCheck(ctx, g, labs, c.checkRuns, stdout, out, c.verbose)
		g.progress.clear()
		if ctx.Err() != nil {
			return setupErr("interrupted")
		}
		return code
	}
	if c.runs > 0 {
		return findFlakes(ctx, g, labs, opts, c.runs, stdout, stderr, out, c.verbose)
	}
	// A person at a terminal reads this report: keep the files that the
	// messages of failed tests point at.
	if f, ok := stdout.(*os.File); ok && isTerminal(f) && !c.json {
		g.runs.keepFiles = true
	}

	results := make([]*labResult, len(labs))
	errs := make([]error, len(labs))
	var wg sync.WaitGroup
	for i, lab := range labs {
		wg.Go(func() { results[i], errs[i] = g.grade(ctx, lab, opts) })
	}
	wg.Wait()
	g.progress.clear()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return setupErr("interrupted")
		}
		return setupErr("the catalogue does not match the code; fix these problems:\n%v", indent(err.Error(), "  "))
	}
	if c.json {
		if err := writeJSONReport(stdout, results, integ); err != nil {
			return setupErr("writing the report: %v", err)
		}
	} else if c.markdown {
		writeMarkdown(stdout, results)
	} else {
		integ.warn(stdout)
		writeText(stdout, results, out, c.verbose)
	}
	reported = true
	if err := c.writeReportFiles(results, time.Since(start)); err != nil {
		return setupErr("%v", err)
	}
	if ctx.Err() != nil {
		return setupErr("interrupted: the tests marked NOT RUN were not graded")
	}
	if missed := missedPoints(results); c.strict && missed > 0 {
		fmt.Fprintf(stderr, "grader: -strict: %s missed\n", plural(missed, "point"))
		return exitMissed
	}
	return exitOK
}

// chooseSandbox returns the sandbox that mode (auto, bwrap or none) asks for.
func chooseSandbox(mode string) (*sandbox.Sandbox, error) {
	switch mode {
	case "none":
		return sandbox.Unsandboxed("-sandbox none"), nil
	case "bwrap":
		sb, err := sandbox.UseBwrap()
		if err != nil {
			return nil, fmt.Errorf("-sandbox bwrap: %v", err)
		}
		return sb, nil
	case "namespaces":
		sb, err := sandbox.UseNamespaces()
		if err != nil {
			return nil, fmt.Errorf("-sandbox namespaces: %v", err)
		}
		return sb, nil
	}
	return sandbox.Detect(), nil
}

// newGrader checks that the tools grading needs are there, and returns a
// grader whose binaries live in a temporary directory that cleanup removes.
func newGrader(ctx context.Context, root string, par int, stderr io.Writer, sb *sandbox.Sandbox) (*grader, func(), error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, nil, errors.New("the go command is not on the PATH: install Go (https://go.dev/doc/install) and add its bin directory to the PATH")
	}
	if _, err := findCC(); err != nil {
		return nil, nil, err
	}
	test2json, err := findTest2json(ctx, goCmd)
	if err != nil {
		return nil, nil, err
	}
	tmp, err := os.MkdirTemp("", "grader-")
	if err != nil {
		return nil, nil, fmt.Errorf("making a directory for the test binaries: %v", err)
	}
	slots := make(chan struct{}, par)
	env := testEnv()
	g := &grader{
		root:    root,
		sandbox: sb,
		builds:  &builder{root: root, tmp: tmp, goCmd: goCmd, slots: slots, env: os.Environ()},
		runs:    &runner{test2json: test2json, env: env, slots: slots, sandbox: sb, tmp: tmp},
	}
	if f, ok := stderr.(*os.File); ok {
		g.progress = newProgress(f)
	}
	return g, func() { os.RemoveAll(tmp) }, nil
}

// outputStyle returns the style of the report on w.
func outputStyle(w io.Writer) style {
	f, ok := w.(*os.File)
	return style{color: ok && useColor(f)}
}

// findRoot returns dir, or else the nearest directory at or above the
// working directory that holds labs/ and go.mod, as an absolute path.
func findRoot(dir string) (string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		if !isRoot(abs) {
			return "", fmt.Errorf("-root %s: not the kit's repository (no labs/ or no go.mod there)", dir)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isRoot(d) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside the kit's repository: run the grader from the directory that holds labs/ and go.mod", wd)
		}
	}
}

func isRoot(dir string) bool {
	labs, err1 := os.Stat(filepath.Join(dir, catalog.Dir))
	_, err2 := os.Stat(filepath.Join(dir, "go.mod"))
	return err1 == nil && labs.IsDir() && err2 == nil
}

// selectLabs returns the labs named, in course order; no names means all.
func selectLabs(all []*catalog.Lab, names []string) ([]*catalog.Lab, error) {
	if len(names) == 0 {
		return all, nil
	}
	var labs []*catalog.Lab
	for _, lab := range all {
		if slices.Contains(names, lab.ID) {
			labs = append(labs, lab)
		}
	}
	for _, name := range names {
		if !slices.ContainsFunc(all, func(l *catalog.Lab) bool { return l.ID == name }) {
			return nil, fmt.Errorf("unknown lab %q: the labs are %s", name, labNames(all))
		}
	}
	return labs, nil
}

func labNames(labs []*catalog.Lab) string {
	var names []string
	for _, l := range labs {
		names = append(names, l.ID)
	}
	return strings.Join(names, ", ")
}

// joinTags normalises a -tags value and adds "private" if asked.
func joinTags(tags string, private bool) string {
	var list listFlag
	list.Set(strings.ReplaceAll(tags, " ", ","))
	if private {
		list.Set("private")
	}
	return list.String()
}
