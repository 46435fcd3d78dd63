// Labvet gives static feedback on the labs before any test runs: the
// concurrency and RPC mistakes the lectures warn of, seen in the source.
//
// Usage:
//
//	go run ./labvet ./crawler/                     any package patterns
//	make vet                                       go vet and labvet on every lab
//	go build -o /tmp/labvet ./labvet && go vet -vettool=/tmp/labvet ./kv/
//
// It runs the kit's own analyzers, each a package of this directory:
// rpcsig (handlers net/rpc skips), rpcwire (what gob drops, shared
// replies), lockedblock (blocking while a lock is held), unlockpath (a
// return that leaves a lock taken), checkthenact (a check and an act in two
// critical sections) and timerdrain (the stopped-timer drain that blocks
// since Go 1.23); and the passes of golang.org/x/tools that concern the
// labs, among them copylock, waitgroup and lostcancel, which go vet runs but
// go test does not. A finding is a heuristic with a pointer to the
// handout, never a lost point: the tests decide the grade. By default it
// reads the packages' own files, not their tests (-test=true reads them).
//
// Exit status: 0 no finding, 3 findings, 1 an error (a package that does
// not build).
package main

import (
	"os"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis/multichecker"

	"golabs/labvet/suite"
)

func main() {
	// The student's files, not the kit's tests, unless asked; go vet
	// -vettool passes a .cfg file and flags of its own, and is left alone.
	vettool := slices.ContainsFunc(os.Args[1:], func(a string) bool {
		return strings.HasSuffix(a, ".cfg") || strings.HasPrefix(a, "-V") || a == "-flags"
	})
	if !vettool && !slices.ContainsFunc(os.Args[1:], func(a string) bool { return strings.HasPrefix(strings.TrimLeft(a, "-"), "test") }) {
		os.Args = slices.Insert(os.Args, 1, "-test=false")
	}
	multichecker.Main(suite.Analyzers...)
}
