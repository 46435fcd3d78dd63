//go:build go1.22

package a

import "time"

// A file of Go 1.22 keeps the old semantics: the drain is needed there.
func resetOld(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		<-t.C
	}
	t.Reset(d)
}
