//go:build solution

// Mutant: the data is saved, but the duplicate table is kept in memory only: a restart forgets it.
// Must fail: TestRetryAcrossRestart

package rpcfail

import (
	"errors"
	"net"
	"net/rpc"
	"path/filepath"
	"sync"
)

type entry struct {
	Seq   int64
	Value string // the reply's Value (Append's old value); Err is always OK
}

type state struct {
	Data  map[string]string
	Table map[int64]entry
}

type KV struct {
	mu   sync.Mutex
	st   state
	path string // the state file; "" keeps the state in memory only
}

func (kv *KV) seen(id, seq int64) (entry, bool) {
	e, ok := kv.st.Table[id]
	return e, ok && seq <= e.Seq
}

func (kv *KV) commit(id, seq int64, value string) error {
	kv.st.Table[id] = entry{Seq: seq, Value: value}
	if kv.path == "" {
		return nil
	}
	return save(kv.path, &kv.st)
}

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

type Server struct {
	l     net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
	wg    sync.WaitGroup
}

func StartServer(dir string) (*Server, error) {
	kv := &KV{st: state{Data: map[string]string{}, Table: map[int64]entry{}}}
	if dir != "" {
		kv.path = filepath.Join(dir, StateFile)
		st, err := load(kv.path)
		if err != nil {
			return nil, err
		}
		if st != nil {
			kv.st.Data = st.Data
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

func (s *Server) Addr() string { return s.l.Addr().String() }

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
