//go:build solution

// Mutant: a duplicate table capped at 100 clients that forgets the oldest: a client silent for a while loses its entry, and its retry executes again.
// Must fail: TestSilentClient

package rpcfail

import (
	"errors"
	"net"
	"net/rpc"
	"path/filepath"
	"sync"
)

// entry is a client's row in the duplicate table: the number of the latest
// request of that client the server has executed, and the reply to it if it
// was a Put or an Append. A client has one request outstanding at a time, so
// a request with a higher number proves that it received every earlier
// reply: only the latest is ever needed again.
type entry struct {
	Seq   int64
	Value string // the reply's Value (Append's old value); Err is always OK
}

// state is everything the server saves: the data and the duplicate table.
type state struct {
	Data  map[string]string
	Table map[int64]entry
}

// KV is the key/value service with at-most-once semantics. Each handler
// holds mu from the duplicate check to the saved reply, including the save
// to disk, so that a duplicate arriving while the original executes waits,
// then finds the original's entry.
type KV struct {
	mu   sync.Mutex
	st   state
	path string // the state file; "" keeps the state in memory only

	order []int64 // the clients in the table, oldest first
}

// seen reports whether the request (id, seq) was executed already, and if so
// returns its saved reply. A request older than the client's latest is a
// stray copy the client no longer waits for: it is not executed either.
func (kv *KV) seen(id, seq int64) (entry, bool) {
	e, ok := kv.st.Table[id]
	return e, ok && seq <= e.Seq
}

// commit records the request as executed, with its reply, and saves the
// state before the reply goes out.
func (kv *KV) commit(id, seq int64, value string) error {
	if _, ok := kv.st.Table[id]; !ok {
		kv.order = append(kv.order, id)
		if len(kv.order) > 100 {
			delete(kv.st.Table, kv.order[0])
			kv.order = kv.order[1:]
		}
	}
	kv.st.Table[id] = entry{Seq: seq, Value: value}
	if kv.path == "" {
		return nil
	}
	return save(kv.path, &kv.st)
}

// Get replies with the value of args.Key. A Get changes nothing, so a
// duplicate may simply be executed again; its reply is not kept.
func (kv *KV) Get(args *GetArgs, reply *GetReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	v, ok := kv.st.Data[args.Key]
	if !ok {
		reply.Err = ErrNoKey
		return nil
	}
	reply.Err, reply.Value = OK, v
	return nil
}

// Put sets args.Key to args.Value, at most once per request.
func (kv *KV) Put(args *PutArgs, reply *PutReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if _, dup := kv.seen(args.ClientID, args.Seq); dup {
		reply.Err = OK
		return nil
	}
	kv.st.Data[args.Key] = args.Value
	if err := kv.commit(args.ClientID, args.Seq, ""); err != nil {
		return err
	}
	reply.Err = OK
	return nil
}

// Append appends args.Value to args.Key, at most once per request, and
// replies with the value before; a duplicate gets the saved reply.
func (kv *KV) Append(args *AppendArgs, reply *AppendReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if e, dup := kv.seen(args.ClientID, args.Seq); dup {
		reply.Err, reply.Value = OK, e.Value
		return nil
	}
	old := kv.st.Data[args.Key]
	kv.st.Data[args.Key] = old + args.Value
	if err := kv.commit(args.ClientID, args.Seq, old); err != nil {
		return err
	}
	reply.Err, reply.Value = OK, old
	return nil
}

// Server serves a KV over net/rpc on a loopback port.
type Server struct {
	l     net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
	wg    sync.WaitGroup
}

// StartServer starts a server whose state lives in dir, loading what an
// earlier server saved there; dir "" keeps the state in memory only. It
// fails if the saved state is damaged: starting empty would silently undo
// every write the clients were told had happened.
func StartServer(dir string) (*Server, error) {
	kv := &KV{st: state{Data: map[string]string{}, Table: map[int64]entry{}}}
	if dir != "" {
		kv.path = filepath.Join(dir, StateFile)
		st, err := load(kv.path)
		if err != nil {
			return nil, err
		}
		if st != nil {
			kv.st = *st
		}
	}
	rs := rpc.NewServer()
	if err := rs.RegisterName("KV", kv); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{l: l, conns: map[net.Conn]struct{}{}}
	s.wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.done {
				s.mu.Unlock()
				c.Close()
				return
			}
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			s.wg.Go(func() {
				rs.ServeConn(c)
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			})
		}
	})
	return s, nil
}

// Addr returns the server's address.
func (s *Server) Addr() string { return s.l.Addr().String() }

// Close stops the server, as a crash would: it stops accepting, closes
// every connection, and waits for its goroutines. What it had saved stays.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return nil
	}
	s.done = true
	err := s.l.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}
