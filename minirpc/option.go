// Package minirpc is an RPC framework written from scratch in the shape of
// Go's net/rpc (Lab 4). A server exports the methods of Go values; a client
// calls them over a connection, synchronously (Call) or asynchronously (Go),
// with time-outs, over TCP or through an HTTP CONNECT.
//
// A connection opens with an Option: a 4-byte big-endian length and then
// that many bytes of JSON, which name the codec of the rest of the
// connection (package codec) and carry the time-outs. After it come
// messages, each a codec.Header and a body, in both directions:
//
//	| length | Option (JSON) | Header | Body | Header | Body | ...
//	|<-- framed, always JSON -->|<-- in the codec the Option names -->
//
// The client numbers its calls (Header.Seq) and keeps each one in a map of
// pending calls until its reply arrives, so that many calls share one
// connection and their replies may come back in any order. The server
// handles each request in a goroutine of its own and writes one reply at a
// time under a lock, since two replies written at once would interleave on
// the wire.
//
// Packages xclient (load balancing over several servers) and registry (a
// registry of live servers kept up by heartbeats) stand on this one.
//
// This file is provided. The lab's files are listed in docs/minirpc.md.
package minirpc

import (
	"errors"
	"fmt"
	"time"

	"golabs/minirpc/codec"
)

// MagicNumber opens every Option: a connection that does not start with it
// is not talking minirpc.
const MagicNumber = 0x3bef5c

// MaxOptionSize is the largest Option a server reads. A length above it is
// garbage, or an attack: reading it would make the server allocate what the
// peer asks for.
const MaxOptionSize = 64 << 10

// Option is what a client sends first on a connection.
type Option struct {
	MagicNumber    int        // MagicNumber, or the connection is refused
	CodecType      codec.Type // the codec of the rest of the connection
	ConnectTimeout time.Duration
	HandleTimeout  time.Duration // how long the server lets a method run; 0: no limit
}

// DefaultOption is what Dial uses when it is given no Option.
var DefaultOption = &Option{
	MagicNumber:    MagicNumber,
	CodecType:      codec.GobType,
	ConnectTimeout: 10 * time.Second,
}

// ErrShutdown is the error of a call made on a client that is closed, or
// whose connection broke.
var ErrShutdown = errors.New("connection is shut down")

// parseOptions returns the Option a dialler was given, DefaultOption if it
// was given none, with its magic number and codec filled in.
func parseOptions(opts ...*Option) (*Option, error) {
	if len(opts) == 0 || opts[0] == nil {
		return DefaultOption, nil
	}
	if len(opts) != 1 {
		return nil, fmt.Errorf("rpc client: %d options given, expected at most 1", len(opts))
	}
	opt := *opts[0]
	opt.MagicNumber = MagicNumber
	if opt.CodecType == "" {
		opt.CodecType = DefaultOption.CodecType
	}
	return &opt, nil
}
