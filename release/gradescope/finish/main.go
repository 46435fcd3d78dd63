// Finish completes Gradescope's results.json after the labs were graded:
// it puts the autograder's notes on the submission (student files found or
// missing, a compiler message) at the top of the output students see. If
// the grader wrote no valid results.json, it writes one with no points that
// says what happened, so that Gradescope always has a result to show.
//
// Usage (run_autograder runs it):
//
//	go run ./finish.go -results FILE -notes FILE -log FILE
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

func main() {
	results := flag.String("results", "", "the results.json to complete or write")
	notes := flag.String("notes", "", "a file of notes on the submission")
	log := flag.String("log", "", "a file holding the grader's output")
	flag.Parse()
	if *results == "" {
		fmt.Fprintln(os.Stderr, "finish: -results is required")
		os.Exit(2)
	}
	if err := finish(*results, read(*notes), read(*log)); err != nil {
		fmt.Fprintf(os.Stderr, "finish: %v\n", err)
		os.Exit(1)
	}
}

// read returns the text of the file name, or "" if it cannot be read.
func read(name string) string {
	if name == "" {
		return ""
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return ""
	}
	return strings.ToValidUTF8(string(data), "?")
}

// tail keeps the last n bytes of s, on a character boundary.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	for len(s) > 0 && !utf8.RuneStart(s[0]) {
		s = s[1:]
	}
	return "...\n" + s
}

// finish completes the results file with the notes, or replaces it with a
// result of no points when it is missing or not a valid results.json.
func finish(results, notes, log string) error {
	notes = strings.TrimSpace(notes)
	var doc map[string]any
	data, err := os.ReadFile(results)
	if err == nil {
		err = json.Unmarshal(data, &doc)
	}
	if err == nil {
		_, hasScore := doc["score"].(float64)
		_, hasTests := doc["tests"].([]any)
		if !hasScore || !hasTests {
			err = fmt.Errorf("it has no score or no tests")
		}
	}
	if err != nil {
		doc = map[string]any{
			"score": 0,
			"output": "The autograder could not grade this submission, so it earns no points for now: " +
				"tell the course staff.\n\n" + notes + "\n\nThe grader's output:\n" + tail(log, 8000),
			"visibility":        "visible",
			"stdout_visibility": "hidden",
			"tests":             []any{},
		}
	} else if notes != "" {
		out, _ := doc["output"].(string)
		doc["output"] = "Notes on the submission:\n" + notes + "\n\n" + out
	}
	data, err = json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	tmp := results + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, results)
}
