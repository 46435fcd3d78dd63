//go:build !solution

package kv

import "net"

// Server serves one KV over net/rpc on a listener (handout part B).
//
// Add the fields you need: the KV, an *rpc.Server with the KV registered
// (rpc.NewServer, Register), the listener, the live connections (Close must
// close them), and a sync.WaitGroup that counts the goroutines you start.
type Server struct {
}

// Serve serves a new KV on l in the background and returns at once.
//
// Accept connections in a goroutine of its own, and serve each connection
// in a goroutine of its own (rpc.Server.ServeConn), so that one slow or
// silent client cannot stop the others.
func Serve(l net.Listener) *Server {
	panic("kv: Serve is not implemented yet: write it in kv/server.go (docs/kv.md, part B)")
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string {
	panic("kv: Server.Addr is not implemented yet: write it in kv/server.go (docs/kv.md, part B)")
}

// Close stops accepting connections, closes the live ones, and returns only
// when every goroutine the server started has ended. Calling it again does
// nothing.
//
// Hint: closing the listener makes Accept return an error; closing a
// connection makes its ServeConn return. A connection accepted while Close
// runs must not slip through.
func (s *Server) Close() error {
	panic("kv: Server.Close is not implemented yet: write it in kv/server.go (docs/kv.md, part B)")
}
