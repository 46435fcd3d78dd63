// Package rpcfail is Lab 3: at-most-once RPC over a network that loses,
// delays and duplicates messages, as in the lecture's "RPC failures".
//
// The key/value service of Lab 2 meets a network that misbehaves. A request
// may be lost before the server sees it, the reply may be lost after the
// server executed it, a request may arrive twice at once, or arrive again
// late, after newer ones. The client cannot tell these apart: all it sees is
// no reply. So it retries, and the server must recognise a retry and answer
// it without executing it again: Append("k", "x") must add "x" once, however
// many copies of the request arrive.
//
// The lab's answer is the lecture's: each Clerk has a unique client ID and
// numbers its requests; it retries a request, with the same ID and number,
// until it gets a reply, and has one request outstanding at a time. The
// server keeps a duplicate table with one entry per client, the latest
// request it executed and its reply, so its memory grows with clients, not
// with requests. Its data and its table are saved to disk, atomically,
// before it replies, so that a request retried across a crash and restart
// is still executed once.
//
// The student writes server.go (the handlers and the duplicate table),
// persist.go (saving and loading the state) and client.go (the Clerk). This
// file is provided: the types that cross the network and the Endpoint the
// Clerk calls through. Read docs/rpcfail.md for the handout.
package rpcfail

// Err is the outcome of an operation, as the server reports it.
type Err string

const (
	OK       Err = "OK"       // the operation succeeded
	ErrNoKey Err = "ErrNoKey" // Get of a key that has never been written
)

// Error makes Err an error: Clerk.Get returns ErrNoKey as its error.
func (e Err) Error() string { return "rpcfail: " + string(e) }

// GetArgs are the arguments of KV.Get. ClientID and Seq identify the request:
// the client's ID and the request's number among that client's requests.
type GetArgs struct {
	Key      string
	ClientID int64
	Seq      int64
}

// GetReply is the reply of KV.Get.
type GetReply struct {
	Err   Err
	Value string
}

// PutArgs are the arguments of KV.Put.
type PutArgs struct {
	Key      string
	Value    string
	ClientID int64
	Seq      int64
}

// PutReply is the reply of KV.Put.
type PutReply struct {
	Err Err
}

// AppendArgs are the arguments of KV.Append.
type AppendArgs struct {
	Key      string
	Value    string
	ClientID int64
	Seq      int64
}

// AppendReply is the reply of KV.Append: the value before the append.
type AppendReply struct {
	Err   Err
	Value string
}

// Endpoint is a client's end of the network. Call sends one request and
// reports whether a reply arrived; if it did, reply holds it. If not, the
// request may have been lost, or executed and its reply lost: the caller
// cannot know which. Call never retries; that is the Clerk's job.
type Endpoint interface {
	Call(method string, args, reply any) bool
}

// StateFile is the name of the file, in the server's directory, that holds
// its saved state.
const StateFile = "state"

// save and load are how the server saves and loads its state: your
// saveState and loadState (persist.go, handout part C). Call these two from
// server.go, not saveState and loadState: the tests of parts A and B point
// them at a store in memory, so that parts A and B can be done, and graded,
// before part C.
var (
	save = saveState
	load = loadState
)
