//go:build solution

// Mutant: a Clerk that gives every retry a new sequence number: the server cannot tell a retry from a new request.
// Must fail: TestLostReplies, TestAllFaults

package rpcfail

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
)

type Clerk struct {
	end Endpoint
	id  int64

	mu  sync.Mutex
	seq int64
}

func MakeClerk(end Endpoint) *Clerk {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return &Clerk{end: end, id: int64(binary.LittleEndian.Uint64(b[:]) >> 1)}
}

func (ck *Clerk) next() int64 {
	ck.mu.Lock()
	ck.seq++
	return ck.seq
}

func (ck *Clerk) done() { ck.mu.Unlock() }

func (ck *Clerk) Get(key string) (string, error) {
	args := GetArgs{Key: key, ClientID: ck.id, Seq: ck.next()}
	defer ck.done()
	for {
		var reply GetReply
		if ck.end.Call("KV.Get", &args, &reply) {
			if reply.Err == ErrNoKey {
				return "", ErrNoKey
			}
			return reply.Value, nil
		}
	}
}

func (ck *Clerk) Put(key, value string) {
	args := PutArgs{Key: key, Value: value, ClientID: ck.id, Seq: ck.next()}
	defer ck.done()
	for {
		var reply PutReply
		if ck.end.Call("KV.Put", &args, &reply) {
			return
		}
	}
}

func (ck *Clerk) Append(key, value string) string {
	args := AppendArgs{Key: key, Value: value, ClientID: ck.id, Seq: ck.next()}
	defer ck.done()
	for {
		var reply AppendReply
		if ck.end.Call("KV.Append", &args, &reply) {
			return reply.Value
		}
		ck.seq++
		args.Seq = ck.seq
	}
}
