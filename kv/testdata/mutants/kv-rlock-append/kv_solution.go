//go:build solution

// Mutant: an RWMutex whose Append takes only the read lock: two Appends run at once and one is lost.
// Must fail: TestKVConcurrentHandlers, TestNoLostUpdates

package kv

import "sync"

type KV struct {
	mu   sync.RWMutex
	data map[string]string
}

func NewKV() *KV {
	return &KV{data: make(map[string]string)}
}

func (kv *KV) Get(args *GetArgs, reply *GetReply) error {
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

func (kv *KV) Put(args *PutArgs, reply *PutReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.data[args.Key] = args.Value
	reply.Err = OK
	return nil
}

func (kv *KV) Append(args *AppendArgs, reply *AppendReply) error {
	kv.mu.RLock()
	defer kv.mu.RUnlock()
	old := kv.data[args.Key]
	kv.data[args.Key] = old + args.Value
	reply.Err, reply.Value = OK, old
	return nil
}
