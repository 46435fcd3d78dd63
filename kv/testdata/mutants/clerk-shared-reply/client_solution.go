//go:build solution

// Mutant: a Clerk that keeps one GetReply for all its calls: concurrent callers read each other's answers.
// Must fail: TestClerkConcurrent

package kv

import (
	"fmt"
	"net/rpc"
)

type Clerk struct {
	rpc   *rpc.Client
	reply GetReply
}

func MakeClerk(addr string) (*Clerk, error) {
	c, err := rpc.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("kv: connecting to %s: %w", addr, err)
	}
	return &Clerk{rpc: c}, nil
}

func (ck *Clerk) Get(key string) (string, error) {
	ck.reply = GetReply{}
	if err := ck.rpc.Call("KV.Get", &GetArgs{Key: key}, &ck.reply); err != nil {
		return "", fmt.Errorf("kv: Get(%q): %w", key, err)
	}
	if ck.reply.Err != OK {
		return "", ck.reply.Err
	}
	return ck.reply.Value, nil
}

func (ck *Clerk) Put(key, value string) error {
	var reply PutReply
	if err := ck.rpc.Call("KV.Put", &PutArgs{Key: key, Value: value}, &reply); err != nil {
		return fmt.Errorf("kv: Put(%q): %w", key, err)
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
