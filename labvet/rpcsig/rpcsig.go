// Package rpcsig defines an Analyzer that reports the methods of a value
// registered with net/rpc that net/rpc will not serve.
//
// # Analyzer rpcsig
//
// rpcsig: report RPC handlers that net/rpc skips without a word
//
// net/rpc serves a method of a registered value only if it is exported,
// takes two arguments of exported (or builtin) types, the second a pointer
// to the reply, and returns one error. A method that breaks a rule is
// skipped silently: the server starts, and the client's call fails later
// with "rpc: can't find method". At each rpc.Register and RegisterName, it
// reports every method that looks meant as a handler (two arguments, or an
// error result) but that net/rpc will skip, and why; and a value
// registered whose handlers have pointer receivers, so that they are not
// in its method set.
//
// See docs/kv.md, part B.
package rpcsig

import (
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"golabs/labvet/internal/rpcreg"
)

var Analyzer = &analysis.Analyzer{
	Name:     "rpcsig",
	Doc:      "report methods of a value registered with net/rpc that net/rpc skips without a word",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

func run(pass *analysis.Pass) (any, error) {
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	for _, reg := range rpcreg.Find(pass, ins) {
		name := types.TypeString(reg.Type, types.RelativeTo(pass.Pkg))
		set, missing := rpcreg.Methods(reg.Type)
		var ptr []string
		for _, m := range missing {
			if ok, _, _ := rpcreg.Handler(m); ok {
				ptr = append(ptr, m.Name())
			}
		}
		if len(ptr) > 0 {
			pass.Reportf(reg.Call.Lparen, "a %s is registered by value, but %s %s a pointer receiver, so net/rpc does not see %s: register a pointer, &v (docs/kv.md, part B)",
				name, strings.Join(ptr, ", "), plural(len(ptr), "has", "have"), plural(len(ptr), "it", "them"))
		}
		for _, m := range set {
			ok, looks, why := rpcreg.Handler(m)
			if ok || !looks {
				continue
			}
			pass.Reportf(at(pass, m, reg.Call.Lparen), "net/rpc skips %s.%s without a word: %s; a client's call gets \"rpc: can't find method\" (docs/kv.md, part B)",
				strings.TrimPrefix(name, "*"), m.Name(), why)
		}
	}
	return nil, nil
}

// at returns where to report on method m: its declaration if it is in this
// package, else the registration.
func at(pass *analysis.Pass, m *types.Func, call token.Pos) token.Pos {
	if m.Pkg() == pass.Pkg && m.Pos().IsValid() {
		return m.Pos()
	}
	return call
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
