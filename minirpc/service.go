//go:build !solution

package minirpc

import (
	"reflect"
	"sync/atomic"
)

// methodType is one method a service exports (handout part B). Keep the
// fields' names: the debug page (debug.go) and the tests read them.
type methodType struct {
	method    reflect.Method
	ArgType   reflect.Type
	ReplyType reflect.Type
	numCalls  atomic.Uint64
}

// NumCalls returns how many times the method has been called.
func (m *methodType) NumCalls() uint64 { return m.numCalls.Load() }

// newArgv returns a new argument for the method: if ArgType is a pointer,
// a pointer to a new value (reflect.New of its element); otherwise an
// addressable zero value (reflect.New(ArgType).Elem()), whose address the
// codec decodes into.
func (m *methodType) newArgv() reflect.Value {
	panic("minirpc: methodType.newArgv is not implemented yet: write it in minirpc/service.go (docs/minirpc.md, part B)")
}

// newReplyv returns a pointer to a new reply. If the reply is a map or a
// slice, make it, so that the method can write into it at once.
func (m *methodType) newReplyv() reflect.Value {
	panic("minirpc: methodType.newReplyv is not implemented yet: write it in minirpc/service.go (docs/minirpc.md, part B)")
}

// service is a value whose suitable methods are exported under its type's
// name. Keep name and method: the debug page reads them. Add what you need
// (why each unsuitable method was passed over, say).
type service struct {
	name   string
	typ    reflect.Type
	rcvr   reflect.Value
	method map[string]*methodType
}

// newService makes the service of rcvr: its name is the name of rcvr's
// type (reflect.Indirect, then Type().Name()), its methods those of
// reflect.TypeOf(rcvr) that net/rpc would call:
//
//	func (t *T) MethodName(args T1, reply *T2) error
//
// exported, two arguments whose types are exported or built in, the second
// a pointer, and one result of type error.
//
// Return an error, never log.Fatal (and never panic): for a nil rcvr or a
// nil pointer, a type that is not
// exported, or a type with no suitable method. The error for the last
// lists each exported method passed over and why ("takes 1 argument",
// "has a reply that is not a pointer"...): net/rpc says nothing, and the
// student who wrote func (f Foo) Sum(args Args, reply int) error is left
// wondering why the call fails.
func newService(rcvr any) (*service, error) {
	panic("minirpc: newService is not implemented yet: write it in minirpc/service.go (docs/minirpc.md, part B)")
}

// call calls m on the service's value with argv and replyv (the receiver
// goes first: m.method.Func.Call), counts the call, and returns the error
// the method returned.
func (s *service) call(m *methodType, argv, replyv reflect.Value) error {
	panic("minirpc: service.call is not implemented yet: write it in minirpc/service.go (docs/minirpc.md, part B)")
}
