//go:build !solution

package rpcfail

// Clerk is a client of the at-most-once KV service (handout part A).
//
// It has a unique ID (a random 63-bit number from crypto/rand) and numbers
// its requests 1, 2, 3, ... It sends each request through its Endpoint and,
// until a reply arrives, sends the same request again: same ClientID, same
// Seq. It has one request outstanding at a time: if goroutines share a
// Clerk, they take turns (a mutex held for the whole request).
type Clerk struct {
}

// MakeClerk returns a Clerk that calls through end.
func MakeClerk(end Endpoint) *Clerk {
	panic("rpcfail: MakeClerk is not implemented yet: write it in rpcfail/client.go (docs/rpcfail.md, part A)")
}

// Get returns the value of key, or ErrNoKey as the error. It retries until
// it gets a reply.
func (ck *Clerk) Get(key string) (string, error) {
	panic("rpcfail: Clerk.Get is not implemented yet: write it in rpcfail/client.go (docs/rpcfail.md, part A)")
}

// Put sets key to value, once, however many retries it takes.
func (ck *Clerk) Put(key, value string) {
	panic("rpcfail: Clerk.Put is not implemented yet: write it in rpcfail/client.go (docs/rpcfail.md, part A)")
}

// Append appends value to key, once, however many retries it takes, and
// returns the value before.
func (ck *Clerk) Append(key, value string) string {
	panic("rpcfail: Clerk.Append is not implemented yet: write it in rpcfail/client.go (docs/rpcfail.md, part A)")
}
