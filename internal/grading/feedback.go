package grading

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golabs/internal/report"
	"golabs/labvet/suite"
)

// The bounds of labvet's feedback on one lab: it type-checks the student's
// code in the grader's own process, so a submission too large to be a
// lab's, or one that keeps the analyzers busy, gets none; and a report
// shows the first maxFeedback findings.
const (
	feedbackSource  = 512 << 10 // bytes of student files
	feedbackTimeout = time.Minute
	maxFeedback     = 20
)

// Feedback runs labvet on the lab's packages in the tree at root, built
// with the selection's tags and overlay, and keeps what it finds in the
// student files: feedback shown beside the score, never points (the
// analyzers are heuristics; the tests decide the grade). A lab that was
// refused or does not build gets none (the report says why already), and
// so does one whose analysis fails, panics or runs past its time.
func Feedback(root string, l *report.Lab, s Selection) {
	lab := l.Spec
	if lab == nil || len(l.Refused) > 0 || len(l.BuildErrors) > 0 || s.solution() {
		return
	}
	size := int64(0)
	for _, f := range lab.StudentFiles {
		if fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(f))); err == nil {
			size += fi.Size()
		}
	}
	if size > feedbackSource {
		return
	}
	overlay, err := readOverlay(s.Overlay)
	if err != nil {
		return
	}
	done := make(chan []suite.Finding, 1)
	go func() {
		defer func() {
			if recover() != nil {
				done <- nil // an analyzer's bug costs the feedback, not the grading
			}
		}()
		found, err := suite.Run(root, lab.Packages, s.Tags, overlay)
		if err != nil {
			found = nil
		}
		done <- found
	}()
	var found []suite.Finding
	select {
	case found = <-done:
	case <-time.After(feedbackTimeout):
		return
	}
	n := 0
	for _, f := range found {
		if !slices.Contains(lab.StudentFiles, f.Pos.Filename) {
			continue
		}
		if n++; n <= maxFeedback {
			l.Feedback = append(l.Feedback, f.String())
		}
	}
	if n > maxFeedback {
		l.Feedback = append(l.Feedback, fmt.Sprintf("... and %d more findings: go run ./labvet %s shows them all", n-maxFeedback, lab.Packages[0]))
	}
}

// readOverlay reads a go command overlay file into the files it replaces,
// by absolute path, for the analyzers.
func readOverlay(file string) (map[string][]byte, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var o struct{ Replace map[string]string }
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for name, with := range o.Replace {
		if with == "" {
			continue // a deleted file
		}
		text, err := os.ReadFile(with)
		if err != nil {
			return nil, err
		}
		files[name] = text
	}
	return files, nil
}

// feedbackFor adds labvet's feedback to every lab of the report.
func feedbackFor(root string, labs []*report.Lab, s Selection) {
	for _, l := range labs {
		Feedback(root, l, s)
	}
}
