//go:build solution

// Mutant: a Clerk that holds a lock across each call and takes it in Close: Close waits for a reply that never comes.
// Must fail: TestClerkClose

package kv

import (
	"fmt"
	"net/rpc"
	"sync"
)

// Clerk is a client of a KV server. It dials once and sends every call over
// that one connection; an *rpc.Client is safe for many goroutines, and so is
// a Clerk, which keeps no other state.
type Clerk struct {
	mu  sync.Mutex
	rpc *rpc.Client
}

// MakeClerk connects to the server at addr.
func MakeClerk(addr string) (*Clerk, error) {
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("kv: connecting to %s: %w", addr, err)
	}
	return &Clerk{rpc: c}, nil
}

// Get returns the value of key, or ErrNoKey if it has none.
func (ck *Clerk) Get(key string) (string, error) {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	var reply GetReply
	if err := ck.rpc.Call("KV.Get", &GetArgs{Key: key}, &reply); err != nil {
		return "", fmt.Errorf("kv: Get(%q): %w", key, err)
	}
	if reply.Err != OK {
		return "", reply.Err
	}
	return reply.Value, nil
}

// Put sets key to value.
func (ck *Clerk) Put(key, value string) error {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	var reply PutReply
	if err := ck.rpc.Call("KV.Put", &PutArgs{Key: key, Value: value}, &reply); err != nil {
		return fmt.Errorf("kv: Put(%q): %w", key, err)
	}
	if reply.Err != OK {
		return reply.Err
	}
	return nil
}

// Append appends value to the value of key and returns the value before.
func (ck *Clerk) Append(key, value string) (string, error) {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	var reply AppendReply
	if err := ck.rpc.Call("KV.Append", &AppendArgs{Key: key, Value: value}, &reply); err != nil {
		return "", fmt.Errorf("kv: Append(%q): %w", key, err)
	}
	if reply.Err != OK {
		return "", reply.Err
	}
	return reply.Value, nil
}

// Close closes the connection. Calls in flight, and any made after, fail.
func (ck *Clerk) Close() error {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	return ck.rpc.Close()
}
