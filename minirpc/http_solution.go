//go:build solution

package minirpc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// ServeHTTP answers an HTTP CONNECT to DefaultRPCPath: it takes the
// connection over from the HTTP server and serves minirpc on it.
func (s *Server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodConnect {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		io.WriteString(w, "405 must CONNECT\n")
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		log.Printf("rpc hijacking %s: %v", req.RemoteAddr, err)
		return
	}
	// The HTTP server's deadlines (ReadTimeout, WriteTimeout) were for
	// one request; an RPC connection lives as long as its client.
	conn.SetDeadline(time.Time{})
	if _, err := io.WriteString(conn, "HTTP/1.0 "+connected+"\n\n"); err != nil {
		conn.Close()
		return
	}
	// Bytes the client sent after its request may sit in the HTTP
	// server's buffer already: read them first.
	s.ServeConn(&bufferedConn{Conn: conn, r: brw.Reader})
}

// bufferedConn reads through the reader the HTTP server left.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// HandleHTTP registers the server on mux: RPC at DefaultRPCPath, the debug
// page at DefaultDebugPath.
func (s *Server) HandleHTTP(mux *http.ServeMux) {
	mux.Handle(DefaultRPCPath, s)
	mux.Handle(DefaultDebugPath, debugHTTP{s})
}

// NewHTTPClient opens a client on conn through an HTTP CONNECT to
// DefaultRPCPath.
func NewHTTPClient(conn net.Conn, opt *Option) (*Client, error) {
	if _, err := io.WriteString(conn, "CONNECT "+DefaultRPCPath+" HTTP/1.0\n\n"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("rpc client: sending CONNECT: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: http.MethodConnect})
	if err == nil && resp.Status == connected {
		return NewClient(conn, opt)
	}
	if err == nil {
		err = errors.New("unexpected HTTP response: " + resp.Status)
	}
	conn.Close()
	return nil, fmt.Errorf("rpc client: CONNECT %s: %w", DefaultRPCPath, err)
}

// DialHTTP connects to an HTTP server at address that serves minirpc at
// DefaultRPCPath.
func DialHTTP(network, address string, opts ...*Option) (*Client, error) {
	return dialTimeout(NewHTTPClient, network, address, opts...)
}

// XDial connects to rpcAddr, "protocol@address": "http@10.0.0.1:7001"
// dials through HTTP, "tcp@10.0.0.1:9999" or "unix@/tmp/rpc.sock" directly.
func XDial(rpcAddr string, opts ...*Option) (*Client, error) {
	protocol, addr, ok := strings.Cut(rpcAddr, "@")
	if !ok {
		return nil, fmt.Errorf("rpc client: wrong address %q: expected protocol@addr", rpcAddr)
	}
	if protocol == "http" {
		return DialHTTP("tcp", addr, opts...)
	}
	return Dial(protocol, addr, opts...)
}
