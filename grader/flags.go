package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"golabs/internal/catalog"
	"golabs/internal/grading"
	"golabs/internal/progress"
	"golabs/internal/report"
	"golabs/internal/sandbox"
)

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

// kitFlags are the flags every command that reads the catalogue has.
type kitFlags struct {
	labs listFlag
	root string
}

func (k *kitFlags) register(fs *flag.FlagSet) {
	fs.Var(&k.labs, "lab", "only this `lab` (repeatable, or a comma-separated list; default: all)")
	fs.StringVar(&k.root, "root", "", "the kit's repository `dir` (default: found from the working directory)")
}

// load finds the kit's root and loads the catalogue: all of it, and the
// labs the -lab flags select.
func (k *kitFlags) load() (root string, all, labs []*catalog.Lab, err error) {
	if root, err = findRoot(k.root); err != nil {
		return "", nil, nil, err
	}
	if all, err = catalog.Load(root); err != nil {
		return "", nil, nil, fmt.Errorf("the lab catalogue is malformed; fix these problems:\n%v", report.Indent(err.Error(), "  "))
	}
	labs, err = selectLabs(all, k.labs)
	return root, all, labs, err
}

// selectFlags are the flags that choose what to grade.
type selectFlags struct {
	run     string
	tags    string
	private bool
	par     int
	sandbox string
}

func (s *selectFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.run, "run", "", "only the tests whose names match `regexp`")
	fs.StringVar(&s.tags, "tags", "", "build `tags` for go, such as solution")
	fs.BoolVar(&s.private, "private", false, "the hidden tests too (adds the private build tag)")
	fs.IntVar(&s.par, "p", runtime.NumCPU(), "run at most `n` processes at once")
	fs.StringVar(&s.sandbox, "sandbox", "auto", "isolate each test process: `mode` auto (the best that works here), bwrap or namespaces (required), or none")
}

// check checks the values of the flags.
func (s *selectFlags) check() error {
	if s.par < 1 {
		return fmt.Errorf("-p %d: run at least one process at a time", s.par)
	}
	if err := checkSandbox(s.sandbox); err != nil {
		return err
	}
	if _, err := regexp.Compile(s.run); err != nil {
		return fmt.Errorf("-run %q: %v", s.run, err)
	}
	return nil
}

// selection returns what the flags select, and the labs among labs that
// have a selected test.
func (s *selectFlags) selection(labs []*catalog.Lab) (grading.Selection, []*catalog.Lab, error) {
	sel := grading.Selection{Tags: joinTags(s.tags, s.private), Private: s.private}
	if s.run == "" {
		return sel, labs, nil
	}
	re := regexp.MustCompile(s.run)
	sel.Keep = func(t catalog.Test) bool { return re.MatchString(t.Name) }
	var kept []*catalog.Lab
	for _, lab := range labs {
		if len(sel.Tests(lab)) > 0 {
			kept = append(kept, lab)
		}
	}
	if len(kept) == 0 {
		return sel, nil, fmt.Errorf("-run %q matches no graded test of %s", s.run, labNames(labs))
	}
	return sel, kept, nil
}

// newFlagSet returns the flag set of a command: -h prints help, then the
// flags.
func newFlagSet(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\nFlags:\n", help)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses a command's flags; a usage error is printed with a hint.
// It returns the exit status to end with, or -1 to go on.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer, check func() error) int {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err == nil && check != nil {
		err = check()
	}
	if err != nil {
		name := fs.Name()
		fmt.Fprintf(stderr, "%s: %v\nrun go run ./%s -h for the flags\n", name, err, name)
		return exitSetup
	}
	return -1
}

// checkSandbox checks a -sandbox mode.
func checkSandbox(mode string) error {
	if !slices.Contains([]string{"auto", "bwrap", "namespaces", "none"}, mode) {
		return fmt.Errorf("-sandbox %q: choose auto, bwrap, namespaces or none", mode)
	}
	return nil
}

// openGrader returns a grader of the kit at root, with the sandbox that mode
// asks for and a progress line on stderr; where auto finds no sandbox, it
// says so on stderr.
func openGrader(ctx context.Context, root string, par int, mode string, stderr io.Writer) (*grading.Grader, error) {
	sb, err := chooseSandbox(mode)
	if err != nil {
		return nil, err
	}
	if sb.Kind() == sandbox.None && mode == "auto" {
		fmt.Fprintf(stderr, "grader: tests run unsandboxed, with your rights: %s\n", sb.Why())
	}
	return grading.New(ctx, grading.Options{Root: root, Par: par, Sandbox: sb, Progress: stderr})
}

// chooseSandbox returns the sandbox that mode (auto, bwrap, namespaces or
// none) asks for.
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

func labIDs(labs []*catalog.Lab) []string {
	var ids []string
	for _, l := range labs {
		ids = append(ids, l.ID)
	}
	return ids
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

// style returns the style of a report on w.
func style(w io.Writer) report.Style { return report.Style{Color: progress.Color(w)} }
