package report

import (
	"encoding/json"
	"io"
)

// WriteJSON prints the report as one indented JSON object; the types'
// field tags are its schema.
func WriteJSON(w io.Writer, r *Report) error {
	if r.Labs == nil {
		r.Labs = []*Lab{}
	}
	for _, l := range r.Labs {
		if l.Tests == nil {
			l.Tests = []*Test{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
