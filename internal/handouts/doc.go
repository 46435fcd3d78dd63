// Package handouts keeps the handouts in docs/ in step with the code they
// draw from. It has no code of its own: its tests read the handouts and
// compare what they show with what the labs' provided files compute, so
// that a change to one without the other fails the kit's own tests (make
// check), not a student's grade.
package handouts
