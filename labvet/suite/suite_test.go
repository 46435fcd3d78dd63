package suite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun runs the suite on the crawler lab's reference, silent, and on
// the reference with a check and a set split in two critical sections,
// given as an overlay: one finding, where the set is, by checkthenact.
func TestRun(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(root, "crawler", "mutex_solution.go")
	data, err := os.ReadFile(ref)
	if err != nil {
		t.Skipf("this tree has no reference to analyze: %v", err)
	}
	found, err := Run(root, []string{"./crawler"}, "solution", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Errorf("labvet reports on the reference: %v", found)
	}
	split := strings.Replace(string(data), "\tdefer fs.mu.Unlock()\n\tr := fs.fetched[url]\n\tfs.fetched[url] = true\n",
		"\tr := fs.fetched[url]\n\tfs.mu.Unlock()\n\tfs.mu.Lock()\n\tfs.fetched[url] = true\n\tfs.mu.Unlock()\n", 1)
	if split == string(data) {
		t.Fatal("the reference's testAndSet changed: update this test")
	}
	found, err = Run(root, []string{"./crawler"}, "solution", map[string][]byte{ref: []byte(split)})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Analyzer != "checkthenact" || found[0].Pos.Filename != "crawler/mutex_solution.go" {
		t.Errorf("the split testAndSet: %v, want one finding of checkthenact in crawler/mutex_solution.go", found)
	}
	if _, err := Run(root, []string{"./nosuchlab"}, "", nil); err == nil {
		t.Errorf("a package that does not exist must be an error")
	}
}
