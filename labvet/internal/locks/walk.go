package locks

import (
	"go/ast"
	"go/token"
	"go/types"
	"maps"
)

// A Section is one holding of a lock: from a Lock call to its Unlock.
type Section struct {
	Lock     string    // the lock, by the source of its receiver: "fs.mu"
	At       token.Pos // the Lock call
	Deferred bool      // its Unlock is deferred: held to the end of the function
}

// Held is the set of sections open at a statement, by lock.
type Held map[string]*Section

// Walk visits every statement of every function of files (declared
// functions and function literals, each on its own) in source order, with
// the locks held when it runs, as far as the statement lists show: a Lock
// holds its lock for the statements after it in its block and in the blocks
// nested in them, up to the Unlock. What a nested block does to a lock does
// not leak out of it. This follows the shapes of the labs' code (a lock and
// its unlock in one block, or a deferred unlock); it does not follow locks
// across functions.
func Walk(info *types.Info, files []*ast.File, visit func(fn ast.Node, s ast.Stmt, held Held)) {
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
				w := &walker{info: info, fn: n, visit: visit}
				w.block(body.List, Held{})
			}
			return true
		})
	}
}

type walker struct {
	info  *types.Info
	fn    ast.Node
	visit func(fn ast.Node, s ast.Stmt, held Held)
}

func (w *walker) block(stmts []ast.Stmt, outer Held) {
	held := maps.Clone(outer)
	for _, s := range stmts {
		if lock, op := Stmt(w.info, s); op != None {
			switch op {
			case Lock:
				held[lock] = &Section{Lock: lock, At: s.Pos()}
			case Unlock:
				delete(held, lock)
			}
			continue
		}
		if d, ok := s.(*ast.DeferStmt); ok {
			if lock, op := Of(w.info, d.Call); op == Unlock && held[lock] != nil {
				sec := *held[lock]
				sec.Deferred = true
				held[lock] = &sec
				continue
			}
		}
		w.stmt(s, held)
	}
}

// stmt visits s and walks the blocks nested in it.
func (w *walker) stmt(s ast.Stmt, held Held) {
	w.visit(w.fn, s, held)
	switch s := s.(type) {
	case *ast.BlockStmt:
		w.block(s.List, held)
	case *ast.LabeledStmt:
		w.stmt(s.Stmt, held)
	case *ast.IfStmt:
		if s.Init != nil {
			w.stmt(s.Init, held)
		}
		w.block(s.Body.List, held)
		if s.Else != nil {
			w.stmt(s.Else, held)
		}
	case *ast.ForStmt:
		if s.Init != nil {
			w.stmt(s.Init, held)
		}
		w.block(s.Body.List, held)
	case *ast.RangeStmt:
		w.block(s.Body.List, held)
	case *ast.SwitchStmt:
		if s.Init != nil {
			w.stmt(s.Init, held)
		}
		for _, c := range s.Body.List {
			w.block(c.(*ast.CaseClause).Body, held)
		}
	case *ast.TypeSwitchStmt:
		if s.Init != nil {
			w.stmt(s.Init, held)
		}
		for _, c := range s.Body.List {
			w.block(c.(*ast.CaseClause).Body, held)
		}
	case *ast.SelectStmt:
		for _, c := range s.Body.List {
			w.block(c.(*ast.CommClause).Body, held)
		}
	}
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
