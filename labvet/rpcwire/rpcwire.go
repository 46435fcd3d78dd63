// Package rpcwire defines an Analyzer that reports what gob cannot carry
// in RPC arguments and replies, and a reply shared by calls.
//
// # Analyzer rpcwire
//
// rpcwire: report RPC argument and reply types gob mangles, and shared replies
//
// net/rpc encodes arguments and replies with encoding/gob, which sends only
// exported fields (an unexported field arrives as its zero value, with no
// error) and refuses channels and functions. It also leaves out fields that
// hold their zero value, so a reply decoded into a variable that already
// holds an answer keeps the old value where the new one is zero. It reports,
// for the handlers of a value registered with net/rpc, the unexported,
// channel and function fields of their argument and reply types; and, at a
// client's Call or Go, a reply that is a field of a longer-lived value
// (&ck.reply), which every call through it shares (concurrent calls read
// each other's answers), or a variable declared outside the retry loop that
// calls (an old answer survives in a new reply). Declare the reply where
// the call is made, inside its loop.
//
// See docs/kv.md, part C.
package rpcwire

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/ast/inspector"

	"golabs/labvet/internal/rpcreg"
)

var Analyzer = &analysis.Analyzer{
	Name:     "rpcwire",
	Doc:      "report RPC argument and reply fields gob drops or refuses, and a reply shared by calls",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

func run(pass *analysis.Pass) (any, error) {
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	reported := map[*types.Var]bool{}
	for _, reg := range rpcreg.Find(pass, ins) {
		set, _ := rpcreg.Methods(reg.Type)
		for _, m := range set {
			if ok, _, _ := rpcreg.Handler(m); !ok {
				continue
			}
			params := m.Type().(*types.Signature).Params()
			for i := range params.Len() {
				fields(pass, params.At(i).Type(), reported)
			}
		}
	}
	ins.WithStack([]ast.Node{(*ast.CallExpr)(nil)}, func(n ast.Node, push bool, stack []ast.Node) bool {
		call := n.(*ast.CallExpr)
		if !push || !rpcreg.IsClientCall(pass.TypesInfo, call) || len(call.Args) < 3 {
			return true
		}
		addr, ok := astutil.Unparen(call.Args[2]).(*ast.UnaryExpr)
		if !ok || addr.Op != token.AND {
			return true
		}
		switch x := astutil.Unparen(addr.X).(type) {
		case *ast.SelectorExpr:
			if v, ok := pass.TypesInfo.Uses[x.Sel].(*types.Var); ok && v.IsField() {
				pass.Reportf(addr.OpPos, "the reply &%s is a field of %s, shared by every call through it: concurrent calls read each other's answers, and gob leaves zero-valued fields as they were; declare the reply in the function that calls (docs/kv.md, part C)",
					types.ExprString(x), types.ExprString(x.X))
			}
		case *ast.Ident:
			if v, ok := pass.TypesInfo.Uses[x].(*types.Var); ok && declaredOutsideLoop(v, stack) && !resetInLoop(pass.TypesInfo, v, call, stack) {
				pass.Reportf(addr.OpPos, "the reply &%s is declared outside the loop that calls: gob leaves zero-valued fields as they were, so a reply from an earlier call survives in a later one; declare the reply inside the loop (docs/kv.md, part C)", x.Name)
			}
		}
		return true
	})
	return nil, nil
}

// declaredOutsideLoop reports whether v is declared before the innermost
// loop around the call at the top of stack, in the same function: every
// turn of the loop decodes into the same variable.
func declaredOutsideLoop(v *types.Var, stack []ast.Node) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		case *ast.ForStmt, *ast.RangeStmt:
			return v.Pos() < n.Pos() && funcOf(stack[:i]) != nil && v.Pos() > funcOf(stack[:i]).Pos()
		}
	}
	return false
}

// resetInLoop reports whether the innermost loop around call assigns v
// before the call: a reply reset on every turn holds no old answer.
func resetInLoop(info *types.Info, v *types.Var, call *ast.CallExpr, stack []ast.Node) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		var body *ast.BlockStmt
		switch n := stack[i].(type) {
		case *ast.ForStmt:
			body = n.Body
		case *ast.RangeStmt:
			body = n.Body
		default:
			continue
		}
		reset := false
		ast.Inspect(body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || as.Pos() > call.Pos() {
				return true
			}
			for _, lhs := range as.Lhs {
				if id, ok := astutil.Unparen(lhs).(*ast.Ident); ok && info.ObjectOf(id) == v {
					reset = true
				}
			}
			return true
		})
		return reset
	}
	return false
}

// funcOf returns the innermost function in stack.
func funcOf(stack []ast.Node) ast.Node {
	for i := len(stack) - 1; i >= 0; i-- {
		switch stack[i].(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return stack[i]
		}
	}
	return nil
}

// fields reports the fields of t's struct (through pointers) that gob drops
// or refuses, once each, where they are declared in this package.
func fields(pass *analysis.Pass, t types.Type, reported map[*types.Var]bool) {
	for {
		p, ok := t.(*types.Pointer)
		if !ok {
			break
		}
		t = p.Elem()
	}
	named, ok := t.(*types.Named)
	if !ok || named.Obj().Pkg() != pass.Pkg {
		return
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return
	}
	for f := range st.Fields() {
		if reported[f] {
			continue
		}
		switch ft := f.Type().Underlying().(type) {
		case *types.Chan, *types.Signature:
			reported[f] = true
			pass.Reportf(f.Pos(), "%s.%s is a %s: gob cannot send it, and the call fails; RPC arguments and replies carry data only (docs/kv.md, part C)",
				named.Obj().Name(), f.Name(), kind(ft))
			continue
		}
		if !f.Exported() {
			reported[f] = true
			pass.Reportf(f.Pos(), "%s.%s is not exported: gob does not send it, and the other side sees its zero value; export it (docs/kv.md, part C)",
				named.Obj().Name(), f.Name())
		}
	}
}

func kind(t types.Type) string {
	if _, ok := t.(*types.Chan); ok {
		return "channel"
	}
	return "function"
}
