// The grader scores the labs of the kit, and proves that the kit itself is
// sound.
//
// Usage:
//
//	go run ./grader [flags]                grade the labs (the default)
//	go run ./grader check [flags]          the kit's self-check
//	go run ./grader flakes -runs N [flags] run each test N times: find flaky tests
//	go run ./grader manifest               write labs/manifest.sha256
//	go run ./grader list [-lab L]          print the labs' Go packages
//	go run ./grader batch [flags] DIR      grade a folder of submissions
//	go run ./grader merge -out DIR DIR...  join the gradebooks of batch shards
//	go run ./grader intake DIR|ZIP         put a submission's student files in the tree
//
// Each command is a file of this package, its flags and its output, over
// the kit's libraries: package grading builds each lab's tests once with the
// race detector and runs each graded test in a process and a sandbox of its
// own, failing closed; package report holds the model of a grading and its
// views (text, JSON, Markdown, JUnit, Gradescope, and a class's gradebook
// with its CSV and HTML page); packages selfcheck, batch and intake do what
// check, batch and intake say; package layout says what each file of the
// kit is. go run ./grader CMD -h lists a command's flags. The manual, with
// the verdicts, the JSON schema and the exit statuses, is docs/grader.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit statuses (see docs/grader.md).
const (
	exitOK      = 0
	exitFailed  = 1 // the self-check found a problem; a flaky run; -strict and a point missed; a batch error
	exitSetup   = 2 // usage or setup error, or interrupted
	exitRefused = 3 // with -strict: protected files changed, or no manifest
)

// A command is one of the grader's subcommands.
type command struct {
	name string
	run  func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"check", runCheck},
	{"flakes", runFlakes},
	{"manifest", runManifest},
	{"list", runList},
	{"batch", runBatch},
	{"merge", runMerge},
	{"intake", runIntake},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// cli runs the grader with the command-line args and returns its exit status.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		for _, c := range commands {
			if args[0] == c.name {
				return c.run(ctx, args[1:], stdout, stderr)
			}
		}
	}
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if now, ok := renamed[name]; ok && strings.HasPrefix(a, "-") {
			fmt.Fprintf(stderr, "grader: -%s is now a command: go run ./grader %s\n", name, now)
			return exitSetup
		}
	}
	return runGrade(ctx, args, stdout, stderr)
}

// renamed maps the flags that chose a mode to the commands that replace them.
var renamed = map[string]string{
	"check": "check", "check-runs": "check -runs N", "runs": "flakes -runs N", "write-manifest": "manifest", "list-packages": "list",
}
