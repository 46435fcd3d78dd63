package grading

import (
	"slices"

	"golabs/internal/report"
	"golabs/labvet/suite"
)

// Feedback runs labvet on the lab's packages in the tree at root, built
// with the selection's tags, and keeps what it finds in the student files:
// feedback shown beside the score, never points (the analyzers are
// heuristics; the tests decide the grade). A lab that was refused, or that
// does not build, gets none: the report says why already.
func Feedback(root string, l *report.Lab, s Selection) {
	lab := l.Spec
	if lab == nil || len(l.Refused) > 0 || len(l.BuildErrors) > 0 || s.solution() {
		return
	}
	found, err := suite.Run(root, lab.Packages, s.Tags, nil)
	if err != nil {
		return
	}
	for _, f := range found {
		if slices.Contains(lab.StudentFiles, f.Pos.Filename) {
			l.Feedback = append(l.Feedback, f.String())
		}
	}
}

// feedbackFor adds labvet's feedback to every lab of the report.
func feedbackFor(root string, labs []*report.Lab, s Selection) {
	for _, l := range labs {
		Feedback(root, l, s)
	}
}
