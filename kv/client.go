//go:build !solution

package kv

// Clerk is a client of a KV server (handout part C).
//
// A Clerk dials once, in MakeClerk, and sends every call over that one
// connection (rpc.Dial, then Client.Call). Many goroutines may use one Clerk
// at once: an *rpc.Client is safe for that; keep it so.
type Clerk struct {
}

// MakeClerk connects to the server at addr.
func MakeClerk(addr string) (*Clerk, error) {
	panic("kv: MakeClerk is not implemented yet: write it in kv/client.go (docs/kv.md, part C)")
}

// Get returns the value of key. If the key has never been written it
// returns ErrNoKey as its error; if the call fails (the server is gone, the
// connection broke) it returns that error. It never hangs on a broken
// connection.
func (ck *Clerk) Get(key string) (string, error) {
	panic("kv: Clerk.Get is not implemented yet: write it in kv/client.go (docs/kv.md, part C)")
}

// Put sets key to value.
func (ck *Clerk) Put(key, value string) error {
	panic("kv: Clerk.Put is not implemented yet: write it in kv/client.go (docs/kv.md, part C)")
}

// Append appends value to the value of key and returns the value before.
func (ck *Clerk) Append(key, value string) (string, error) {
	panic("kv: Clerk.Append is not implemented yet: write it in kv/client.go (docs/kv.md, part C)")
}

// Close closes the Clerk's connection.
func (ck *Clerk) Close() error {
	panic("kv: Clerk.Close is not implemented yet: write it in kv/client.go (docs/kv.md, part C)")
}
