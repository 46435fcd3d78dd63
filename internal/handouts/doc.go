// Package handouts keeps the handouts in docs/ in step with the code they
// draw from, and their Simplified Chinese versions in docs/zh/ in step
// with them. It has no code of its own: its tests read the handouts and
// compare what they show with what the labs' provided files compute, and
// each translation with its original (package translation), so that a
// change to one without the other fails the kit's own tests (make check),
// not a student's grade.
package handouts
