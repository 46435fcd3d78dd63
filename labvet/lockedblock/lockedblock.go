// Package lockedblock defines an Analyzer that reports an operation that
// can block while a sync.Mutex or sync.RWMutex is held.
//
// # Analyzer lockedblock
//
// lockedblock: report blocking operations inside a critical section
//
// A goroutine that holds a lock and then waits (for an RPC's reply, a
// channel, a WaitGroup, a timer, the network) makes every other goroutine
// that wants the lock wait too: the lock turns a concurrent server into a
// serial one, and when the thing waited for needs the same lock, into a
// deadlock. The lecture's rule: hold a lock only around the memory it
// guards; release it before a call that can block, and take it again after.
// It reports, in the function that holds the lock: an RPC (rpc.Client.Call,
// rpc.Dial, the Call of the kit's fault-injecting network, or Lab 4's
// minirpc Client.Call, Dial, DialHTTP and XDial), a channel send or receive, a range over a channel, a select
// without a default case, sync.WaitGroup.Wait, time.Sleep, and dialling or
// accepting a network connection. sync.Cond.Wait, which releases its lock,
// is the right way to wait under one, and is not reported.
//
// See docs/kv.md and docs/rpcfail.md ("Common failures").
package lockedblock

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/types/typeutil"

	"golabs/labvet/internal/locks"
	"golabs/labvet/internal/rpcreg"
)

var Analyzer = &analysis.Analyzer{
	Name:     "lockedblock",
	Doc:      "report operations that can block while a mutex is held (an RPC, a channel, WaitGroup.Wait, Sleep)",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

// blocking lists the functions and methods that can block for long, by
// package path and name ("Client.Call" for a method).
var blocking = map[string][]string{
	"net/rpc": {"Client.Call", "Dial", "DialHTTP", "DialHTTPPath"},
	"sync":    {"WaitGroup.Wait"},
	"time":    {"Sleep"},
	"net":     {"Dial", "DialTimeout", "DialTCP", "Listener.Accept", "TCPListener.Accept", "Conn.Read", "TCPConn.Read"},
	// Lab 4's own RPC framework, by the last element of its path.
	"minirpc": {"Client.Call", "Dial", "DialHTTP", "XDial"},
}

func run(pass *analysis.Pass) (any, error) {
	locks.Walk(pass.TypesInfo, pass.Files, func(ctx locks.Context, s ast.Stmt) {
		held := ctx.Held
		if len(held) == 0 {
			return
		}
		lock := names(held)
		switch s := s.(type) {
		case *ast.GoStmt, *ast.DeferStmt:
			return // runs elsewhere, or later
		case *ast.SelectStmt:
			if !hasDefault(s) {
				pass.Reportf(s.Pos(), "select without a default case while %s is held: it waits for a channel with the lock taken; release the lock before waiting (docs/kv.md, \"Common failures\")", lock)
			}
			return
		case *ast.SendStmt:
			pass.Reportf(s.Arrow, "channel send while %s is held: if the receiver needs the lock, or is slow, every goroutine waits; release the lock before sending (docs/kv.md, \"Common failures\")", lock)
			return
		case *ast.RangeStmt:
			if _, ok := pass.TypesInfo.TypeOf(s.X).Underlying().(*types.Chan); ok {
				pass.Reportf(s.For, "range over a channel while %s is held: it waits for every value with the lock taken; release the lock first", lock)
			}
		}
		locks.Inspect(s, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.UnaryExpr:
				if n.Op == token.ARROW {
					pass.Reportf(n.OpPos, "channel receive while %s is held: it waits with the lock taken; release the lock before receiving (docs/kv.md, \"Common failures\")", lock)
				}
			case *ast.CallExpr:
				if name := blockingCall(pass.TypesInfo, n); name != "" {
					pass.Reportf(n.Lparen, "%s while %s is held: it can block for long, and every goroutine that needs the lock waits with it; release the lock before the call and take it again after (docs/kv.md, \"Common failures\")", name, lock)
				}
			}
			return true
		})
	})
	return nil, nil
}

// blockingCall returns the name of the blocking function call calls, or "".
func blockingCall(info *types.Info, call *ast.CallExpr) string {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return ""
	}
	if rpcreg.IsClientCall(info, call) && fn.Pkg().Path() != "net/rpc" {
		return "an RPC (" + fn.Name() + ")"
	}
	name := fn.Name()
	if recv := fn.Type().(*types.Signature).Recv(); recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		named, ok := t.(*types.Named)
		if !ok {
			return ""
		}
		name = named.Obj().Name() + "." + name
	}
	path := fn.Pkg().Path()
	if strings.HasSuffix(path, "/minirpc") {
		path = "minirpc"
	}
	if slices.Contains(blocking[path], name) {
		return fn.Pkg().Name() + "." + name
	}
	return ""
}

func hasDefault(s *ast.SelectStmt) bool {
	for _, c := range s.Body.List {
		if c.(*ast.CommClause).Comm == nil {
			return true
		}
	}
	return false
}

// names returns the locks held, for a message: "kv.mu".
func names(held locks.Held) string {
	var ls []string
	for l := range held {
		ls = append(ls, l)
	}
	slices.Sort(ls)
	s := ls[0]
	for _, l := range ls[1:] {
		s += " and " + l
	}
	return s
}
