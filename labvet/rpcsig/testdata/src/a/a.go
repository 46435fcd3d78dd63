package a

import "net/rpc"

type GetArgs struct{ Key string }
type GetReply struct{ Value string }
type putArgs struct{ Key, Value string }

type KV struct{ data map[string]string }

// The handlers net/rpc serves.
func (kv *KV) Get(args *GetArgs, reply *GetReply) error { return nil }
func (kv *KV) Len(args int, reply *int) error           { return nil }

// Looks meant as handlers, but net/rpc skips them.
func (kv *KV) Put(args *putArgs, reply *GetReply) error { return nil }  // want `net/rpc skips KV.Put without a word: its argument type \*a.putArgs is not exported`
func (kv *KV) Del(args *GetArgs, reply GetReply) error  { return nil }  // want `its reply a.GetReply is not a pointer`
func (kv *KV) Has(args *GetArgs, reply *bool) bool      { return true } // want `it does not return exactly one error`
func (kv *KV) Ping(args *GetArgs) error                 { return nil }  // want `it takes one argument: an RPC method takes exactly two`
func (kv *KV) append(args *GetArgs, reply *GetReply) error { // want `it is not exported`
	return nil
}

// Not meant as a handler: left alone.
func (kv *KV) Close() {}

type Counter struct{ n int }

func (c *Counter) Add(args int, reply *int) error { c.n += args; *reply = c.n; return nil }

func Serve(s *rpc.Server) {
	rpc.Register(&KV{})
	var c Counter
	s.Register(c)                 // want `a Counter is registered by value, but Add has a pointer receiver`
	s.RegisterName("Counter", &c) // a pointer: fine
}

// Helpers of a registered type that are not handlers: left alone.
func (kv *KV) seen(id, seq int64) (string, bool) { return "", false }
func (kv *KV) Stop() error                       { return nil }

// Exported helpers that are no handlers: left alone.
func (kv *KV) Serve(n int) error                   { return nil }
func (kv *KV) Lookup(k string, create bool) string { return "" }
