package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/catalog"
	"golabs/internal/layout"
	"golabs/internal/translation"
)

// repoRoot is the kit's repository, the parent of this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// kitRoot is a snapshot of the kit's working tree in a repository of its
// own, where every file of the working tree that git does not ignore is
// tracked: the tests then see the kit as it would be committed, even while
// someone is adding files to it. TestMain removes it.
var kitRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if kitRoot != "" {
		os.RemoveAll(kitRoot)
	}
	os.Exit(code)
}

// kitTree makes the snapshot once, and reads its files.
var kitTree = sync.OnceValues(func() (tree, error) {
	dir, err := os.MkdirTemp("", "kit-")
	if err != nil {
		return nil, err
	}
	kitRoot = dir
	out, err := gitOutput("..", nil, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	if err != nil {
		return nil, err
	}
	for _, name := range strings.Split(out, "\x00") {
		fi, err := os.Lstat(filepath.Join("..", name))
		if name == "" || err != nil || !fi.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			return nil, err
		}
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(full, data, fi.Mode().Perm()); err != nil {
			return nil, err
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}} {
		if _, err := gitOutput(dir, nil, args...); err != nil {
			return nil, err
		}
	}
	return readTracked(dir)
})

// mustKit returns the files of the kit's snapshot, and skips the test when
// the kit is not a git repository (an unpacked archive of it).
func mustKit(t *testing.T) tree {
	t.Helper()
	if _, err := gitOutput("..", nil, "rev-parse", "--git-dir"); err != nil {
		t.Skipf("the kit is not in a git repository: %v", err)
	}
	src, err := kitTree()
	if err != nil {
		t.Fatalf("reading the kit: %v", err)
	}
	return src
}

func TestStudentTree(t *testing.T) {
	src := mustKit(t)
	st, err := transform(src, studentTree)
	if err != nil {
		t.Fatal(err)
	}
	if found := leaks(st); len(found) > 0 {
		t.Errorf("the student tree gives away:\n  %s", strings.Join(found, "\n  "))
	}
	for name, f := range st {
		if expr, _, _, ok, _ := layout.Constraint(f.data); strings.HasSuffix(name, ".go") && ok &&
			(slices.Contains(layout.Tags(expr), "solution") || slices.Contains(layout.Tags(expr), "private")) {
			t.Errorf("%s keeps the build constraint %q; a stub must ship without one", name, expr)
		}
		if strings.HasPrefix(name, "release/") || strings.HasPrefix(name, ".ci/") {
			t.Errorf("%s is instructor-only but is in the student tree", name)
		}
	}
	for _, stub := range []string{"crawler/serial.go", "kv/server.go", "rpcfail/persist.go"} {
		f, ok := st[stub]
		if !ok {
			t.Errorf("stub %s is missing from the student tree", stub)
			continue
		}
		if !bytes.HasPrefix(f.data, []byte("package ")) {
			t.Errorf("stub %s begins %q; want its package clause first, the constraint and its blank line gone", stub, f.data[:min(40, len(f.data))])
		}
	}
	// Files the kit does not have yet: a hidden test, instructor docs.
	src = maps.Clone(src)
	src["crawler/private_test.go"] = file{data: []byte("//go:build private\n\npackage crawler\n"), mode: 0o644}
	src["docs/instructors.md"] = file{data: []byte("# For staff\n"), mode: 0o644}
	st, err = transform(src, studentTree)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := transform(src, pristineTree)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"crawler/private_test.go", "docs/instructors.md"} {
		if _, ok := st[name]; ok {
			t.Errorf("%s is in the student tree", name)
		}
	}
	if _, ok := pt["crawler/private_test.go"]; !ok {
		t.Errorf("the hidden test crawler/private_test.go is not in the pristine tree")
	}
	if _, ok := pt["crawler/serial_solution.go"]; ok {
		t.Errorf("the pristine tree holds a reference")
	}
}

func TestSolutionTree(t *testing.T) {
	src := mustKit(t)
	sol, err := transform(src, solutionTree)
	if err != nil {
		t.Fatal(err)
	}
	ref := src["crawler/serial_solution.go"].data
	got := sol["crawler/serial.go"].data
	if !bytes.HasPrefix(got, []byte("package crawler")) || !bytes.HasSuffix(ref, got) {
		t.Errorf("crawler/serial.go in the solution tree is not the reference without its constraint:\n%s", got[:min(200, len(got))])
	}
	for name := range sol {
		if strings.HasSuffix(name, "_solution.go") && !layout.IsMutant(name) {
			t.Errorf("%s: a reference left under its own name", name)
		}
	}
	if _, ok := sol["crawler/testdata/mutants/serial-go.txtar"]; !ok {
		t.Errorf("the mutants are gone from the solution tree")
	}
	bad := maps.Clone(src)
	bad["crawler/odd.go"] = file{data: []byte("//go:build !solution && linux\n\npackage crawler\n")}
	if _, err := transform(bad, studentTree); err == nil || !strings.Contains(err.Error(), "crawler/odd.go") {
		t.Errorf("a stub with a compound constraint: err = %v; want one that names crawler/odd.go", err)
	}
}

// staffOnly are what the student README must not mention, in any case: the
// commands only course staff run, and the things only they have.
var staffOnly = []string{
	"make release", "make solution-branch", "make gradescope", "make manifest",
	"make check", "make stress", "make test-solution", "go run ./release",
	"-tags solution", "TAGS=solution", "-private", "_solution",
	"solution branch", "mutant", "instructor", "参考答案", "变异体",
}

// checkStudentReadme checks a student README, named name in the student
// tree: it names the other language's README on its first line, then its
// title; it lists the labs in course order, each with its handouts and
// files; it gives go.mod's Go version, v; it mentions nothing that only
// course staff use.
func checkStudentReadme(t *testing.T, name, readme string, labs []*catalog.Lab, v string) {
	t.Helper()
	first, rest, _ := strings.Cut(readme, "\n")
	// A translation names the heading it translates on the line above.
	title := regexp.MustCompile(`^\n*(<!-- en: [^\n]* -->\n)?# `)
	if !regexp.MustCompile(`^\[[^\]]+\]\(README(\.[a-z]+)?\.md\)$`).MatchString(first) || !title.MatchString(rest) ||
		strings.Contains(readme, "{{") {
		t.Errorf("%s does not begin with a link to the README in the other language, then its title, or keeps template actions:\n%s",
			name, readme[:min(300, len(readme))])
	}
	lower := strings.ToLower(readme)
	for _, word := range staffOnly {
		if i := strings.Index(lower, strings.ToLower(word)); i >= 0 {
			line := strings.Count(readme[:i], "\n") + 1
			t.Errorf("%s:%d: the student README mentions %q, which only course staff use", name, line, word)
		}
	}
	last := -1
	for _, lab := range labs {
		i := strings.Index(readme, "`"+lab.ID+"`")
		if lab.Handout != "" {
			i = strings.Index(readme, "]("+lab.Handout+")")
			if !strings.Contains(readme, "]("+zhDoc(lab.Handout)+")") {
				t.Errorf("%s does not link lab %s to its Chinese handout %s", name, lab.ID, zhDoc(lab.Handout))
			}
		}
		if i < 0 {
			t.Errorf("%s does not list lab %s with its handout %q", name, lab.ID, lab.Handout)
			continue
		}
		if i < last {
			t.Errorf("%s lists lab %s out of course order", name, lab.ID)
		}
		last = i
		for _, f := range append([]string{lab.ID}, lab.StudentFiles...) {
			if !strings.Contains(readme, "`"+f+"`") {
				t.Errorf("%s does not name %s of lab %s", name, f, lab.ID)
			}
		}
	}
	if !strings.Contains(readme, "Go "+v) {
		t.Errorf("%s does not give go.mod's Go version, %s", name, v)
	}
}

// TestStudentReadmeTranslated holds the Chinese student README to the
// English one, as package translation holds a handout's translation to it,
// and checks that -lang swaps them.
func TestStudentReadmeTranslated(t *testing.T) {
	src := mustKit(t)
	st, err := treeFor(kitRoot, src, studentTree, "en")
	if err != nil {
		t.Fatal(err)
	}
	body := func(name string) string {
		_, rest, _ := strings.Cut(string(st[name].data), "\n") // the link to the other
		return "\n" + rest
	}
	en, err := translation.Parse("README.md", body("README.md"))
	if err != nil {
		t.Fatal(err)
	}
	zh, err := translation.Parse("README.zh.md", body("README.zh.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range translation.Compare(en, zh, nil) {
		t.Errorf("%s (lines of the rendered READMEs)", d.Format("README.md", "README.zh.md"))
	}
	if t.Failed() {
		t.Logf("release/student/README.zh.md translates release/student/README.md: update it (docs/zh/glossary.md has the terms)")
	}

	zt, err := treeFor(kitRoot, src, studentTree, "zh")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := zt["README.zh.md"]; ok {
		t.Errorf("-lang zh: the tree still has README.zh.md")
	}
	rest := func(tr tree, name string) string {
		_, r, _ := strings.Cut(string(tr[name].data), "\n") // the link to the other
		return r
	}
	if rest(zt, "README.en.md") != rest(st, "README.md") || rest(zt, "README.md") != rest(st, "README.zh.md") {
		t.Errorf("-lang zh: README.md is not the Chinese README, or README.en.md not the English one")
	}
	for name, want := range map[string]string{"README.md": "(README.en.md)", "README.en.md": "(README.md)"} {
		if first, _, _ := strings.Cut(string(zt[name].data), "\n"); !strings.HasSuffix(first, want) {
			t.Errorf("-lang zh: %s begins %q; want a link to %s", name, first, want)
		}
	}
	if _, err := treeFor(kitRoot, src, studentTree, "fr"); err == nil || !strings.Contains(err.Error(), "en, zh") {
		t.Errorf("-lang fr: error %v, want one that lists the languages", err)
	}
}

func TestStudentReadme(t *testing.T) {
	src := mustKit(t)
	st, err := treeFor(kitRoot, src, studentTree, "en")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(st["README.md"].data)
	if readme == string(src["README.md"].data) {
		t.Fatalf("the student tree's README.md is the repository's, not the student one")
	}
	labs, err := catalog.Load(kitRoot)
	if err != nil {
		t.Fatal(err)
	}
	v, err := goVersion(src["go.mod"].data)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"README.md", "README.zh.md"} {
		checkStudentReadme(t, name, string(st[name].data), labs, v)
	}
	// Both languages of every handout and of the guides to grading and labvet ship.
	for _, lab := range labs {
		for _, doc := range []string{lab.Handout, zhDoc(lab.Handout), "docs/grading.md", "docs/zh/grading.md", "docs/labvet.md", "docs/zh/labvet.md"} {
			if _, ok := st[doc]; lab.Handout != "" && !ok {
				t.Errorf("the student tree has no %s", doc)
			}
		}
	}
	// The pristine tree carries the same README; the solution tree keeps
	// the repository's.
	pt, err := treeFor(kitRoot, src, pristineTree, "en")
	if err != nil {
		t.Fatal(err)
	}
	if string(pt["README.md"].data) != readme {
		t.Errorf("the pristine tree's README.md is not the student one")
	}
	sol, err := treeFor(kitRoot, src, solutionTree, "en")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sol["README.md"].data, src["README.md"].data) {
		t.Errorf("the solution tree's README.md is not the repository's")
	}

	if testing.Short() {
		t.Skip("builds the packages the README's commands name")
	}
	dir := t.TempDir()
	if err := st.write(dir); err != nil {
		t.Fatal(err)
	}
	cmds, err := handoutCommands(dir)
	if err != nil {
		t.Fatal(err)
	}
	var mine []command
	var texts []string
	for _, c := range cmds {
		if c.file == "README.md" {
			mine = append(mine, c)
			texts = append(texts, c.text)
		}
	}
	for _, want := range []string{"go test -race ./crawler/", "make test LAB=crawler", "make grade", "make grade LAB=kv"} {
		if !slices.Contains(texts, want) {
			t.Errorf("the commands check does not see %q in README.md; it sees %q", want, texts)
		}
	}
	if err := tryCommands(dir, mine, io.Discard); err != nil {
		t.Error(err)
	}
}

func TestReleaseDir(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and grades a tree")
	}
	t.Parallel()
	mustKit(t)
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "stale"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-root", kitRoot, "-out", out}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "-force") {
		t.Fatalf("release into a non-empty directory: exit %d, %s; want 2 and a hint at -force", code, stderr.String())
	}
	stderr.Reset()
	if code := run([]string{"-root", kitRoot, "-out", out, "-force"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "no earlier release") {
		t.Fatalf("-force on a directory that holds no release: exit %d, %s; want 2 and a refusal", code, stderr.String())
	}
	src := mustKit(t)
	st, err := treeFor(kitRoot, src, studentTree, "en")
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(out, "stale"))
	if err := makeTree(kitRoot, out, studentTree, "en", io.Discard); err != nil {
		t.Fatal(err)
	}
	took, err := verifyStudentTree(out, "crawler", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("grading the crawler stubs of the student tree took %.1fs", took.Seconds())
	var written []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(out, p)
			written = append(written, filepath.ToSlash(rel))
		}
		return nil
	})
	want := append(st.paths(), "labs/manifest.sha256")
	slices.Sort(want)
	want = slices.Compact(want)
	if !slices.Equal(written, want) {
		extra := slices.DeleteFunc(slices.Clone(written), func(p string) bool { return slices.Contains(want, p) })
		missing := slices.DeleteFunc(slices.Clone(want), func(p string) bool { return slices.Contains(written, p) })
		t.Errorf("the tree written holds %d files, the student tree %d: not in the student tree %q, not written %q",
			len(written), len(want), extra, missing)
	}
}

func TestBranches(t *testing.T) {
	if testing.Short() {
		t.Skip("clones the repository")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	mustKit(t)
	clone := filepath.Join(t.TempDir(), "kit")
	if out, err := exec.Command("git", "clone", "-q", repoRoot(t), clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	t.Setenv("GIT_AUTHOR_NAME", "Staff")
	t.Setenv("GIT_AUTHOR_EMAIL", "staff@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "Staff")
	t.Setenv("GIT_COMMITTER_EMAIL", "staff@example.com")
	git := func(args ...string) string {
		t.Helper()
		out, err := gitOutput(clone, nil, args...)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out)
	}
	head, branch := git("rev-parse", "HEAD"), git("symbolic-ref", "HEAD")
	for i := range 2 {
		for _, args := range [][]string{{"-branch", "public"}, {"-solution-branch", "solution"}} {
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"-root", clone, "-no-verify"}, args...), &stdout, &stderr); code != 0 {
				t.Fatalf("release %v: exit %d\n%s%s", args, code, stdout.String(), stderr.String())
			}
			if i == 1 && !strings.Contains(stdout.String(), "nothing to commit") {
				t.Errorf("release %v again: %s; want nothing to commit", args, stdout.String())
			}
		}
	}
	if git("rev-parse", "HEAD") != head || git("symbolic-ref", "HEAD") != branch || git("status", "--porcelain") != "" {
		t.Errorf("the clone's HEAD, branch or working tree changed")
	}
	public := strings.Split(git("ls-tree", "-r", "--name-only", "public"), "\n")
	solution := strings.Split(git("ls-tree", "-r", "--name-only", "solution"), "\n")
	for _, name := range public {
		if strings.Contains(name, "_solution") || layout.IsMutant(name) || layout.IsStaff(name) {
			t.Errorf("branch public holds %s", name)
		}
	}
	if !slices.Contains(public, "crawler/serial.go") || !slices.Contains(public, "labs/manifest.sha256") {
		t.Errorf("branch public lacks the stubs or the manifest")
	}
	if slices.Contains(solution, "crawler/serial_solution.go") || !slices.Contains(solution, "crawler/testdata/mutants/serial-go.txtar") {
		t.Errorf("branch solution: a reference under its own name, or the mutants gone")
	}
	if got := git("show", "solution:crawler/serial.go"); strings.Contains(got, "not implemented") || strings.Contains(got, "//go:build") {
		t.Errorf("branch solution: crawler/serial.go is not the reference without its constraint")
	}
	var stderr bytes.Buffer
	git("checkout", "-q", "public")
	if code := run([]string{"-root", clone, "-no-verify", "-branch", "public"}, io.Discard, &stderr); code != 2 {
		t.Errorf("committing on the checked-out branch: exit %d; want 2 (%s)", code, stderr.String())
	}
}

// The Gradescope layout: source/ holds the unzipped autograder.
type gradescopeResult struct {
	Score  *float64 `json:"score"`
	Output string   `json:"output"`
	Tests  []struct {
		Name       string   `json:"name"`
		Score      *float64 `json:"score"`
		MaxScore   *float64 `json:"max_score"`
		Status     string   `json:"status"`
		Output     *string  `json:"output"`
		Visibility string   `json:"visibility"`
	} `json:"tests"`
}

func TestAutograder(t *testing.T) {
	if testing.Short() {
		t.Skip("grades three submissions")
	}
	t.Parallel()
	src := mustKit(t)
	zipFile := filepath.Join(t.TempDir(), "autograder.zip")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-root", kitRoot, "-no-verify", "-gradescope", zipFile}, &stdout, &stderr); code != 0 {
		t.Fatalf("release -gradescope: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	zr, err := zip.OpenReader(zipFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zr.Close() })
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	for _, want := range []string{"setup.sh", "run_autograder", "finish.go", "kit/go.mod", "kit/labs/manifest.sha256", "kit/crawler/serial.go"} {
		if !slices.Contains(names, want) {
			t.Errorf("the zip lacks %s", want)
		}
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_solution.go") || layout.IsMutant(name) {
			t.Errorf("the zip holds %s", name)
		}
	}
	reference := func(name string) []byte {
		_, start, end, ok, err := layout.Constraint(src[name].data)
		if !ok || err != nil {
			t.Fatalf("%s has no build constraint", name)
		}
		return slices.Concat(src[name].data[:start], src[name].data[end:])
	}
	for _, tc := range []struct {
		name       string
		submission map[string][]byte
		check      func(t *testing.T, r gradescopeResult)
	}{
		{"reference", map[string][]byte{
			"serial.go":            reference("crawler/serial_solution.go"),
			"mutex.go":             reference("crawler/mutex_solution.go"),
			"deep/dir/channel.go":  reference("crawler/channel_solution.go"),
			"crawler/pool.go":      reference("crawler/pool_solution.go"),
			"notes/ignored.go.txt": []byte("not a student file"),
		}, func(t *testing.T, r gradescopeResult) {
			var max float64
			for _, tc := range r.Tests {
				max += *tc.MaxScore
				if tc.Status != "passed" {
					t.Errorf("%s: %s; want passed: %s", tc.Name, tc.Status, *tc.Output)
				}
			}
			if *r.Score != max || max != 100 {
				t.Errorf("score %v of %v; want 100 of 100", *r.Score, max)
			}
		}},
		{"broken", map[string][]byte{
			"crawler/serial.go": []byte("package crawler\n\nfunc Serial( {\n"),
		}, func(t *testing.T, r gradescopeResult) {
			if *r.Score != 0 || !strings.Contains(r.Output, "does not compile") || !strings.Contains(r.Output, "serial.go:3") {
				t.Errorf("score %v, output %q; want 0 and the compiler's message", *r.Score, r.Output)
			}
		}},
		{"empty", nil, func(t *testing.T, r gradescopeResult) {
			if *r.Score != 0 || !strings.Contains(r.Output, "no student files: the submission should hold crawler/serial.go") {
				t.Errorf("score %v, output %q; want 0 and a note that the student files are missing", *r.Score, r.Output)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			for _, f := range zr.File {
				writeZipped(t, f, filepath.Join(root, "source", filepath.FromSlash(f.Name)))
			}
			if err := os.MkdirAll(filepath.Join(root, "submission"), 0o755); err != nil {
				t.Fatal(err)
			}
			for name, data := range tc.submission {
				full := filepath.Join(root, "submission", filepath.FromSlash(name))
				os.MkdirAll(filepath.Dir(full), 0o755)
				if err := os.WriteFile(full, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", filepath.Join(root, "source", "run_autograder"))
			cmd.Env = append(os.Environ(), "AUTOGRADER_ROOT="+root, "GRADE_LABS=crawler")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("run_autograder: %v\n%s", err, out)
			}
			t.Logf("run_autograder took %.1fs", time.Since(start).Seconds())
			data, err := os.ReadFile(filepath.Join(root, "results", "results.json"))
			if err != nil {
				t.Fatalf("no results.json: %v\n%s", err, out)
			}
			var r gradescopeResult
			if err := json.Unmarshal(data, &r); err != nil {
				t.Fatalf("results.json does not parse: %v\n%s", err, data)
			}
			if r.Score == nil || len(r.Tests) == 0 {
				t.Fatalf("results.json has no score or no tests:\n%s", data)
			}
			for _, tc := range r.Tests {
				if tc.Name == "" || tc.Score == nil || tc.MaxScore == nil || tc.Output == nil ||
					(tc.Status != "passed" && tc.Status != "failed") ||
					!slices.Contains([]string{"visible", "hidden", "after_due_date", "after_published"}, tc.Visibility) {
					t.Errorf("malformed test entry %+v", tc)
				}
			}
			tc.check(t, r)
		})
	}
}

// writeZipped extracts one file of a zip to name.
func writeZipped(t *testing.T, f *zip.File, name string) {
	t.Helper()
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, f.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

func TestAutograderFallback(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "results.json")
	os.WriteFile(results, []byte("{not json"), 0o644)
	text, err := gradescopeFS.ReadFile("gradescope/finish/main.go")
	if err != nil || !bytes.Contains(text, []byte("func finish(")) {
		t.Fatalf("the embedded helper is missing: %v", err)
	}
	// The helper has its own tests (gradescope/finish), and TestAutograder
	// runs it end to end. Here: that the bash fallback, for a machine
	// without Go, writes valid JSON.
	script := filepath.Join(dir, "fallback.sh")
	run, _ := gradescopeFS.ReadFile("gradescope/run_autograder")
	start := bytes.Index(run, []byte("fallback_json() {"))
	end := bytes.Index(run[start:], []byte("\n}\n"))
	body := string(run[start:start+end+3]) + "RESULTS=" + results + "\nfallback_json \"$(printf 'a \"quoted\"\\tline\\\\ \\n\\001 and \\303\\251')\"\n"
	os.WriteFile(script, []byte(body), 0o755)
	if out, err := exec.Command("bash", script).CombinedOutput(); err != nil {
		t.Fatalf("fallback: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(results)
	var r gradescopeResult
	if err := json.Unmarshal(data, &r); err != nil || r.Score == nil || *r.Score != 0 || !strings.Contains(r.Output, `"quoted"`) {
		t.Errorf("the fallback results.json: %v\n%s", err, data)
	}
}

func TestGoVersion(t *testing.T) {
	for in, want := range map[string]string{"module m\n\ngo 1.25\n": "1.25.0", "go 1.26.3\n": "1.26.3"} {
		if got, err := goVersion([]byte(in)); err != nil || got != want {
			t.Errorf("goVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := goVersion([]byte("module m\n")); err == nil {
		t.Errorf("goVersion without a go line: no error")
	}
}
