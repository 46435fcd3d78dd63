// Package timerdrain defines an Analyzer that reports the drain of a
// stopped timer's channel, which can block forever since Go 1.23.
//
// # Analyzer timerdrain
//
// timerdrain: report if !t.Stop() { <-t.C } in a module of Go 1.23 or later
//
// Before Go 1.23, a timer that fired before Stop kept the value it sent in
// its channel, and the idiom
//
//	if !t.Stop() {
//		<-t.C
//	}
//
// drained it before the timer was reset. Since Go 1.23 (in a module whose
// go line says 1.23 or later, as the kit's does), Stop and Reset empty the
// channel themselves: after a Stop that returns false, nothing is left to
// receive, and the receive blocks forever. Call t.Stop() (or t.Reset(d))
// alone.
//
// See docs/labvet.md.
package timerdrain

import (
	"go/ast"
	"go/token"
	"go/types"
	"go/version"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/astutil"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

var Analyzer = &analysis.Analyzer{
	Name:     "timerdrain",
	Doc:      "report if !t.Stop() { <-t.C }, which blocks forever since Go 1.23",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

func run(pass *analysis.Pass) (any, error) {
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	ins.WithStack([]ast.Node{(*ast.IfStmt)(nil)}, func(n ast.Node, push bool, stack []ast.Node) bool {
		if !push {
			return true
		}
		file := stack[0].(*ast.File)
		v := pass.TypesInfo.FileVersions[file]
		if v == "" {
			v = pass.Pkg.GoVersion()
		}
		if v != "" && version.Compare(v, "go1.23") < 0 {
			return true // the old semantics: the drain is needed
		}
		check(pass, n.(*ast.IfStmt))
		return true
	})
	return nil, nil
}

// check reports the drain in the if statement, if it is one.
func check(pass *analysis.Pass, ifs *ast.IfStmt) {
	not, ok := astutil.Unparen(ifs.Cond).(*ast.UnaryExpr)
	if !ok || not.Op != token.NOT {
		return
	}
	call, ok := astutil.Unparen(not.X).(*ast.CallExpr)
	if !ok || !isTimerMethod(pass.TypesInfo, call, "Stop") {
		return
	}
	timer := types.ExprString(astutil.Unparen(call.Fun).(*ast.SelectorExpr).X)
	ast.Inspect(ifs.Body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectStmt); ok && hasDefault(sel) {
			return false // a select with a default does not block
		}
		recv, ok := n.(*ast.UnaryExpr)
		if !ok || recv.Op != token.ARROW {
			return true
		}
		if sel, ok := astutil.Unparen(recv.X).(*ast.SelectorExpr); ok && sel.Sel.Name == "C" && types.ExprString(sel.X) == timer {
			pass.Reportf(recv.OpPos, "<-%s.C after %s.Stop() returned false blocks forever since Go 1.23: Stop empties the channel itself; call %s.Stop() alone (docs/labvet.md, timerdrain)", timer, timer, timer)
		}
		return true
	})
}

func hasDefault(s *ast.SelectStmt) bool {
	for _, c := range s.Body.List {
		if c.(*ast.CommClause).Comm == nil {
			return true
		}
	}
	return false
}

// isTimerMethod reports whether call calls the method name of *time.Timer.
func isTimerMethod(info *types.Info, call *ast.CallExpr, name string) bool {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Name() != name || fn.Pkg() == nil || fn.Pkg().Path() != "time" {
		return false
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return false
	}
	p, ok := recv.Type().(*types.Pointer)
	if !ok {
		return false
	}
	named, ok := p.Elem().(*types.Named)
	return ok && named.Obj().Name() == "Timer"
}
