//go:build solution

package minirpc

import (
	"errors"
	"fmt"
	"go/token"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
)

// methodType is one method a service exports: how to make its arguments
// and call it.
type methodType struct {
	method    reflect.Method
	ArgType   reflect.Type
	ReplyType reflect.Type
	numCalls  atomic.Uint64
}

// NumCalls returns how many times the method has been called.
func (m *methodType) NumCalls() uint64 { return m.numCalls.Load() }

// newArgv returns a new argument: a pointer to a new value if the method
// takes a pointer, otherwise an addressable zero value.
func (m *methodType) newArgv() reflect.Value {
	if m.ArgType.Kind() == reflect.Pointer {
		return reflect.New(m.ArgType.Elem())
	}
	return reflect.New(m.ArgType).Elem()
}

// newReplyv returns a pointer to a new reply, with a map or a slice made,
// so that a method can write into it without making it first.
func (m *methodType) newReplyv() reflect.Value {
	replyv := reflect.New(m.ReplyType.Elem())
	switch m.ReplyType.Elem().Kind() {
	case reflect.Map:
		replyv.Elem().Set(reflect.MakeMap(m.ReplyType.Elem()))
	case reflect.Slice:
		replyv.Elem().Set(reflect.MakeSlice(m.ReplyType.Elem(), 0, 0))
	}
	return replyv
}

// service is a value whose suitable methods are exported under its type's
// name.
type service struct {
	name     string
	typ      reflect.Type
	rcvr     reflect.Value
	method   map[string]*methodType
	rejected map[string]string // exported methods that are not suitable: why
}

var typeOfError = reflect.TypeFor[error]()

// newService makes the service of rcvr, or says why it cannot.
func newService(rcvr any) (*service, error) {
	if v := reflect.ValueOf(rcvr); rcvr == nil || v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("rpc server: Register(%T(nil)): nothing to register", rcvr)
	}
	s := &service{
		rcvr:     reflect.ValueOf(rcvr),
		typ:      reflect.TypeOf(rcvr),
		method:   make(map[string]*methodType),
		rejected: make(map[string]string),
	}
	s.name = reflect.Indirect(s.rcvr).Type().Name()
	if !token.IsExported(s.name) {
		return nil, fmt.Errorf("rpc server: type %s is not exported: a service must be a value of an exported type", s.typ)
	}
	s.registerMethods()
	if len(s.method) == 0 {
		var why []string
		for name, reason := range s.rejected {
			why = append(why, fmt.Sprintf("%s.%s %s", s.name, name, reason))
		}
		sort.Strings(why)
		msg := fmt.Sprintf("rpc server: type %s has no method of the form func (t *T) Method(args T1, reply *T2) error", s.name)
		if len(why) > 0 {
			msg += ": " + strings.Join(why, "; ")
		}
		return nil, errors.New(msg)
	}
	return s, nil
}

// registerMethods keeps every method of s.typ that net/rpc would call:
// exported, two arguments of exported or built-in types, the second a
// pointer, and one result, an error. It records why each other exported
// method was passed over.
func (s *service) registerMethods() {
	for i := 0; i < s.typ.NumMethod(); i++ {
		method := s.typ.Method(i)
		if why := unsuitable(method.Type); why != "" {
			s.rejected[method.Name] = why
			continue
		}
		s.method[method.Name] = &methodType{
			method:    method,
			ArgType:   method.Type.In(1),
			ReplyType: method.Type.In(2),
		}
	}
}

// unsuitable says why a method of type mt (its receiver first) cannot be
// called over RPC, or returns "".
func unsuitable(mt reflect.Type) string {
	switch {
	case mt.NumIn() != 3:
		return fmt.Sprintf("takes %d arguments, not 2 (args and a pointer to the reply)", mt.NumIn()-1)
	case mt.NumOut() != 1 || mt.Out(0) != typeOfError:
		return "must return exactly one result, an error"
	case !exportedOrBuiltin(mt.In(1)):
		return fmt.Sprintf("has an argument of type %s, which is not exported", mt.In(1))
	case mt.In(2).Kind() != reflect.Pointer:
		return fmt.Sprintf("has a reply of type %s, which is not a pointer", mt.In(2))
	case !exportedOrBuiltin(mt.In(2)):
		return fmt.Sprintf("has a reply of type %s, which is not exported", mt.In(2))
	}
	return ""
}

// exportedOrBuiltin reports whether t, or what it points to, is exported or
// has no package (a built-in type).
func exportedOrBuiltin(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return token.IsExported(t.Name()) || t.PkgPath() == ""
}

// call calls m on the service's value and returns the error it returned.
func (s *service) call(m *methodType, argv, replyv reflect.Value) error {
	m.numCalls.Add(1)
	out := m.method.Func.Call([]reflect.Value{s.rcvr, argv, replyv})
	if err := out[0].Interface(); err != nil {
		return err.(error)
	}
	return nil
}
