//go:build !solution

package minirpc

import (
	"io"
	"net"
	"sync"
)

// Server serves the services registered with it (handout part B). Keep
// serviceMap (service name -> *service): the debug page reads it.
type Server struct {
	serviceMap sync.Map
}

// NewServer returns a server with no services.
func NewServer() *Server { return &Server{} }

// DefaultServer is the server of Register and Accept.
var DefaultServer = NewServer()

// Register exports the suitable methods of rcvr under the name of its type
// (newService). It fails if newService does, or if a service of that name
// is registered already (sync.Map's LoadOrStore tells you in one step).
func (s *Server) Register(rcvr any) error {
	panic("minirpc: Server.Register is not implemented yet: write it in minirpc/server.go (docs/minirpc.md, part B)")
}

// Register exports rcvr's methods on DefaultServer.
func Register(rcvr any) error { return DefaultServer.Register(rcvr) }

// Accept serves every connection lis accepts, each in a goroutine of its
// own, and returns once lis is closed (Accept then fails: return, do not
// retry).
func (s *Server) Accept(lis net.Listener) {
	panic("minirpc: Server.Accept is not implemented yet: write it in minirpc/server.go (docs/minirpc.md, part B)")
}

// Accept serves lis with DefaultServer.
func Accept(lis net.Listener) { DefaultServer.Accept(lis) }

// ServeConn serves one connection until the client closes it or sends a
// header that cannot be read, then closes it.
//
//  1. ReadOption. If it fails, log a line that says why ("rpc server: ...")
//     and close the connection.
//  2. Wrap the connection in the codec the Option names.
//  3. Read requests in a loop: a header, then the body into a new argument
//     of the method the header names. Handle each request in a goroutine of
//     its own. A request that cannot be made (an unknown method, a body
//     that does not decode) gets a reply with Header.Error set, and the
//     loop goes on; read its body all the same (ReadBody(nil)), or the
//     next header read is that body. A header that cannot be read ends the
//     loop: the stream is lost. Unless the error is io.EOF (the client hung
//     up between messages), log why ("rpc server: ...").
//  4. Write each reply under one lock per connection (the "sending" lock):
//     two handlers writing at once would interleave their bytes.
//  5. After the loop, wait for the handlers (a sync.WaitGroup), then close
//     the codec.
//
// Part D: with Option.HandleTimeout set, a method that runs longer gets a
// reply with the error "rpc server: request handle timeout: expect within
// <timeout>" instead, and its own result is dropped when it comes: make
// sure the goroutine running it can always end (docs/minirpc.md, part D).
func (s *Server) ServeConn(conn io.ReadWriteCloser) {
	panic("minirpc: Server.ServeConn is not implemented yet: write it in minirpc/server.go (docs/minirpc.md, part B)")
}
