//go:build solution

// Mutant: no lock at all: the handlers share the map unguarded.
// Must fail: TestKVConcurrentHandlers, TestNoLostUpdates

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
	v, ok := kv.data[args.Key]
	if !ok {
		reply.Err = ErrNoKey
		return nil
	}
	reply.Err, reply.Value = OK, v
	return nil
}

func (kv *KV) Put(args *PutArgs, reply *PutReply) error {
	kv.data[args.Key] = args.Value
	reply.Err = OK
	return nil
}

func (kv *KV) Append(args *AppendArgs, reply *AppendReply) error {
	old := kv.data[args.Key]
	kv.data[args.Key] = old + args.Value
	reply.Err, reply.Value = OK, old
	return nil
}
