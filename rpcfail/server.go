//go:build !solution

package rpcfail

import "sync"

// entry is a client's row in the duplicate table (handout part B): the
// number of the latest request of that client the server executed, and the
// reply to it. Change it as you need.
type entry struct {
	Seq   int64
	Value string
}

// state is what the server saves to disk (handout part C): the data and the
// duplicate table. Exported fields, so that encoding/gob can encode them.
type state struct {
	Data  map[string]string
	Table map[int64]entry
}

// KV is the key/value service with at-most-once semantics (handout parts A
// and B).
//
// A request whose (ClientID, Seq) the server has executed already must not
// be executed again: reply with what the first execution replied. Keep one
// entry per client, for its latest request: a client has one request
// outstanding at a time, so a higher Seq proves it got every earlier reply.
// A Get changes nothing: it may be executed again, and its reply need not be
// kept.
type KV struct {
	mu sync.Mutex
	st state
}

// Get replies with the value of args.Key, or ErrNoKey.
func (kv *KV) Get(args *GetArgs, reply *GetReply) error {
	panic("rpcfail: KV.Get is not implemented yet: write it in rpcfail/server.go (docs/rpcfail.md, part A)")
}

// Put sets args.Key to args.Value, at most once per request.
func (kv *KV) Put(args *PutArgs, reply *PutReply) error {
	panic("rpcfail: KV.Put is not implemented yet: write it in rpcfail/server.go (docs/rpcfail.md, part A)")
}

// Append appends args.Value to args.Key at most once per request and replies
// with the value before; a duplicate gets the first execution's reply.
func (kv *KV) Append(args *AppendArgs, reply *AppendReply) error {
	panic("rpcfail: KV.Append is not implemented yet: write it in rpcfail/server.go (docs/rpcfail.md, part A)")
}

// Server serves a KV over net/rpc on a loopback port, as in Lab 2.
type Server struct {
}

// StartServer starts a server on a free loopback port ("127.0.0.1:0"),
// registered under the name "KV", whose state lives in dir: it loads what an
// earlier server saved there (the file StateFile), with load, and saves its
// state there with save before every reply to a Put or Append (save and
// load, not saveState and loadState: see common.go). dir "" keeps the state
// in memory. If the saved state is damaged, StartServer returns an error
// (handout part C).
func StartServer(dir string) (*Server, error) {
	panic("rpcfail: StartServer is not implemented yet: write it in rpcfail/server.go (docs/rpcfail.md, part A)")
}

// Addr returns the server's address.
func (s *Server) Addr() string {
	panic("rpcfail: Server.Addr is not implemented yet: write it in rpcfail/server.go (docs/rpcfail.md, part A)")
}

// Close stops the server as a crash would: stop accepting, close every
// connection, wait for the server's goroutines. What was saved stays.
func (s *Server) Close() error {
	panic("rpcfail: Server.Close is not implemented yet: write it in rpcfail/server.go (docs/rpcfail.md, part A)")
}
