package selfcheck

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golabs/internal/mutant"
	"golabs/internal/report"
	"golabs/labvet/suite"
)

// checkLabvet is a step of the self-check: labvet, whose findings are
// feedback beside the score, finds nothing in the lab's reference or in its
// stubs (a finding there is a bug in an analyzer); and the report counts
// the mutants it flags, a measure of how many of the bugs the labs teach
// it sees before any test runs.
func (c *selfCheck) checkLabvet(lc *labCheck) {
	w := &lc.labvet
	root := c.g.Root()
	lab := lc.lab
	for _, b := range []struct{ name, tags string }{{"reference", "solution,private"}, {"stubs", "private"}} {
		found, err := suite.Run(root, lab.Packages, b.tags, nil)
		switch {
		case err != nil:
			c.problem("%s: labvet on the %s: %v", lab.ID, b.name, err)
			fmt.Fprintf(w, "  %s  %s: %v\n", c.style.Paint("FAIL", false), b.name, err)
		case len(found) > 0:
			for _, f := range found {
				c.problem("%s: labvet reports on the %s, where it must be silent (a false positive of %s): %s", lab.ID, b.name, f.Analyzer, f)
				fmt.Fprintf(w, "  %s  %s: %s\n", c.style.Paint("FAIL", false), b.name, f)
			}
		default:
			fmt.Fprintf(w, "  ok    silent on the %s\n", b.name)
		}
	}
	if len(lc.mutants) == 0 {
		return
	}
	// Each mutant is a source load of its package, about a second: two at
	// a time, as the labs' loads are few by now.
	flags := make([]string, len(lc.mutants))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, m := range lc.mutants {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			flags[i] = labvetFlags(root, m)
		})
	}
	wg.Wait()
	var flagged []string
	for i, m := range lc.mutants {
		if flags[i] != "" {
			flagged = append(flagged, fmt.Sprintf("%s (%s)", m.Name, flags[i]))
		}
	}
	fmt.Fprintf(w, "  flags %d of %s before any test runs", len(flagged), report.Plural(len(lc.mutants), "mutant"))
	if len(flagged) > 0 {
		fmt.Fprintf(w, ": %s", strings.Join(flagged, "; "))
	}
	fmt.Fprintln(w)
}

// labvetFlags returns the analyzers that flag mutant m, joined by commas,
// or "" if none does (or m does not apply: the mutants step says why).
func labvetFlags(root string, m *mutant.Mutant) string {
	files, err := m.Apply(root)
	if err != nil {
		return ""
	}
	overlay := map[string][]byte{}
	for name, text := range files {
		overlay[filepath.Join(root, filepath.FromSlash(name))] = []byte(text)
	}
	found, err := suite.Run(root, []string{m.Package}, "solution,private", overlay)
	if err != nil {
		return ""
	}
	var by []string
	for _, f := range found {
		if !slices.Contains(by, f.Analyzer) {
			by = append(by, f.Analyzer)
		}
	}
	return strings.Join(by, ", ")
}
