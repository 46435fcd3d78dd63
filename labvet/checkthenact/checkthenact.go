// Package checkthenact defines an Analyzer that reports a map checked in
// one critical section and written in a later one of the same lock.
//
// # Analyzer checkthenact
//
// checkthenact: report a check and an act in two critical sections
//
// Locking each access is not enough: a test and the set that depends on it
// must happen in one critical section. Between an Unlock after the check
// and the Lock before the set, another goroutine can check too, see the
// same answer, and act on it as well: two goroutines fetch the same page,
// execute the same request. It reports a write to a map (m[k] = v, or
// delete) in a critical section when an earlier critical section of the
// same lock in the same function read that map, and the later section does
// not read it again before the write (checking again under the lock is the
// correct way to split them). The split testAndSet of the crawler lab is
// its shape.
//
// See docs/crawler.md (part B) and docs/rpcfail.md.
package checkthenact

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/astutil"

	"golabs/labvet/internal/locks"
)

var Analyzer = &analysis.Analyzer{
	Name: "checkthenact",
	Doc:  "report a map checked in one critical section and written in a later one of the same lock",
	Run:  run,
}

// An access is a read or a write of a map under a lock.
type access struct {
	section token.Pos // the Lock of the critical section
	pos     token.Pos
	write   bool
}

func run(pass *analysis.Pass) (any, error) {
	// accesses by function, lock and map expression, in source order.
	type key struct {
		fn         ast.Node
		lock, map_ string
	}
	accesses := map[key][]access{}
	var order []key
	record := func(k key, a access) {
		if accesses[k] == nil {
			order = append(order, k)
		}
		accesses[k] = append(accesses[k], a)
	}
	locks.Walk(pass.TypesInfo, pass.Files, func(ctx locks.Context, s ast.Stmt) {
		fn, held := ctx.Fn, ctx.Held
		if len(held) == 0 {
			return
		}
		writes := map[ast.Expr]bool{} // the map entries s writes
		// m[k]++ and m[k] += v read the entry again under this lock: a
		// read-modify-write in one critical section.
		written := func(lhs ast.Expr, rmw bool) {
			ix, ok := astutil.Unparen(lhs).(*ast.IndexExpr)
			if !ok || !isMap(pass.TypesInfo, ix.X) {
				return
			}
			writes[ix] = true
			for _, sec := range held {
				k := key{fn, sec.Lock, types.ExprString(ix.X)}
				if rmw {
					record(k, access{sec.At, ix.Pos(), false})
				}
				record(k, access{sec.At, ix.Pos(), true})
			}
		}
		switch s := s.(type) {
		case *ast.AssignStmt:
			for _, lhs := range s.Lhs {
				written(lhs, s.Tok != token.ASSIGN && s.Tok != token.DEFINE)
			}
		case *ast.IncDecStmt:
			written(s.X, true)
		}
		locks.Inspect(s, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.IndexExpr:
				if writes[n] || !isMap(pass.TypesInfo, n.X) {
					return true
				}
				for _, sec := range held {
					record(key{fn, sec.Lock, types.ExprString(n.X)}, access{sec.At, n.Pos(), false})
				}
			case *ast.CallExpr:
				if id, ok := astutil.Unparen(n.Fun).(*ast.Ident); ok && id.Name == "delete" && len(n.Args) == 2 {
					if _, ok := pass.TypesInfo.Uses[id].(*types.Builtin); ok {
						for _, sec := range held {
							record(key{fn, sec.Lock, types.ExprString(n.Args[0])}, access{sec.At, n.Pos(), true})
						}
					}
				}
			}
			return true
		})
	})
	for _, k := range order {
		as := accesses[k]
		for i, w := range as {
			if !w.write {
				continue
			}
			var check *access
			recheck := false
			for _, a := range as[:i] {
				switch {
				case a.section == w.section && !a.write:
					recheck = true
				case a.section != w.section && a.section < w.section && !a.write:
					check = &a
				}
			}
			if check != nil && !recheck {
				pass.Reportf(w.pos, "%s is written in a critical section of %s other than the one that checked it (line %d): between the two, another goroutine can check too and act on the same answer; check and act under one Lock (docs/crawler.md, part B)",
					k.map_, k.lock, pass.Fset.Position(check.pos).Line)
				break
			}
		}
	}
	return nil, nil
}

func isMap(info *types.Info, e ast.Expr) bool {
	t := info.TypeOf(e)
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Map)
	return ok
}
