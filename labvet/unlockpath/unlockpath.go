// Package unlockpath defines an Analyzer that reports a path on which a
// lock taken is not released.
//
// # Analyzer unlockpath
//
// unlockpath: report a return that leaves a mutex locked, and defer mu.Lock()
//
// A function that locks a mutex and unlocks it before returning must do so
// on every path: an early return between Lock and Unlock (an error, a
// cache hit) leaves the lock taken, and the next goroutine that wants it
// waits forever. The lecture's idiom makes it impossible: mu.Lock()
// followed at once by defer mu.Unlock(). It also reports defer mu.Lock(),
// a slip for defer mu.Unlock() that locks again at return.
//
// A function that never unlocks its lock (a helper that returns holding
// it, on purpose) is not reported.
//
// See docs/kv.md ("Common failures").
package unlockpath

import (
	"go/ast"

	"golang.org/x/tools/go/analysis"

	"golabs/labvet/internal/locks"
)

var Analyzer = &analysis.Analyzer{
	Name: "unlockpath",
	Doc:  "report a return that leaves a mutex locked, and defer mu.Lock()",
	Run:  run,
}

func run(pass *analysis.Pass) (any, error) {
	// The locks each function unlocks somewhere: a function that never
	// unlocks a lock hands it on on purpose.
	unlocks := map[ast.Node]map[string]bool{}
	locks.Walk(pass.TypesInfo, pass.Files, func(ctx locks.Context, s ast.Stmt) {
		fn := ctx.Fn
		if d, ok := s.(*ast.DeferStmt); ok {
			if lock, op := locks.Of(pass.TypesInfo, d.Call); op == locks.Lock {
				pass.Reportf(d.Defer, "defer %s.Lock(): the lock is taken again when the function returns, and never released; write defer %s.Unlock()", lock, lock)
			}
			if lock := locks.DeferredUnlock(pass.TypesInfo, d); lock != "" && ctx.Loops > 0 && ctx.Held[lock] != nil {
				pass.Reportf(d.Defer, "defer %s.Unlock() in a loop runs when the function returns, not at the end of the turn: the next turn's Lock waits forever; unlock at the end of the loop's body, or move the body into a function of its own (docs/kv.md, \"Common failures\")", lock)
			}
		}
		if unlocks[fn] == nil {
			unlocks[fn] = unlocked(pass, fn)
		}
		ret, ok := s.(*ast.ReturnStmt)
		if !ok {
			return
		}
		for lock, sec := range ctx.Held {
			if !sec.Deferred && unlocks[fn][lock] {
				pass.Reportf(ret.Return, "return with %s still locked (locked at line %d): the next goroutine that wants it waits forever; unlock before returning, or write defer %s.Unlock() right after the Lock (docs/kv.md, \"Common failures\")",
					lock, pass.Fset.Position(sec.At).Line, lock)
			}
		}
	})
	return nil, nil
}

// unlocked returns the locks that the function fn unlocks somewhere in its
// own body (not in the function literals in it), and takes before it
// unlocks them: a function whose first use of a lock is an Unlock was
// entered holding it (a helper that drops the lock around a call), and
// returns holding it on purpose.
func unlocked(pass *analysis.Pass, fn ast.Node) map[string]bool {
	var body *ast.BlockStmt
	switch fn := fn.(type) {
	case *ast.FuncDecl:
		body = fn.Body
	case *ast.FuncLit:
		body = fn.Body
	}
	found := map[string]bool{}
	first := map[string]locks.Op{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			lock, op := locks.Of(pass.TypesInfo, n)
			if op == locks.None {
				return true
			}
			if first[lock] == locks.None {
				first[lock] = op
			}
			if op == locks.Unlock && first[lock] != locks.Unlock {
				found[lock] = true
			}
		}
		return true
	})
	return found
}
