// Package kv is Lab 2: a key/value server on Go's net/rpc, its map guarded
// by a mutex, and a client for it, as in the lecture on threads and RPC.
//
// The server keeps a map[string]string. Clients call it over TCP through
// net/rpc: KV.Get, KV.Put and KV.Append. net/rpc serves each connection in a
// goroutine of its own and runs every request in a goroutine of its own too,
// so the handlers run concurrently, and the map needs a lock.
//
// The lab has three parts, each in a file of its own:
//
//   - kv.go: the KV type and its RPC handlers (part A);
//   - server.go: the server: accept connections, serve each one, and shut
//     down cleanly (part B);
//   - client.go: the Clerk, the client library: one connection, safe for many
//     goroutines at once (part C).
//
// This file is provided: it defines what crosses the network (the argument
// and reply types of the RPCs, and their errors) and StartServer. Do not
// edit it. Read docs/kv.md for the handout.
package kv

import "net"

// Err is the outcome of an RPC, as the server reports it in a reply. An Err
// other than OK is also an error, so a Clerk can return it as one.
type Err string

const (
	OK       Err = "OK"       // the operation succeeded
	ErrNoKey Err = "ErrNoKey" // Get of a key that has never been written
)

// Error makes Err an error: a Clerk returns ErrNoKey as its error.
func (e Err) Error() string { return "kv: " + string(e) }

// GetArgs are the arguments of KV.Get.
type GetArgs struct {
	Key string
}

// GetReply is the reply of KV.Get: the value, or ErrNoKey if the key has
// never been written.
type GetReply struct {
	Err   Err
	Value string
}

// PutArgs are the arguments of KV.Put.
type PutArgs struct {
	Key   string
	Value string
}

// PutReply is the reply of KV.Put.
type PutReply struct {
	Err Err
}

// AppendArgs are the arguments of KV.Append: append Value to the value of
// Key (a key never written counts as "").
type AppendArgs struct {
	Key   string
	Value string
}

// AppendReply is the reply of KV.Append: the value Key had before the
// append ("" if none).
type AppendReply struct {
	Err   Err
	Value string
}

// StartServer listens on addr (such as "127.0.0.1:0", any free port) and
// serves a new KV there. Server.Addr tells the address it got.
func StartServer(addr string) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return Serve(l), nil
}
