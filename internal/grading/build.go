package grading

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/guard"
	"golabs/internal/report"
	"golabs/internal/sandbox"
	"golabs/internal/trim"
)

// A Binary is one package's test binary, built with the race detector for
// one set of build tags and one overlay.
type Binary struct {
	Package string // "./crawler"
	Dir     string // the package's directory, where its tests run
	Tags    string // "solution,private", or ""
	Overlay string // the -overlay file, or ""

	Path    string        // the binary; "" if the build failed
	Output  string        // the compiler's output when the build failed
	Elapsed time.Duration // how long the build took
	Tests   []string      // the package's top-level tests, read from its test files
	// TestOnly is what the compiler says of the package built without its
	// tests, when it compiles only with them (see buildAlone).
	TestOnly []guard.Finding
	NoTests  bool  // the package has no test files, so no binary
	Err      error // a setup problem: go could not run, or the listing failed
}

// Failed reports whether the package did not compile.
func (b *Binary) Failed() bool { return b.Path == "" && b.Err == nil && !b.NoTests }

// Describe names the build for messages: "./crawler (-tags solution)".
func (b *Binary) Describe() string {
	s := b.Package
	if b.Tags != "" {
		s += " (-tags " + b.Tags + ")"
	} else {
		s += " (no tags)"
	}
	if b.Overlay != "" {
		s += " with overlay " + filepath.Base(filepath.Dir(b.Overlay))
	}
	return s
}

// BuildError returns the build failure as the report holds it.
func (b *Binary) BuildError() report.BuildError {
	return report.BuildError{Package: b.Package, Output: b.Output, Build: b.Describe()}
}

type buildKey struct{ pkg, tags, overlay string }

// The limits of one build: a lab's builds take a few hundred MiB and
// seconds to a minute with a cold cache.
const (
	buildMemory  = 3 << 30
	buildTimeout = 5 * time.Minute
)

// A builder builds test binaries, each (package, tags, overlay) once, however
// many goroutines ask for it.
type builder struct {
	root   string // absolute
	tmp    string // where binaries go
	goCmd  string
	slots  chan struct{}
	env    []string
	memory int64 // a build's memory limit; 0 for buildMemory

	mu     sync.Mutex
	builds map[buildKey]*buildOnce
	n      int
}

type buildOnce struct {
	once sync.Once
	bin  *Binary
}

// binary returns the test binary of pkg for tags and overlay, building it
// and listing its tests on first use.
func (b *builder) binary(ctx context.Context, pkg, tags, overlay string) *Binary {
	key := buildKey{pkg, tags, overlay}
	b.mu.Lock()
	if b.builds == nil {
		b.builds = make(map[buildKey]*buildOnce)
	}
	bo := b.builds[key]
	if bo == nil {
		bo = &buildOnce{}
		b.builds[key] = bo
		b.n++
	}
	n := b.n
	b.mu.Unlock()
	bo.once.Do(func() {
		name := fmt.Sprintf("%s-%d.test", strings.NewReplacer("/", "_", ".", "").Replace(pkg), n)
		bo.bin = b.build(ctx, pkg, tags, overlay, filepath.Join(b.tmp, name))
	})
	return bo.bin
}

func (b *builder) build(ctx context.Context, pkg, tags, overlay, out string) *Binary {
	bin := &Binary{Package: pkg, Dir: PackageDir(b.root, pkg), Tags: tags, Overlay: overlay}
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		bin.Err = ctx.Err()
		return bin
	}
	defer func() { <-b.slots }()

	args := []string{"test", "-c", "-race", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, pkg)
	// A submission can make the compiler allocate without end (constants
	// that double, generics that expand): the build has limits too.
	bctx, cancel := context.WithTimeout(ctx, buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(bctx, b.goCmd, args...)
	cmd.Dir = b.root
	cmd.Env = append(slices.Clip(b.env), "CGO_ENABLED=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	output := trim.New(keptOutput, keptOutput)
	cmd.Stdout, cmd.Stderr = output, output
	start := time.Now()
	var err error
	var exceeded *sandbox.Exceeded
	if err = cmd.Start(); err == nil {
		limit := b.memory
		if limit == 0 {
			limit = buildMemory
		}
		stop := sandbox.Guard(cmd.Process.Pid, sandbox.Limits{Memory: limit}, func() { cmd.Cancel() })
		err = cmd.Wait()
		exceeded = stop()
	}
	bin.Elapsed = time.Since(start)
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		bin.Err = ctx.Err()
		return bin
	case exceeded != nil:
		bin.Output = fmt.Sprintf("the build was stopped: the compiler %s (the limit of a build): "+
			"does the code make the compiler work without end, such as constants that double?", exceeded.Used)
		return bin
	case bctx.Err() != nil:
		bin.Output = fmt.Sprintf("the build was stopped: it did not finish within %s: "+
			"does the code make the compiler work without end?", buildTimeout)
		return bin
	case errors.As(err, &exit):
		bin.Output = strings.TrimSpace(output.String())
		return bin
	case err != nil:
		bin.Err = fmt.Errorf("building the tests of %s: %v", pkg, err)
		return bin
	}
	if _, err := os.Stat(out); err != nil {
		// go test -c writes nothing for a package without test files.
		bin.NoTests = true
		return bin
	}
	bin.Path = out
	bin.Tests, bin.Err = b.listTests(ctx, bin)
	if bin.Err == nil && !(Selection{Tags: tags}).solution() {
		bin.TestOnly, bin.Err = b.buildAlone(ctx, bin)
	}
	return bin
}

// compilerLine is one line of the compiler's complaints: file:line:col: what.
var compilerLine = regexp.MustCompile(`^(\S+\.go):(\d+):(\d+): (.*)$`)

// goCommand returns the go command that runs verb and args on bin's
// package, with bin's tags and overlay, in the root.
func (b *builder) goCommand(ctx context.Context, bin *Binary, args ...string) *exec.Cmd {
	if bin.Tags != "" {
		args = append(args, "-tags", bin.Tags)
	}
	if bin.Overlay != "" {
		args = append(args, "-overlay", bin.Overlay)
	}
	cmd := exec.CommandContext(ctx, b.goCmd, append(args, bin.Package)...)
	cmd.Dir = b.root
	cmd.Env = b.env
	return cmd
}

// buildAlone builds bin's package without its tests. The student's files
// share a package with the tests, so they can name what only the tests
// declare: the test harness's variables, say, rewired so that a test passes
// without the student's code. Such a package compiles with its tests and
// not without them; buildAlone returns what the compiler says then.
func (b *builder) buildAlone(ctx context.Context, bin *Binary) ([]guard.Finding, error) {
	out, err := b.goCommand(ctx, bin, "build", "-o", os.DevNull).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case !errors.As(err, &exit):
		return nil, fmt.Errorf("building %s without its tests: %v", bin.Package, err)
	}
	var findings []guard.Finding
	for _, l := range strings.Split(string(out), "\n") {
		m := compilerLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		f := guard.Finding{
			Pos:  token.Position{Filename: m[1], Line: line, Column: col},
			What: m[4],
			Why:  "it compiles only with the tests, so it uses what only the tests declare; a student file may use only the package's own code",
		}
		if name, ok := strings.CutPrefix(m[4], "undefined: "); ok {
			f.What = "using " + name
			f.Why = "only the tests declare " + name + ", and a student file may use only the package's own code " +
				"(the file compiles only with the tests)"
		}
		findings = append(findings, f)
	}
	if len(findings) == 0 {
		findings = append(findings, guard.Finding{What: "the package", Why: "it compiles with its tests but not without them: " + strings.SplitN(string(out), "\n", 2)[0]})
	}
	return findings, nil
}

// listTests returns the top-level tests of bin's package, read from the
// source of its test files as go list selects them for bin's tags. It does
// not run the binary: that would run the student's code (an init function
// that exits, or prints test names, would pass for a catalogue problem).
func (b *builder) listTests(ctx context.Context, bin *Binary) ([]string, error) {
	cmd := b.goCommand(ctx, bin, "list", "-f", "{{range .TestGoFiles}}{{println .}}{{end}}{{range .XTestGoFiles}}{{println .}}{{end}}")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the test files of %s: %v\n%s", bin.Describe(), err, bytes.TrimSpace(stderr.Bytes()))
	}
	var tests []string
	fset := token.NewFileSet()
	for _, name := range strings.Fields(string(out)) {
		f, err := parser.ParseFile(fset, filepath.Join(bin.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("reading the tests of %s: %v", bin.Describe(), err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && testFunc.MatchString(fn.Name.Name) && isTestSignature(fn.Type) {
				tests = append(tests, fn.Name.Name)
			}
		}
	}
	slices.Sort(tests)
	return tests, nil
}

// isTestSignature reports whether ft is func(*testing.T) with no results,
// as go test requires of a test (assuming the testing package is imported
// under its own name, as in every lab).
func isTestSignature(ft *ast.FuncType) bool {
	if ft.TypeParams != nil || ft.Results != nil || len(ft.Params.List) != 1 || len(ft.Params.List[0].Names) > 1 {
		return false
	}
	star, ok := ft.Params.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "testing" && sel.Sel.Name == "T"
}

var testFunc = regexp.MustCompile(`^Test(\P{Ll}[\p{L}\p{N}_]*)?$`)

// catalogueMismatch compares the tests lab grades in bin's package with the
// tests the package has, and returns one error per difference: a graded test
// that does not exist, or a test that is not graded. Private tests are
// expected only when private is set.
func catalogueMismatch(lab *catalog.Lab, bin *Binary, private bool) []error {
	var errs []error
	for _, t := range lab.Tests {
		if t.Package != bin.Package || (t.Private && !private) {
			continue
		}
		if !slices.Contains(bin.Tests, t.Name) {
			errs = append(errs, fmt.Errorf("%s grades %s, but %s has no such test: fix the name or delete the entry",
				lab.File, t.Name, bin.Describe()))
		}
	}
	for _, name := range bin.Tests {
		if lab.Test(bin.Package, name) == nil {
			errs = append(errs, fmt.Errorf("test %s in %s has no points in %s: add a [[tests]] entry for it (or delete the test)",
				name, bin.Package, lab.File))
		}
	}
	return errs
}

// findCC returns the C compiler the race detector will use: $CC, or else
// gcc, clang or cc on the PATH.
func findCC() (string, error) {
	if cc := strings.Fields(os.Getenv("CC")); len(cc) > 0 {
		p, err := exec.LookPath(cc[0])
		if err != nil {
			return "", fmt.Errorf("CC is %q, but %s is not an executable on the PATH: the race detector needs cgo and a C compiler; fix CC or unset it", os.Getenv("CC"), cc[0])
		}
		return p, nil
	}
	for _, name := range []string{"gcc", "clang", "cc"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no C compiler: the race detector needs cgo and a C compiler (gcc or clang), and none is on the PATH; install one (Debian/Ubuntu: apt-get install gcc; macOS: xcode-select --install) or set CC")
}

// findTest2json returns the path of go tool test2json, building it if the Go
// distribution does not ship it prebuilt.
func findTest2json(ctx context.Context, goCmd string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, goCmd, "tool", "-n", "test2json")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("finding go tool test2json: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	p := strings.TrimSpace(stdout.String())
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("finding go tool test2json: %v", err)
	}
	return p, nil
}

// testEnv returns the environment of test processes: the grader's own, with
// atexit_sleep_ms=0 added to GORACE so that a binary with a race exits at
// once, keeping any options the user set (an atexit_sleep_ms among them).
func testEnv() []string {
	env := os.Environ()
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GORACE="); ok {
			if strings.Contains(v, "atexit_sleep_ms=") {
				return env
			}
			if v != "" {
				v += " "
			}
			env[i] = "GORACE=" + v + "atexit_sleep_ms=0"
			return env
		}
	}
	return append(env, "GORACE=atexit_sleep_ms=0")
}
