package a

import "net/rpc"

type GetArgs struct {
	Key   string
	retry int // want `GetArgs.retry is not exported: gob does not send it`
}

type GetReply struct {
	Value string
	Done  chan bool // want `GetReply.Done is a channel: gob cannot send it`
	Err   string
}

type PutArgs struct {
	Key, Value string
	Then       func() // want `PutArgs.Then is a function: gob cannot send it`
}

type PutReply struct{ Err string }

type KV struct{}

func (kv *KV) Get(args *GetArgs, reply *GetReply) error { return nil }
func (kv *KV) Put(args PutArgs, reply *PutReply) error  { return nil }

// Not registered: its types are nobody's business here.
type local struct{ x int }

func Register() { rpc.Register(&KV{}) }

type Clerk struct {
	rpc   *rpc.Client
	reply GetReply
}

// A reply kept in the Clerk, shared by every call.
func (ck *Clerk) Get(key string) string {
	ck.reply = GetReply{}
	ck.rpc.Call("KV.Get", &GetArgs{Key: key}, &ck.reply) // want `the reply &ck.reply is a field of ck, shared by every call through it`
	return ck.reply.Value
}

// A reply of the call's own: fine.
func (ck *Clerk) Get2(key string) string {
	var reply GetReply
	ck.rpc.Call("KV.Get", &GetArgs{Key: key}, &reply)
	return reply.Value
}

// One reply for every turn of a retry loop: an old answer survives.
func (ck *Clerk) Retry(key string) string {
	var reply GetReply
	for {
		if err := ck.rpc.Call("KV.Get", &GetArgs{Key: key}, &reply); err == nil { // want `the reply &reply is declared outside the loop that calls`
			return reply.Value
		}
	}
}

// A fresh reply every turn: fine.
func (ck *Clerk) Retry2(key string) string {
	for {
		var reply GetReply
		if err := ck.rpc.Call("KV.Get", &GetArgs{Key: key}, &reply); err == nil {
			return reply.Value
		}
	}
}

// A reply parameter: the caller's business.
func (ck *Clerk) Into(key string, reply *GetReply) {
	for range 3 {
		ck.rpc.Call("KV.Get", &GetArgs{Key: key}, reply)
	}
}

// The shape of the kit's fault-injecting network, and of labrpc.
type End struct{}

func (e *End) Call(method string, args, reply any) bool { return true }

func RetryEnd(e *End) string {
	var reply GetReply
	for !e.Call("KV.Get", &GetArgs{}, &reply) { // want `the reply &reply is declared outside the loop that calls`
	}
	return reply.Value
}

// A reply outside the loop, but reset on every turn: fine.
func (ck *Clerk) RetryReset(key string) string {
	var reply GetReply
	for {
		reply = GetReply{}
		if err := ck.rpc.Call("KV.Get", &GetArgs{Key: key}, &reply); err == nil {
			return reply.Value
		}
	}
}
