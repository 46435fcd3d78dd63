package locks

import (
	"go/ast"
	"go/token"
	"go/types"
	"maps"

	"golang.org/x/tools/go/ast/astutil"
)

// A Section is one holding of a lock: from a Lock call to its Unlock.
type Section struct {
	Lock     string    // the lock, by the source of its receiver: "fs.mu"
	At       token.Pos // the Lock call
	Deferred bool      // its Unlock is deferred: held to the end of the function
}

// Held is the set of sections open at a statement, by lock.
type Held map[string]*Section

// A Context is where a statement is: its function, the locks held when it
// runs, and how many loops of the function it is in.
type Context struct {
	Fn    ast.Node // the *ast.FuncDecl or *ast.FuncLit
	Held  Held
	Loops int
}

// Walk visits every statement of every function of files (declared
// functions and function literals, each on its own) in source order, with
// the locks held when it runs, as far as the statement lists show: a Lock
// holds its lock for the statements after it in its block and in the blocks
// nested in them, up to the Unlock. After an if, a switch or a select, a
// lock is held if it is held at the end of every branch that goes on to
// the next statement (a branch that returns, breaks, continues or panics
// does not); what a loop's body does to a lock does not outlast the loop.
// This follows the shapes of the labs' code; it does not follow locks
// across functions, nor along a goto: after a return, break, continue or
// goto, the rest of the block is not walked.
func Walk(info *types.Info, files []*ast.File, visit func(ctx Context, s ast.Stmt)) {
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			var body *ast.BlockStmt
			switch fn := n.(type) {
			case *ast.FuncDecl:
				body = fn.Body
			case *ast.FuncLit:
				body = fn.Body
			}
			if body != nil {
				w := &walker{info: info, fn: n, visit: visit, deferred: map[string]bool{}}
				w.block(body.List, Held{})
			}
			return true
		})
	}
}

type walker struct {
	info     *types.Info
	fn       ast.Node
	visit    func(ctx Context, s ast.Stmt)
	loops    int
	deferred map[string]bool // the locks whose Unlock the function defers
}

// block walks a statement list from the locks held before it, and returns
// those held where it falls through to what follows, or nil if it never
// does (it returns, breaks, continues or panics).
func (w *walker) block(stmts []ast.Stmt, outer Held) Held {
	held := maps.Clone(outer)
	for _, s := range stmts {
		inner := s
		for {
			l, ok := inner.(*ast.LabeledStmt)
			if !ok {
				break
			}
			inner = l.Stmt
		}
		if lock, op := Stmt(w.info, inner); op != None {
			switch op {
			case Lock:
				held[lock] = &Section{Lock: lock, At: inner.Pos(), Deferred: w.deferred[lock]}
			case Unlock:
				delete(held, lock)
			}
			continue
		}
		if d, ok := inner.(*ast.DeferStmt); ok {
			if lock := DeferredUnlock(w.info, d); lock != "" {
				w.deferred[lock] = true
				if held[lock] != nil {
					sec := *held[lock]
					sec.Deferred = true
					held[lock] = &sec
				}
			}
		}
		if held = w.stmt(s, held); held == nil {
			return nil
		}
	}
	return held
}

// DeferredUnlock returns the lock that the defer statement unlocks, "" if
// none: defer mu.Unlock(), or defer func() { ...; mu.Unlock() }().
func DeferredUnlock(info *types.Info, d *ast.DeferStmt) string {
	if lock, op := Of(info, d.Call); op == Unlock {
		return lock
	}
	lit, ok := astutil.Unparen(d.Call.Fun).(*ast.FuncLit)
	if !ok {
		return ""
	}
	found := ""
	for _, s := range lit.Body.List {
		if lock, op := Stmt(info, s); op == Unlock {
			found = lock
		}
	}
	return found
}

// stmt visits s, walks the blocks nested in it, and returns the locks held
// after it, or nil if it does not fall through.
func (w *walker) stmt(s ast.Stmt, held Held) Held {
	w.visit(Context{Fn: w.fn, Held: held, Loops: w.loops}, s)
	switch s := s.(type) {
	case *ast.ReturnStmt, *ast.BranchStmt:
		return nil
	case *ast.ExprStmt:
		if call, ok := astutil.Unparen(s.X).(*ast.CallExpr); ok {
			if id, ok := astutil.Unparen(call.Fun).(*ast.Ident); ok && id.Name == "panic" {
				if _, ok := w.info.Uses[id].(*types.Builtin); ok {
					return nil
				}
			}
		}
	case *ast.BlockStmt:
		return w.block(s.List, held)
	case *ast.LabeledStmt:
		return w.stmt(s.Stmt, held)
	case *ast.IfStmt:
		if s.Init != nil {
			held = w.stmt(s.Init, held)
		}
		then := w.block(s.Body.List, held)
		els := held // no else: the condition's false path goes on
		if s.Else != nil {
			els = w.stmt(s.Else, held)
		}
		return join(then, els)
	case *ast.ForStmt:
		if s.Init != nil {
			held = w.stmt(s.Init, held)
		}
		w.loops++
		w.block(s.Body.List, held)
		w.loops--
	case *ast.RangeStmt:
		w.loops++
		w.block(s.Body.List, held)
		w.loops--
	case *ast.SwitchStmt:
		if s.Init != nil {
			held = w.stmt(s.Init, held)
		}
		return w.clauses(s.Body, held)
	case *ast.TypeSwitchStmt:
		if s.Init != nil {
			held = w.stmt(s.Init, held)
		}
		return w.clauses(s.Body, held)
	case *ast.SelectStmt:
		var ends []Held
		for _, c := range s.Body.List {
			ends = append(ends, w.block(c.(*ast.CommClause).Body, held))
		}
		return join(ends...)
	}
	return held
}

// clauses walks the cases of a switch and joins where they fall through;
// without a default case, no case at all may run.
func (w *walker) clauses(body *ast.BlockStmt, held Held) Held {
	var ends []Held
	hasDefault := false
	for _, c := range body.List {
		cc := c.(*ast.CaseClause)
		hasDefault = hasDefault || cc.List == nil
		ends = append(ends, w.block(cc.Body, held))
	}
	if !hasDefault {
		ends = append(ends, held)
	}
	return join(ends...)
}

// join returns the locks held at the end of every branch that falls
// through (nil branches do not), or nil if none falls through.
func join(ends ...Held) Held {
	var out Held
	for _, e := range ends {
		if e == nil {
			continue
		}
		if out == nil {
			out = maps.Clone(e)
			continue
		}
		for l := range out {
			if e[l] == nil {
				delete(out, l)
			}
		}
	}
	return out
}

// Own returns the parts of s that belong to s itself, not to the blocks and
// statements nested in it: what runs when s runs, before its body.
func Own(s ast.Stmt) []ast.Node {
	switch s := s.(type) {
	case *ast.BlockStmt, *ast.LabeledStmt, *ast.SelectStmt:
		return nil
	case *ast.IfStmt:
		return []ast.Node{s.Cond}
	case *ast.ForStmt:
		var own []ast.Node
		if s.Cond != nil {
			own = append(own, s.Cond)
		}
		if s.Post != nil {
			own = append(own, s.Post)
		}
		return own
	case *ast.RangeStmt:
		return []ast.Node{s.X}
	case *ast.SwitchStmt:
		if s.Tag != nil {
			return []ast.Node{s.Tag}
		}
		return nil
	case *ast.TypeSwitchStmt:
		return []ast.Node{s.Assign}
	}
	return []ast.Node{s}
}

// Inspect calls f for each node of the parts of s that are its own (see
// Own), not looking into function literals, which run later if at all.
func Inspect(s ast.Stmt, f func(ast.Node) bool) {
	for _, n := range Own(s) {
		ast.Inspect(n, func(n ast.Node) bool {
			if _, ok := n.(*ast.FuncLit); ok {
				return false
			}
			return f(n)
		})
	}
}
