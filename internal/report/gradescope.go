package report

import (
	"fmt"
	"math"
	"strings"

	"golabs/internal/atomicfile"
)

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
func gradescopeReport(r *Report) gradescopeResults {
	rep := gradescopeResults{
		ExecutionTime:    int(math.Round(r.Elapsed.Seconds())),
		Visibility:       gsVisible,
		StdoutVisibility: gsHidden,
		Tests:            []gradescopeTest{},
	}
	var summary strings.Builder
	for _, l := range r.Labs {
		order := 0
		if l.Spec != nil {
			order = l.Spec.Order
		}
		shownEarned, shownMax, hidden, hiddenMax := 0, 0, 0, 0
		for i, t := range l.Tests {
			gt := gradescopeTest{
				Name:         fmt.Sprintf("%s: %s", l.ID, l.Name(t)),
				NameFormat:   "text",
				Number:       fmt.Sprintf("%d.%d", order, i+1),
				Score:        float64(t.Points),
				MaxScore:     float64(t.MaxPoints),
				Status:       "failed",
				Output:       gradescopeOutput(l, t),
				OutputFormat: "text",
				Visibility:   gsVisible,
			}
			if part := l.PartTitle(t); part != "" {
				gt.Name += " (" + part + ")"
			}
			if t.Result == Pass {
				gt.Status = "passed"
			}
			if t.Spec.Private {
				gt.Visibility = gsAfterPublished
				hidden++
				hiddenMax += t.MaxPoints
			} else {
				shownEarned += t.Points
				shownMax += t.MaxPoints
			}
			rep.Score += gt.Score
			rep.Tests = append(rep.Tests, gt)
		}
		fmt.Fprintf(&summary, "%s (%s): %d/%d", l.ID, l.Title, shownEarned, shownMax)
		if hidden > 0 {
			fmt.Fprintf(&summary, " on the tests shown now; %s worth %d points shown when the grades are published",
				Plural(hidden, "hidden test"), hiddenMax)
		}
		summary.WriteString("\n")
		for _, b := range l.BuildErrors {
			fmt.Fprintf(&summary, "  %s did not compile, so its tests earn nothing: %s\n", b.Package, b.FirstError())
		}
		if len(l.Refused) > 0 {
			fmt.Fprintf(&summary, "  not graded: the static check refused %s of the student files (see each test's output)\n",
				Plural(len(l.Refused), "line"))
		}
		if len(l.Feedback) > 0 {
			fmt.Fprintf(&summary, "  feedback from labvet (no points; what each check means: docs/labvet.md):\n")
			for _, f := range l.Feedback {
				fmt.Fprintf(&summary, "    %s\n", f)
			}
		}
	}
	rep.Output = strings.TrimRight(summary.String(), "\n")
	return rep
}

// gradescopeOutput is what a student reads under one test: the verdict and
// its reason, then what the test printed, or the compiler's output.
func gradescopeOutput(l *Lab, t *Test) string {
	if t.Result == Pass {
		return fmt.Sprintf("PASS (%.1fs)", t.Elapsed.Seconds())
	}
	head := t.Reason
	if label := t.Result.Label(); !strings.HasPrefix(strings.ToUpper(t.Reason), label+":") {
		// "FAIL: why", but "build failed: why" rather than "BUILD FAILED: build failed: why".
		head = label + ": " + t.Reason
	}
	if t.Elapsed > 0 {
		head += fmt.Sprintf(" (%.1fs)", t.Elapsed.Seconds())
	}
	if out := l.FailureOutput(t); out != "" {
		return head + "\n\n" + out
	}
	return head
}

// WriteGradescope writes the report as Gradescope's results.json to path,
// whole or not at all. A hidden (private) test is shown only once the
// grades are published, and the summary shown at once counts only the tests
// shown at once. What the grader prints on standard output (every test,
// hidden ones too) is never shown to students.
func WriteGradescope(path string, r *Report) error {
	return atomicfile.WriteJSON(path, gradescopeReport(r))
}

// WriteGradescopeFailure writes a results.json that says the grader could
// not grade, so that Gradescope shows the student why rather than an
// autograder that produced nothing.
func WriteGradescopeFailure(path, problem string) error {
	return atomicfile.WriteJSON(path, gradescopeResults{
		Output: "The grader could not grade this submission, so it earns no points for now. " +
			"This is a problem with the grading setup: tell the course staff.\n\n" + problem,
		Visibility:       gsVisible,
		StdoutVisibility: gsHidden,
		Tests:            []gradescopeTest{},
	})
}
