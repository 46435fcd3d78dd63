//go:build solution

// Mutant: a Clerk that returns no error when the call itself fails: the caller believes a Put happened that never did.
// Must fail: TestClerkServerGone

package kv

import (
	"fmt"
	"net/rpc"
)

type Clerk struct {
	rpc *rpc.Client
}

func MakeClerk(addr string) (*Clerk, error) {
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("kv: connecting to %s: %w", addr, err)
	}
	return &Clerk{rpc: c}, nil
}

func (ck *Clerk) Get(key string) (string, error) {
	var reply GetReply
	if err := ck.rpc.Call("KV.Get", &GetArgs{Key: key}, &reply); err != nil {
		return "", fmt.Errorf("kv: Get(%q): %w", key, err)
	}
	if reply.Err != OK {
		return "", reply.Err
	}
	return reply.Value, nil
}

func (ck *Clerk) Put(key, value string) error {
	var reply PutReply
	if err := ck.rpc.Call("KV.Put", &PutArgs{Key: key, Value: value}, &reply); err != nil {
		return nil
	}
	if reply.Err != OK {
		return reply.Err
	}
	return nil
}

func (ck *Clerk) Append(key, value string) (string, error) {
	var reply AppendReply
	if err := ck.rpc.Call("KV.Append", &AppendArgs{Key: key, Value: value}, &reply); err != nil {
		return "", fmt.Errorf("kv: Append(%q): %w", key, err)
	}
	if reply.Err != OK {
		return "", reply.Err
	}
	return reply.Value, nil
}

func (ck *Clerk) Close() error { return ck.rpc.Close() }
