//go:build solution

// Mutant: Clerk IDs from a counter: the first Clerk of every process has ID 1, so clients on two machines answer each other's requests.
// Must fail: TestClientIDs

package rpcfail

import (
	"sync"
	"sync/atomic"
)

// lastID is the ID of the last Clerk made.
var lastID atomic.Int64

// Clerk is a client of the at-most-once KV service. It has a random 63-bit
// ID, unique among clients with overwhelming probability, and numbers its
// requests 1, 2, 3, ...; a retry is the same request, with the same number.
// mu makes sure there is one request outstanding at a time, even if several
// goroutines share the Clerk: the server's table relies on it.
type Clerk struct {
	end Endpoint
	id  int64

	mu  sync.Mutex
	seq int64
}

// MakeClerk returns a Clerk that calls through end.
func MakeClerk(end Endpoint) *Clerk {
	return &Clerk{end: end, id: lastID.Add(1)}
}

// next starts a new request: it locks the Clerk until done is called, and
// returns the request's number.
func (ck *Clerk) next() int64 {
	ck.mu.Lock()
	ck.seq++
	return ck.seq
}

func (ck *Clerk) done() { ck.mu.Unlock() }

// Get returns the value of key, or ErrNoKey. It retries until it gets a
// reply.
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

// Put sets key to value, exactly once however many retries it takes.
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

// Append appends value to key exactly once, however many retries it takes,
// and returns the value before.
func (ck *Clerk) Append(key, value string) string {
	args := AppendArgs{Key: key, Value: value, ClientID: ck.id, Seq: ck.next()}
	defer ck.done()
	for {
		var reply AppendReply
		if ck.end.Call("KV.Append", &args, &reply) {
			return reply.Value
		}
	}
}
