// Package rpcreg finds the values a package registers with net/rpc and
// tells which of their methods net/rpc serves, by the rules of its
// Register: for the analyzers of labvet that check RPC handlers.
package rpcreg

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

// A Registration is one call of rpc.Register or RegisterName (the
// package's or a Server's).
type Registration struct {
	Call *ast.CallExpr
	Type types.Type // the registered value's type: *KV, or KV
}

// Find returns the registrations of the package.
func Find(pass *analysis.Pass, ins *inspector.Inspector) []Registration {
	var regs []Registration
	ins.Preorder([]ast.Node{(*ast.CallExpr)(nil)}, func(n ast.Node) {
		call := n.(*ast.CallExpr)
		fn, ok := typeutil.Callee(pass.TypesInfo, call).(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "net/rpc" || len(call.Args) == 0 {
			return
		}
		if fn.Name() != "Register" && fn.Name() != "RegisterName" {
			return
		}
		t := pass.TypesInfo.TypeOf(call.Args[len(call.Args)-1])
		if t != nil {
			regs = append(regs, Registration{Call: call, Type: t})
		}
	})
	return regs
}

// IsClientCall reports whether call is a client's RPC: net/rpc's
// (*Client).Call or Go, or any method Call(method string, args, reply any)
// that returns a bool or an error, the shape of the kit's fault-injecting
// network (faultnet) and of labrpc.
func IsClientCall(info *types.Info, call *ast.CallExpr) bool {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil {
		return false
	}
	if fn.Pkg().Path() == "net/rpc" && (fn.Name() == "Call" || fn.Name() == "Go") {
		return true
	}
	if fn.Name() != "Call" || sig.Params().Len() != 3 || sig.Results().Len() != 1 {
		return false
	}
	p := sig.Params()
	if b, ok := p.At(0).Type().(*types.Basic); !ok || b.Kind() != types.String {
		return false
	}
	for _, i := range []int{1, 2} {
		if it, ok := p.At(i).Type().Underlying().(*types.Interface); !ok || !it.Empty() {
			return false
		}
	}
	r := sig.Results().At(0).Type()
	return types.Identical(r, types.Typ[types.Bool]) || isError(r)
}

// Handler reports whether net/rpc serves m, a method of a registered type:
// exported, two arguments of exported (or builtin) types, the second a
// pointer, and one result of type error. If not, why says which rule m
// breaks, and looks says whether m looks meant as a handler all the same:
// an exported method that returns an error and takes two arguments, or a
// pointer first, or that takes two arguments the second a pointer; an
// unexported one with a handler's whole shape.
func Handler(m *types.Func) (ok, looks bool, why string) {
	sig := m.Type().(*types.Signature)
	params, results := sig.Params(), sig.Results()
	errorResult := results.Len() == 1 && isError(results.At(0).Type())
	looks = errorResult && (params.Len() == 2 || (params.Len() > 0 && isPointer(params.At(0).Type()))) ||
		params.Len() == 2 && isPointer(params.At(1).Type())
	switch {
	case !m.Exported():
		// An unexported helper is meant as a handler only if it has a
		// handler's whole shape.
		looks = params.Len() == 2 && isPointer(params.At(1).Type()) && errorResult
		return false, looks, "it is not exported: net/rpc serves only exported methods"
	case params.Len() != 2:
		return false, looks, "it takes " + count(params.Len()) + ": an RPC method takes exactly two, the arguments and a pointer to the reply"
	case !exportedOrBuiltin(params.At(0).Type()):
		return false, looks, "its argument type " + types.TypeString(params.At(0).Type(), nil) + " is not exported: net/rpc needs exported types"
	case !isPointer(params.At(1).Type()):
		return false, looks, "its reply " + types.TypeString(params.At(1).Type(), nil) + " is not a pointer: the reply must be one, to be filled in"
	case !exportedOrBuiltin(params.At(1).Type()):
		return false, looks, "its reply type " + types.TypeString(params.At(1).Type(), nil) + " is not exported: net/rpc needs exported types"
	case results.Len() != 1 || !isError(results.At(0).Type()):
		return false, looks, "it does not return exactly one error"
	}
	return true, true, ""
}

func count(n int) string {
	switch n {
	case 0:
		return "no argument"
	case 1:
		return "one argument"
	}
	return "more than two arguments"
}

func isError(t types.Type) bool { return types.Identical(t, types.Universe.Lookup("error").Type()) }

func isPointer(t types.Type) bool {
	_, ok := t.(*types.Pointer)
	return ok
}

// exportedOrBuiltin is net/rpc's rule for argument and reply types.
func exportedOrBuiltin(t types.Type) bool {
	for {
		p, ok := t.(*types.Pointer)
		if !ok {
			break
		}
		t = p.Elem()
	}
	switch t := t.(type) {
	case *types.Named:
		return t.Obj().Exported() || t.Obj().Pkg() == nil
	case *types.Alias:
		return t.Obj().Exported() || t.Obj().Pkg() == nil
	}
	return true // a builtin or a type literal
}

// Methods returns the methods of the registered type, as net/rpc sees them
// (its method set), and those of its pointer type that the method set
// lacks (pointer receivers, when a value was registered).
func Methods(t types.Type) (set, missing []*types.Func) {
	ms := types.NewMethodSet(t)
	for i := range ms.Len() {
		set = append(set, ms.At(i).Obj().(*types.Func))
	}
	if _, ok := t.(*types.Pointer); ok {
		return set, nil
	}
	if _, ok := t.Underlying().(*types.Interface); ok {
		return set, nil
	}
	pms := types.NewMethodSet(types.NewPointer(t))
	for i := range pms.Len() {
		if ms.Lookup(pms.At(i).Obj().Pkg(), pms.At(i).Obj().Name()) == nil {
			missing = append(missing, pms.At(i).Obj().(*types.Func))
		}
	}
	return set, missing
}
