// Package locks recognises the calls that take and release a sync.Mutex or
// sync.RWMutex, for the analyzers of labvet that follow critical sections.
package locks

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/types/typeutil"
)

// An Op is what a call does to a lock.
type Op int

const (
	None    Op = iota
	Lock       // Lock or RLock
	Unlock     // Unlock or RUnlock
	TryLock    // TryLock or TryRLock: the lock is held only on one branch
)

// Of reports what call does to a sync.Mutex or sync.RWMutex, and names the
// lock by the source of its receiver ("fs.mu"), so that two calls on the
// same expression name the same lock.
func Of(info *types.Info, call *ast.CallExpr) (lock string, op Op) {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok {
		return "", None
	}
	sig := fn.Type().(*types.Signature)
	recv := sig.Recv()
	if recv == nil {
		return "", None
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	named, ok := t.(*types.Named)
	if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != "sync" {
		return "", None
	}
	if name := named.Obj().Name(); name != "Mutex" && name != "RWMutex" {
		return "", None
	}
	sel, ok := astutil.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return "", None
	}
	lock = types.ExprString(sel.X)
	switch fn.Name() {
	case "Lock", "RLock":
		return lock, Lock
	case "Unlock", "RUnlock":
		return lock, Unlock
	case "TryLock", "TryRLock":
		return lock, TryLock
	}
	return "", None
}

// Stmt reports what the statement s does to a lock when it is a call
// statement on one.
func Stmt(info *types.Info, s ast.Stmt) (lock string, op Op) {
	es, ok := s.(*ast.ExprStmt)
	if !ok {
		return "", None
	}
	call, ok := astutil.Unparen(es.X).(*ast.CallExpr)
	if !ok {
		return "", None
	}
	return Of(info, call)
}
