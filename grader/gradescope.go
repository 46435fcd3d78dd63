package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// reportOutput is how many bytes of one test's output the report files and
// the Markdown report keep: enough for a failure message and a stack, small
// enough that a class of failing tests stays readable.
const reportOutput = 10 << 10

// Gradescope's results.json, as its autograder specification describes it
// (https://gradescope-autograders.readthedocs.io/en/latest/specs/). Only the
// fields the grader fills are declared.
type (
	gradescopeResults struct {
		Score            float64          `json:"score"`
		ExecutionTime    int              `json:"execution_time"` // seconds
		Output           string           `json:"output"`
		Visibility       string           `json:"visibility"`
		StdoutVisibility string           `json:"stdout_visibility"`
		Tests            []gradescopeTest `json:"tests"`
	}
	gradescopeTest struct {
		Name         string  `json:"name"`
		NameFormat   string  `json:"name_format"`
		Number       string  `json:"number"`
		Score        float64 `json:"score"`
		MaxScore     float64 `json:"max_score"`
		Status       string  `json:"status"` // "passed" or "failed"
		Output       string  `json:"output"`
		OutputFormat string  `json:"output_format"`
		Visibility   string  `json:"visibility"`
	}
)

// Gradescope's visibility settings.
const (
	gsVisible        = "visible"         // shown to the student at once
	gsAfterPublished = "after_published" // shown when the grades are published
	gsHidden         = "hidden"          // never shown to the student
)

// gradescopeReport turns the grading into Gradescope's results. A hidden
// (private) test is shown only once the grades are published, and the
// summary shown at once counts only the tests shown at once. What the grader
// prints on standard output (every test, hidden ones too) is never shown to
// students.
func gradescopeReport(labs []*labResult, elapsed time.Duration) gradescopeResults {
	rep := gradescopeResults{
		ExecutionTime:    int(math.Round(elapsed.Seconds())),
		Visibility:       gsVisible,
		StdoutVisibility: gsHidden,
		Tests:            []gradescopeTest{},
	}
	var summary strings.Builder
	for _, lr := range labs {
		lab := lr.lab
		shownEarned, shownMax, hidden, hiddenMax := 0, 0, 0, 0
		for i, r := range lr.results {
			gt := gradescopeTest{
				Name:         fmt.Sprintf("%s: %s", lab.ID, reportName(lr, r)),
				NameFormat:   "text",
				Number:       fmt.Sprintf("%d.%d", lab.Order, i+1),
				Score:        float64(r.earned()),
				MaxScore:     float64(r.test.Points),
				Status:       "failed",
				Output:       gradescopeOutput(lr, r),
				OutputFormat: "text",
				Visibility:   gsVisible,
			}
			if part := lab.Part(r.test.Part); part != nil {
				gt.Name += " (" + part.Title + ")"
			}
			if r.outcome == pass {
				gt.Status = "passed"
			}
			if r.test.Private {
				gt.Visibility = gsAfterPublished
				hidden++
				hiddenMax += r.test.Points
			} else {
				shownEarned += r.earned()
				shownMax += r.test.Points
			}
			rep.Score += gt.Score
			rep.Tests = append(rep.Tests, gt)
		}
		fmt.Fprintf(&summary, "%s (%s): %d/%d", lab.ID, lab.Title, shownEarned, shownMax)
		if hidden > 0 {
			fmt.Fprintf(&summary, " on the tests shown now; %s worth %d points shown when the grades are published",
				plural(hidden, "hidden test"), hiddenMax)
		}
		summary.WriteString("\n")
		for _, b := range lr.broken {
			fmt.Fprintf(&summary, "  %s did not compile, so its tests earn nothing: %s\n", b.pkg, b.compileError())
		}
		if len(lr.refused) > 0 {
			fmt.Fprintf(&summary, "  not graded: the static check refused %s of the student files (see each test's output)\n",
				plural(len(lr.refused), "line"))
		}
	}
	rep.Output = strings.TrimRight(summary.String(), "\n")
	return rep
}

// gradescopeOutput is what a student reads under one test: the verdict and
// its reason, then what the test printed, or the compiler's output.
func gradescopeOutput(lr *labResult, r *result) string {
	if r.outcome == pass {
		return fmt.Sprintf("PASS (%.1fs)", r.elapsed.Seconds())
	}
	head := r.reason
	if label := r.outcome.label(); !strings.HasPrefix(strings.ToUpper(r.reason), label+":") {
		// "FAIL: why", but "build failed: why" rather than "BUILD FAILED: build failed: why".
		head = label + ": " + r.reason
	}
	if r.elapsed > 0 {
		head += fmt.Sprintf(" (%.1fs)", r.elapsed.Seconds())
	}
	if out := failureOutput(lr, r); out != "" {
		return head + "\n\n" + out
	}
	return head
}

// writeReportFiles writes the report files the command line asks for:
// -gradescope and -junit.
func (c *config) writeReportFiles(labs []*labResult, elapsed time.Duration) error {
	if c.gradescope != "" {
		if err := writeGradescope(c.gradescope, labs, elapsed); err != nil {
			return err
		}
	}
	if c.junit != "" {
		if err := writeJUnit(c.junit, labs, elapsed); err != nil {
			return err
		}
	}
	return nil
}

// reportSetupFailure writes, if -gradescope asks for results.json, one that
// says why the grader could not grade.
func (c *config) reportSetupFailure(problem string, stderr io.Writer) {
	if c == nil || c.gradescope == "" {
		return
	}
	if err := writeGradescopeFailure(c.gradescope, problem); err != nil {
		fmt.Fprintf(stderr, "grader: %v\n", err)
	}
}

// writeGradescope writes Gradescope's results.json to path.
func writeGradescope(path string, labs []*labResult, elapsed time.Duration) error {
	return writeJSONFile(path, gradescopeReport(labs, elapsed))
}

// writeGradescopeFailure writes a results.json that says the grader could
// not grade, so that Gradescope shows the student why rather than an
// autograder that produced nothing.
func writeGradescopeFailure(path, problem string) error {
	return writeJSONFile(path, gradescopeResults{
		Output: "The grader could not grade this submission, so it earns no points for now. " +
			"This is a problem with the grading setup: tell the course staff.\n\n" + problem,
		Visibility:       gsVisible,
		StdoutVisibility: gsHidden,
		Tests:            []gradescopeTest{},
	})
}

func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so that path holds the old file or the whole new
// one, never part of it.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("writing %s: the directory %s does not exist: create it, or name a file in a directory that exists", path, dir)
	case err != nil:
		return fmt.Errorf("writing %s: %v: name a file in a directory you can write to", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return nil
}

// reportName names a test in the reports: its function name, after its
// package's when the lab has more than one package.
func reportName(lr *labResult, r *result) string {
	if len(lr.lab.Packages) > 1 {
		return strings.TrimPrefix(r.test.Package, "./") + "." + r.test.Name
	}
	return r.test.Name
}

// failureOutput returns what explains a test that did not pass, bounded to
// reportOutput bytes: the compiler's output if its package did not compile,
// the lines the static check refused, or else what the test printed. It is
// empty for a pass.
func failureOutput(lr *labResult, r *result) string {
	var out string
	switch r.outcome {
	case pass:
		return ""
	case buildFailed:
		for _, b := range lr.broken {
			if b.pkg == r.test.Package {
				out = b.output
			}
		}
	case refused:
		var lines []string
		for _, f := range lr.refused {
			lines = append(lines, f.String())
		}
		out = strings.Join(lines, "\n")
	default:
		out = r.output
	}
	return boundOutput(strings.TrimRight(out, "\n"), reportOutput)
}

// boundOutput returns s if it is at most max bytes long, and else its first
// quarter and its last three quarters, cut at line ends where it can, around
// a note of how much was left out. The result is valid UTF-8.
func boundOutput(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	headLen, tailLen := max/4, max-max/4
	head := s[:headLen]
	if i := strings.LastIndexByte(head, '\n'); i > 0 {
		head = head[:i+1]
	}
	for len(head) > 0 && !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	tail := s[len(s)-tailLen:]
	if i := strings.IndexByte(tail, '\n'); i >= 0 && i < len(tail)-1 {
		tail = tail[i+1:]
	}
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	cut := len(s) - len(head) - len(tail)
	return fmt.Sprintf("%s[... %d bytes of output cut; go run ./grader -v shows more ...]\n%s",
		strings.TrimSuffix(head, "\n")+"\n", cut, tail)
}
