//go:build !solution

package kv

import "sync"

// KV is the key/value store the server exports over RPC (handout part A).
//
// net/rpc runs every request in a goroutine of its own, so many handlers run
// at once: guard the map with the mutex. A handler that reads and then
// writes (Append) must do both in one critical section, or two concurrent
// Appends can both read the old value, and one of them is lost.
type KV struct {
	mu   sync.Mutex
	data map[string]string
}

// NewKV returns an empty KV.
func NewKV() *KV {
	panic("kv: NewKV is not implemented yet: write it in kv/kv.go (docs/kv.md, part A)")
}

// Get sets reply.Value to the value of args.Key and reply.Err to OK, or
// reply.Err to ErrNoKey if the key has never been written. A key written
// with the empty string exists: its Get is OK with Value "".
func (kv *KV) Get(args *GetArgs, reply *GetReply) error {
	panic("kv: KV.Get is not implemented yet: write it in kv/kv.go (docs/kv.md, part A)")
}

// Put sets args.Key to args.Value and reply.Err to OK.
func (kv *KV) Put(args *PutArgs, reply *PutReply) error {
	panic("kv: KV.Put is not implemented yet: write it in kv/kv.go (docs/kv.md, part A)")
}

// Append appends args.Value to the value of args.Key (a key never written
// counts as "") and replies with the value the key had BEFORE the append.
func (kv *KV) Append(args *AppendArgs, reply *AppendReply) error {
	panic("kv: KV.Append is not implemented yet: write it in kv/kv.go (docs/kv.md, part A)")
}
