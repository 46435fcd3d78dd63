//go:build solution

// Mutant: Get of a key never written replies OK with "" instead of ErrNoKey.
// Must fail: TestKVGetPut, TestServerServes

package kv

import "sync"

type KV struct {
	mu   sync.Mutex
	data map[string]string
}

func NewKV() *KV {
	return &KV{data: make(map[string]string)}
}

func (kv *KV) Get(args *GetArgs, reply *GetReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	reply.Err, reply.Value = OK, kv.data[args.Key]
	return nil
}

func (kv *KV) Put(args *PutArgs, reply *PutReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.data[args.Key] = args.Value
	reply.Err = OK
	return nil
}

func (kv *KV) Append(args *AppendArgs, reply *AppendReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	old := kv.data[args.Key]
	kv.data[args.Key] = old + args.Value
	reply.Err, reply.Value = OK, old
	return nil
}
