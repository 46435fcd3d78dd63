// Package catalog loads the lab catalogue: the files labs/<id>.toml that say
// what each lab grades.
//
// A catalogue file names a lab's title, its place in the course, its Go
// packages, the files a student writes, its parts, and its graded tests with
// their points and time limits. The grader reads nothing else to decide what
// counts, so Load is strict: an unknown key (a typo such as "pionts"), a
// missing field, a duplicate, a test that names an unknown part or package, a
// time limit that does not parse or a student file that does not exist is an
// error that names the file, the line where it can, and what to change.
// Load reports every problem it finds, not just the first.
//
// Whether each graded test exists in the code is a question for the compiler,
// not for this package: the grader checks it against the test binaries.
package catalog

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Dir is the directory of the catalogue, relative to the repository root.
const Dir = "labs"

// DefaultTimeout is the time limit of one graded test when neither the lab
// nor the test sets one.
const DefaultTimeout = 60 * time.Second

// A Lab is one lab of the course, as its catalogue file describes it.
type Lab struct {
	ID           string        // the file's base name: "crawler" for labs/crawler.toml
	File         string        // the catalogue file, relative to the root: "labs/crawler.toml"
	Title        string        // "Web crawler, three ways"
	Order        int           // place in the course, from 1
	Packages     []string      // the lab's Go packages, as "./dir" paths from the root
	Handout      string        // the handout, relative to the root; may be empty
	Timeout      time.Duration // time limit of one graded test unless the test sets its own
	StudentFiles []string      // the files a student writes, relative to the root
	Allow        []string      // what the static check of student files lets through (import paths, "os.Exit")
	Limits       Limits        // what one test process may use
	Parts        []Part
	Tests        []Test // in catalogue order
}

// A Part is a section of a lab; each test belongs to one.
type Part struct {
	ID    string // "serial"
	Title string // "A. Serial crawler"
}

// A Test is one graded test function.
type Test struct {
	Name    string        // the top-level test function: "TestSerialShapes"
	Part    string        // the ID of its Part; empty when the lab has no parts
	Points  int           // what a pass earns; always > 0
	Package string        // the package that holds it, one of its lab's Packages
	Timeout time.Duration // its time limit: its own, or else its lab's
	Private bool          // hidden: built only with the "private" tag
	Limits  Limits        // what its process may use: its lab's
}

// DisplayName names a test of the lab in every report: its function name,
// after its package's when the lab has more than one package
// ("server.TestGet").
func (l *Lab) DisplayName(t Test) string {
	if len(l.Packages) > 1 {
		return strings.TrimPrefix(t.Package, "./") + "." + t.Name
	}
	return t.Name
}

// Test returns the lab's test with the given name in the given package, or
// nil if there is none. An empty pkg matches any package.
func (l *Lab) Test(pkg, name string) *Test {
	for i := range l.Tests {
		t := &l.Tests[i]
		if t.Name == name && (pkg == "" || t.Package == pkg) {
			return t
		}
	}
	return nil
}

// Part returns the part with the given ID, or nil if there is none.
func (l *Lab) Part(id string) *Part {
	for i := range l.Parts {
		if l.Parts[i].ID == id {
			return &l.Parts[i]
		}
	}
	return nil
}

// An Error is one problem in a catalogue file.
type Error struct {
	File string // relative to the root, as "labs/crawler.toml"
	Line int    // 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads every labs/*.toml file under root and returns the labs sorted
// by their order in the course. If any file is malformed, Load returns the
// labs it could read and an error that joins one *Error per problem.
func Load(root string) ([]*Lab, error) {
	dir := filepath.Join(root, Dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no lab catalogue: %s does not exist (run from the repository root, where %s/ holds one .toml file per lab)", dir, Dir)
		}
		return nil, fmt.Errorf("reading the lab catalogue: %w", err)
	}
	var (
		labs []*Lab
		errs []error
	)
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".toml" {
			continue
		}
		lab, err := loadFile(root, e.Name())
		if err != nil {
			errs = append(errs, err)
		}
		if lab != nil {
			labs = append(labs, lab)
		}
	}
	if len(labs) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("no labs: %s holds no .toml file", dir)
	}
	sort.SliceStable(labs, func(i, j int) bool {
		if labs[i].Order != labs[j].Order {
			return labs[i].Order < labs[j].Order
		}
		return labs[i].ID < labs[j].ID
	})
	for i := 1; i < len(labs); i++ {
		a, b := labs[i-1], labs[i]
		if a.Order == b.Order && a.Order > 0 {
			errs = append(errs, &Error{File: b.File, Msg: fmt.Sprintf(
				"order %d is also the order of %s: give each lab its own place in the course", b.Order, a.File)})
		}
	}
	return labs, errors.Join(errs...)
}

// The shapes of a catalogue file, as TOML decodes it.
type (
	labFile struct {
		Title        string      `toml:"title"`
		Order        int         `toml:"order"`
		Packages     []string    `toml:"packages"`
		Handout      string      `toml:"handout"`
		Timeout      string      `toml:"timeout"`
		StudentFiles []string    `toml:"student_files"`
		Allow        []string    `toml:"allow"`
		Limits       limitsEntry `toml:"limits"`
		Parts        []partEntry `toml:"parts"`
		Tests        []testEntry `toml:"tests"`
	}
	partEntry struct {
		ID    string `toml:"id"`
		Title string `toml:"title"`
	}
	testEntry struct {
		Name    string `toml:"name"`
		Part    string `toml:"part"`
		Points  int    `toml:"points"`
		Package string `toml:"package"`
		Timeout string `toml:"timeout"`
		Private bool   `toml:"private"`
	}
)

// keysOf lists the keys each table accepts, for the hint after a typo.
var keysOf = map[string]string{
	"":       "title, order, packages, handout, timeout, student_files, allow, limits, parts, tests",
	"limits": "memory, file_size, processes, open_files",
	"parts":  "id, title",
	"tests":  "name, part, points, package, timeout, private",
}

// loadFile reads and checks one catalogue file. It returns the lab (nil if
// the file does not parse) and the problems it found.
func loadFile(root, name string) (*Lab, error) {
	rel := path.Join(Dir, name)
	data, err := os.ReadFile(filepath.Join(root, Dir, name))
	if err != nil {
		return nil, &Error{File: rel, Msg: err.Error()}
	}
	var f labFile
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return nil, decodeError(rel, err)
	}
	c := &checker{file: rel, text: string(data), root: root}
	seen := make(map[string]int) // an unknown key may stand in several [[tests]]
	for _, k := range md.Undecoded() {
		table := ""
		if len(k) > 1 {
			table = k[0]
		}
		hint := ""
		if keys, ok := keysOf[table]; ok {
			where := "at the top of the file"
			switch table {
			case "":
			case "limits":
				where = "in [limits]"
			default:
				where = "in [[" + table + "]]"
			}
			hint = fmt.Sprintf(" (the keys %s are %s)", where, keys)
		}
		seen[k.String()]++
		c.errorf(c.keyLineNth(k[len(k)-1], seen[k.String()]), "unknown key %q%s", k.String(), hint)
	}

	lab := &Lab{
		ID:      strings.TrimSuffix(name, ".toml"),
		File:    rel,
		Title:   strings.TrimSpace(f.Title),
		Order:   f.Order,
		Handout: f.Handout,
		Timeout: DefaultTimeout,
		Allow:   f.Allow,
	}
	if lab.Title == "" {
		c.errorf(0, "missing title: add a line such as title = \"Web crawler\"")
	}
	switch {
	case !md.IsDefined("order"):
		c.errorf(0, "missing order: add order = N, the lab's place in the course (1 for the first lab)")
	case f.Order < 1:
		c.errorf(c.keyLine("order"), "order is %d; it must be 1 or more (the lab's place in the course)", f.Order)
	}
	if f.Timeout != "" {
		lab.Timeout = c.duration(c.keyLine("timeout"), "timeout", f.Timeout)
	}

	lab.Limits = c.limits(f.Limits, func(key string) bool { return md.IsDefined("limits", key) })

	if len(f.Packages) == 0 {
		c.errorf(c.keyLine("packages"), "missing packages: list the lab's Go packages, as packages = [\"./%s\"]", lab.ID)
	}
	for _, p := range f.Packages {
		pkg, ok := c.pkg(c.keyLine("packages"), p)
		if !ok {
			continue
		}
		if slices.Contains(lab.Packages, pkg) {
			c.errorf(c.keyLine("packages"), "package %q is listed twice", p)
			continue
		}
		lab.Packages = append(lab.Packages, pkg)
	}

	if len(f.StudentFiles) == 0 {
		c.errorf(c.keyLine("student_files"), "missing student_files: list the files a student writes, as student_files = [\"%s/serial.go\"]", lab.ID)
	}
	for _, sf := range f.StudentFiles {
		c.studentFile(lab, sf)
	}

	for i, p := range f.Parts {
		line := c.tableLine("parts", i, len(f.Parts))
		switch {
		case p.ID == "":
			c.errorf(line, "part %d has no id", i+1)
			continue
		case lab.Part(p.ID) != nil:
			c.errorf(line, "part %q is declared twice", p.ID)
			continue
		case strings.TrimSpace(p.Title) == "":
			c.errorf(line, "part %q has no title", p.ID)
		}
		lab.Parts = append(lab.Parts, Part{ID: p.ID, Title: p.Title})
	}

	if len(f.Tests) == 0 {
		c.errorf(0, "missing tests: add a [[tests]] table (name, part, points) for each graded test")
	}
	for i, t := range f.Tests {
		if test, ok := c.test(lab, t, c.tableLine("tests", i, len(f.Tests))); ok {
			lab.Tests = append(lab.Tests, test)
		}
	}
	sort.SliceStable(c.errs, func(i, j int) bool { return c.errs[i].(*Error).Line < c.errs[j].(*Error).Line })
	return lab, errors.Join(c.errs...)
}

// testName is what a top-level test function's name looks like.
var testName = regexp.MustCompile(`^Test(\P{Ll}[\p{L}\p{N}_]*)?$`)

// test checks one [[tests]] entry and fills in its defaults.
func (c *checker) test(lab *Lab, t testEntry, line int) (Test, bool) {
	test := Test{Name: t.Name, Part: t.Part, Points: t.Points, Timeout: lab.Timeout, Private: t.Private, Limits: lab.Limits}
	if t.Name == "" {
		c.errorf(line, "a [[tests]] entry has no name")
		return test, false
	}
	ok := true
	if !testName.MatchString(t.Name) {
		c.errorf(line, "test %q: a name must be a top-level Go test function such as TestSerialShapes", t.Name)
		ok = false
	}
	switch {
	case t.Points == 0:
		c.errorf(c.keyLineAfter(line, "points"), "test %s has no points: add points = N, with N 1 or more (or delete the entry to stop grading the test)", t.Name)
		ok = false
	case t.Points < 0:
		c.errorf(c.keyLineAfter(line, "points"), "test %s: points is %d; a graded test earns 1 or more points (delete the entry to stop grading the test)", t.Name, t.Points)
		ok = false
	}
	switch {
	case t.Part == "" && len(lab.Parts) > 0:
		c.errorf(line, "test %s has no part: add part = %q (or another part's id)", t.Name, lab.Parts[0].ID)
		ok = false
	case t.Part != "" && lab.Part(t.Part) == nil:
		c.errorf(c.keyLineAfter(line, "part"), "test %s names part %q, which is not declared: the parts are %s", t.Name, t.Part, partIDs(lab))
		ok = false
	}
	switch {
	case t.Package != "":
		pkg, valid := c.pkg(c.keyLineAfter(line, "package"), t.Package)
		switch {
		case !valid:
			ok = false
		case !slices.Contains(lab.Packages, pkg):
			c.errorf(c.keyLineAfter(line, "package"), "test %s names package %q, which is not one of the lab's packages %q", t.Name, t.Package, lab.Packages)
			ok = false
		default:
			test.Package = pkg
		}
	case len(lab.Packages) == 1:
		test.Package = lab.Packages[0]
	case len(lab.Packages) > 1:
		c.errorf(line, "test %s has no package: the lab has several, so add package = one of %q", t.Name, lab.Packages)
		ok = false
	}
	if t.Timeout != "" {
		test.Timeout = c.duration(c.keyLineAfter(line, "timeout"), "test "+t.Name+": timeout", t.Timeout)
	}
	if ok {
		for _, prev := range lab.Tests {
			if prev.Name == test.Name && prev.Package == test.Package {
				c.errorf(line, "test %s in %s is listed twice: give it one entry", t.Name, test.Package)
				ok = false
			}
		}
	}
	return test, ok
}

// studentFile checks one entry of student_files and records it.
func (c *checker) studentFile(lab *Lab, name string) {
	line := c.keyLine("student_files")
	clean := path.Clean(name)
	if name == "" || path.IsAbs(name) || clean != name || strings.HasPrefix(clean, "../") {
		c.errorf(line, "student file %q must be a clean path from the repository root, such as \"%s/serial.go\"", name, lab.ID)
		return
	}
	if slices.Contains(lab.StudentFiles, name) {
		c.errorf(line, "student file %q is listed twice", name)
		return
	}
	lab.StudentFiles = append(lab.StudentFiles, name)
	if fi, err := os.Stat(filepath.Join(c.root, filepath.FromSlash(name))); err != nil {
		c.errorf(line, "student file %s does not exist: create it or remove it from student_files", name)
	} else if !fi.Mode().IsRegular() {
		c.errorf(line, "student file %s is not a regular file", name)
	}
	if len(lab.Packages) > 0 && !slices.Contains(lab.Packages, "./"+path.Dir(name)) {
		c.errorf(line, "student file %s is not in one of the lab's packages %q", name, lab.Packages)
	}
}

func partIDs(lab *Lab) string {
	var ids []string
	for _, p := range lab.Parts {
		ids = append(ids, strconv.Quote(p.ID))
	}
	if len(ids) == 0 {
		return "none (add [[parts]] tables)"
	}
	return strings.Join(ids, ", ")
}

// A checker collects the problems of one catalogue file.
type checker struct {
	file string // relative to the root
	text string // the file's contents, to find lines
	root string
	errs []error
}

func (c *checker) errorf(line int, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// duration parses a time limit such as "60s" or "2m".
func (c *checker) duration(line int, what, s string) time.Duration {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		c.errorf(line, "%s %q is not a duration: write it as \"90s\" or \"2m\"", what, s)
	case d <= 0:
		c.errorf(line, "%s %q must be more than zero", what, s)
	default:
		return d
	}
	return DefaultTimeout
}

// pkg checks a package path such as "./crawler" and returns it cleaned.
func (c *checker) pkg(line int, p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "./")
	clean := path.Clean(rest)
	if !ok || rest == "" || clean != rest || clean == "." || strings.HasPrefix(clean, "../") {
		c.errorf(line, "package %q must be a directory path from the repository root that starts with \"./\", such as \"./crawler\"", p)
		return "", false
	}
	fi, err := os.Stat(filepath.Join(c.root, filepath.FromSlash(clean)))
	if err != nil || !fi.IsDir() {
		c.errorf(line, "package %q: directory %s does not exist", p, clean)
		return "", false
	}
	return "./" + clean, true
}

// keyLine returns the line of the first assignment to key, or 0.
func (c *checker) keyLine(key string) int { return c.keyLineNth(key, 1) }

// keyLineNth returns the line of the n'th assignment to key, or 0.
func (c *checker) keyLineNth(key string, n int) int {
	for i, l := range strings.Split(c.text, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, key); ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
			if n--; n == 0 {
				return i + 1
			}
		}
	}
	return 0
}

// keyLineAfter returns the line of the assignment to key in the table whose
// header is on line header, or header itself if there is none.
func (c *checker) keyLineAfter(header int, key string) int {
	if header == 0 {
		return 0
	}
	lines := strings.Split(c.text, "\n")
	for i := header; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "[") {
			break
		}
		if rest, ok := strings.CutPrefix(l, key); ok && strings.HasPrefix(strings.TrimSpace(rest), "=") {
			return i + 1
		}
	}
	return header
}

// tableLine returns the line of the header of the i'th [[name]] table, or
// 0 if the file does not spell its n tables as n headers.
func (c *checker) tableLine(name string, i, n int) int {
	var lines []int
	for j, l := range strings.Split(c.text, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "[["); ok {
			if rest, ok = strings.CutPrefix(strings.TrimSpace(rest), name); ok && strings.HasPrefix(strings.TrimSpace(rest), "]]") {
				lines = append(lines, j+1)
			}
		}
	}
	if len(lines) != n {
		return 0
	}
	return lines[i]
}

// tomlLine matches the decoder's own errors, which carry a line number.
var tomlLine = regexp.MustCompile(`^toml: line (\d+)(?: \(last key "([^"]*)"\))?: (.*)$`)

// decodeError turns a TOML error into an *Error that names the file and line.
func decodeError(file string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" {
			msg = fmt.Sprintf("%s (at key %q)", msg, pe.LastKey)
		}
		return &Error{File: file, Line: pe.Position.Line, Msg: "invalid TOML: " + msg}
	}
	if m := tomlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		msg := m[3]
		if m[2] != "" {
			msg = fmt.Sprintf("key %q: %s", m[2], msg)
		}
		return &Error{File: file, Line: line, Msg: msg}
	}
	return &Error{File: file, Msg: strings.TrimPrefix(err.Error(), "toml: ")}
}
