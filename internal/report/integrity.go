package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Statuses of the check of the protected files.
const (
	IntegrityOK         = "ok"          // every protected file matches the manifest
	IntegrityChanged    = "changed"     // some were modified or are missing
	IntegrityNoManifest = "no_manifest" // there is no manifest to check them against
	IntegrityError      = "error"       // the manifest or a protected file could not be read
)

// An Integrity is what the check of the graded labs' protected files
// against the manifest found.
type Integrity struct {
	Manifest string   `json:"manifest"`           // the manifest, relative to the root
	Status   string   `json:"status"`             // one of the statuses above
	Checked  int      `json:"checked"`            // how many protected files were checked
	Modified []string `json:"modified,omitempty"` // protected files whose contents changed
	Missing  []string `json:"missing,omitempty"`  // protected files that are gone
	Warnings []string `json:"warnings,omitempty"` // what the report and standard error say, without "warning: "

	Problem string `json:"-"` // why the files could not be checked, for the refusal
}

// OK reports whether every protected file was checked and matches.
func (in *Integrity) OK() bool { return in.Status == IntegrityOK }

// Warn prints the warnings on w, one a line, and a blank line after them.
func (in *Integrity) Warn(w io.Writer) {
	if in == nil {
		return
	}
	for _, msg := range in.Warnings {
		fmt.Fprintf(w, "warning: %s\n", msg)
	}
	if len(in.Warnings) > 0 {
		fmt.Fprintln(w)
	}
}

// Refusal says why -strict does not grade, and what to do.
func (in *Integrity) Refusal() string {
	var b strings.Builder
	b.WriteString("grader: -strict: refusing to grade: ")
	restore := []string{in.Manifest}
	if in.Status == IntegrityChanged {
		restore = append(slices.Clone(in.Modified), in.Missing...)
		slices.Sort(restore)
		verb := "do"
		if len(restore) == 1 {
			verb = "does"
		}
		fmt.Fprintf(&b, "%s of the graded labs %s not match %s:\n", Plural(len(restore), "protected file"), verb, in.Manifest)
		for _, name := range restore {
			how := "modified"
			if slices.Contains(in.Missing, name) {
				how = "missing"
			}
			fmt.Fprintf(&b, "  %s (%s)\n", name, how)
		}
	} else {
		fmt.Fprintf(&b, "%s\n", in.Problem)
	}
	pronoun := "them"
	if len(restore) == 1 {
		pronoun = "it"
	}
	fmt.Fprintf(&b, "Restore %s with git checkout -- %s, then grade again.\n", pronoun, strings.Join(restore, " "))
	fmt.Fprintf(&b, "Course staff who changed protected files on purpose: run make manifest and commit %s.\n", in.Manifest)
	return b.String()
}
