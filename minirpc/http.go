//go:build !solution

package minirpc

import (
	"net"
	"net/http"
)

// ServeHTTP serves minirpc through HTTP (handout part E). A request other
// than CONNECT gets 405 Method Not Allowed, with the body "405 must
// CONNECT\n". A CONNECT takes the connection over from the HTTP server
// (http.NewResponseController(w).Hijack()), answers it with the status
// line "HTTP/1.0 " + connected + "\n\n", and serves it (ServeConn). Read
// through the bufio.Reader that Hijack returns: bytes the client sent after
// its request may already be in it. And clear the connection's deadlines
// (conn.SetDeadline(time.Time{})): those an http.Server sets are for one
// request, and Hijack leaves them in place.
func (s *Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	panic("minirpc: Server.ServeHTTP is not implemented yet: write it in minirpc/http.go (docs/minirpc.md, part E)")
}

// HandleHTTP registers the server on mux: the server itself at
// DefaultRPCPath, and the debug page (debugHTTP{s}, provided in debug.go)
// at DefaultDebugPath.
func (s *Server) HandleHTTP(mux *http.ServeMux) {
	panic("minirpc: Server.HandleHTTP is not implemented yet: write it in minirpc/http.go (docs/minirpc.md, part E)")
}

// NewHTTPClient opens a client on conn through HTTP: it writes
// "CONNECT " + DefaultRPCPath + " HTTP/1.0\n\n", reads the response
// (http.ReadResponse), and, if its status is connected, goes on as
// NewClient. Otherwise it closes conn and returns an error that names the
// status.
func NewHTTPClient(conn net.Conn, opt *Option) (*Client, error) {
	panic("minirpc: NewHTTPClient is not implemented yet: write it in minirpc/http.go (docs/minirpc.md, part E)")
}

// DialHTTP connects to an HTTP server at address that serves minirpc at
// DefaultRPCPath, within Option.ConnectTimeout as Dial does (your
// dialTimeout, with NewHTTPClient as the handshake): a server that never
// answers the CONNECT must not hang it.
func DialHTTP(network, address string, opts ...*Option) (*Client, error) {
	panic("minirpc: DialHTTP is not implemented yet: write it in minirpc/http.go (docs/minirpc.md, part E)")
}

// XDial connects to rpcAddr, "protocol@address": "http@10.0.0.1:7001"
// dials through HTTP (DialHTTP over tcp); any other protocol ("tcp",
// "unix") dials directly (Dial). An address without "@" is an error.
func XDial(rpcAddr string, opts ...*Option) (*Client, error) {
	panic("minirpc: XDial is not implemented yet: write it in minirpc/http.go (docs/minirpc.md, part E)")
}
