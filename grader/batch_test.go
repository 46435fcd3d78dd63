package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golabs/internal/intake/intaketest"
	"golabs/internal/report"
)

// TestBatchFlags checks the usage errors of grader batch: exit status 2, and
// a message that says what to do.
func TestBatchFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"batch"}, "name the folder of submissions"},
		{[]string{"batch", dir, dir}, "unexpected argument"},
		{[]string{"batch", "-j", "0", dir}, "-j 0: grade at least one submission at a time"},
		{[]string{"batch", dir, "-p", "0"}, "-p 0: run at least one process at a time"},
		{[]string{"batch", "-run", "(", dir}, "error parsing regexp"},
		{[]string{"batch", "-lab", "nope", dir}, `unknown lab "nope"`},
		{[]string{"batch", "-lab", "crawler", "-run", "NoSuchTest", dir}, `-run "NoSuchTest" matches no graded test of crawler`},
		{[]string{"batch", file}, "is not a folder"},
		{[]string{"batch", "-out", filepath.Join(dir, "out"), dir}, "holds no submissions"},
	} {
		var stdout, stderr bytes.Buffer
		if code := cli(context.Background(), tc.args, &stdout, &stderr); code != exitSetup || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%q: exit %d, want 2 and %q:\n%s", tc.args, code, tc.want, stderr.String())
		}
	}
}

// TestBatchCrawler grades a tiny class against the real kit's crawler lab,
// two tests of it: the reference, zipped under a top folder, earns full
// marks; the stubs, in a folder, nothing; a tarball that escapes is broken.
//
// It does not run in parallel with the other tests: it adds no load to
// those that watch the clock.
func TestBatchCrawler(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the crawler lab's tests")
	}
	root, err := findRoot("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "crawler", "serial_solution.go")); err != nil {
		t.Skip("this tree has no reference solutions to submit")
	}
	base := t.TempDir()
	in, out := filepath.Join(base, "submissions"), filepath.Join(base, "grades")
	var ref []intaketest.Entry
	stubs := map[string]string{}
	buildLine := regexp.MustCompile(`(?m)^//go:build .*\n`)
	for _, name := range []string{"serial", "mutex", "channel", "pool"} {
		sol, err := os.ReadFile(filepath.Join(root, "crawler", name+"_solution.go"))
		if err != nil {
			t.Fatal(err)
		}
		ref = append(ref, intaketest.Entry{Name: "ref-lab1/crawler/" + name + ".go", Body: buildLine.ReplaceAllString(string(sol), "")})
		stub, err := os.ReadFile(filepath.Join(root, "crawler", name+".go"))
		if err != nil {
			t.Fatal(err)
		}
		stubs["stub/"+name+".go"] = string(stub)
	}
	intaketest.WriteFiles(t, in, stubs)
	intaketest.WriteZip(t, filepath.Join(in, "ref.zip"), ref...)
	// A submission whose init writes into the submissions, the gradebook's
	// folder, the kit, and any other submission's copy it can find: the
	// sandbox must keep every write inside its own test.
	evil := strings.Replace(stubs["stub/serial.go"], "package crawler\n", "package crawler\n\n"+
		"import (\n\t\"os\"\n\t\"path/filepath\"\n)\n\n"+
		"func init() {\n\tdirs, _ := filepath.Glob(\"/tmp/grader-batch-*/*/crawler\")\n"+
		fmt.Sprintf("\tfor _, d := range append(dirs, %q, %q, %q, %q) {\n", in, out, root, filepath.Join(root, "crawler"))+
		"\t\tos.MkdirAll(d, 0o755)\n\t\tos.WriteFile(filepath.Join(d, \"labkit-canary\"), []byte(\"escaped\"), 0o644)\n\t}\n}\n", 1)
	intaketest.WriteFiles(t, in, map[string]string{"evil/serial.go": evil})
	defer os.Remove(filepath.Join(root, "labkit-canary"))
	defer os.Remove(filepath.Join(root, "crawler", "labkit-canary"))
	intaketest.WriteTarGz(t, filepath.Join(in, "sneaky.tar.gz"), intaketest.Entry{Name: "crawler/serial.go", Body: "package crawler\n"},
		intaketest.Entry{Name: "../../.bashrc", Body: "echo owned"})

	var stdout, stderr bytes.Buffer
	code := cli(context.Background(), []string{"batch", "-lab", "crawler", "-run", "^(TestSerialFakeFetcher|TestWorker)$", "-p", "2", in}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	for _, dir := range []string{in, out, root, filepath.Join(root, "crawler")} {
		if _, err := os.Stat(filepath.Join(dir, "labkit-canary")); err == nil {
			t.Errorf("a submission's code wrote into %s", dir)
		}
	}
	if !strings.Contains(stdout.String(), "Batch: 4 submissions: 3 graded, 1 broken") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "gradebook.csv"))
	if err != nil {
		t.Fatalf("the gradebook goes beside the submissions by default: %v", err)
	}
	want := "id,total,max,crawler,crawler/TestSerialFakeFetcher,crawler/TestWorker,status,notes\n" +
		"evil,0,11,0,0,0,graded,crawler/mutex.go is missing; the stub was graded; crawler/channel.go is missing; the stub was graded; crawler/pool.go is missing; the stub was graded\n" +
		"ref,11,11,11,5,6,graded,\n" +
		"sneaky,0,11,,,,broken,\"entry \"\"../../.bashrc\"\" has a .. component, which would put it outside the submission\"\n" +
		"stub,0,11,0,0,0,graded,\n"
	if string(data) != want {
		t.Errorf("gradebook.csv:\n%s\nwant:\n%s\nstderr:\n%s", data, want, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(base, ".bashrc")); err == nil {
		t.Errorf("the sneaky archive wrote outside the submission")
	}
	var rec report.Record
	data, _ = os.ReadFile(filepath.Join(out, "results", "stub.json"))
	if err := json.Unmarshal(data, &rec); err != nil || rec.Labs[0].Tests[0].Result != report.Fail ||
		!strings.Contains(rec.Labs[0].Tests[0].Reason, "not implemented") {
		t.Errorf("results/stub.json (%v):\n%s", err, data)
	}
	page, _ := os.ReadFile(filepath.Join(out, "report.html"))
	for _, want := range []string{"<td>ref</td><td class=\"num\">11/11</td>", "sneaky.tar.gz"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}
