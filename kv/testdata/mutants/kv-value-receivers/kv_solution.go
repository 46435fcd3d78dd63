//go:build solution

// Mutant: handlers with value receivers: each call locks a copy of the KV's mutex, so the lock guards nothing.
// Must fail: TestKVGetPut, TestKVAppend, TestKVConcurrentHandlers

package kv

import "sync"

// KV is the key/value store that the server exports over RPC. net/rpc runs
// each request in a goroutine of its own, so every handler holds mu for as
// long as it touches data: a read-modify-write such as Append must be one
// critical section, or two concurrent Appends can both read the old value
// and one of them is lost.
type KV struct {
	mu   sync.Mutex
	data map[string]string
}

// NewKV returns an empty KV.
func NewKV() *KV {
	return &KV{data: make(map[string]string)}
}

// Get replies with the value of args.Key, or ErrNoKey if it has none.
func (kv KV) Get(args *GetArgs, reply *GetReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	v, ok := kv.data[args.Key]
	if !ok {
		reply.Err = ErrNoKey
		return nil
	}
	reply.Err, reply.Value = OK, v
	return nil
}

// Put sets args.Key to args.Value.
func (kv KV) Put(args *PutArgs, reply *PutReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.data[args.Key] = args.Value
	reply.Err = OK
	return nil
}

// Append appends args.Value to the value of args.Key and replies with the
// value the key had before.
func (kv KV) Append(args *AppendArgs, reply *AppendReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	old := kv.data[args.Key]
	kv.data[args.Key] = old + args.Value
	reply.Err, reply.Value = OK, old
	return nil
}
