package a

import (
	"net/rpc"
	"sync"
	"time"
)

type Server struct {
	mu    sync.Mutex
	cond  *sync.Cond
	peers []*rpc.Client
	ch    chan int
	wg    sync.WaitGroup
	data  map[string]string
}

// Bad: an RPC under the lock.
func (s *Server) Broadcast(args int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.peers {
		var reply int
		p.Call("Peer.Update", args, &reply) // want `rpc.Client.Call while s.mu is held`
	}
}

// Good: the peers copied under the lock, the calls made after.
func (s *Server) BroadcastCopy(args int) {
	s.mu.Lock()
	peers := append([]*rpc.Client(nil), s.peers...)
	s.mu.Unlock()
	for _, p := range peers {
		var reply int
		p.Call("Peer.Update", args, &reply)
	}
}

func (s *Server) Channels() {
	s.mu.Lock()
	s.ch <- 1   // want `channel send while s.mu is held`
	v := <-s.ch // want `channel receive while s.mu is held`
	_ = v
	select { // want `select without a default case while s.mu is held`
	case s.ch <- 2:
	case <-s.ch:
	}
	select {
	case s.ch <- 3:
	default:
	}
	s.mu.Unlock()
	s.ch <- 4
}

func (s *Server) Waits() {
	s.mu.Lock()
	time.Sleep(time.Millisecond) // want `time.Sleep while s.mu is held`
	s.wg.Wait()                  // want `sync.WaitGroup.Wait while s.mu is held`
	for s.data == nil {
		s.cond.Wait() // releases the lock: the right way to wait
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// A goroutine started under the lock runs without it.
func (s *Server) Starts() {
	s.mu.Lock()
	go func() {
		s.ch <- 1
	}()
	s.mu.Unlock()
}

// The unlock on one path, then the wait: released before it.
func (s *Server) Early(k string) string {
	s.mu.Lock()
	if v, ok := s.data[k]; ok {
		s.mu.Unlock()
		return v
	}
	s.mu.Unlock()
	return <-make(chan string)
}

// The coordinator pattern: the lock guards only the map.
func (s *Server) Coordinator(results chan []string) {
	for urls := range results {
		for _, u := range urls {
			s.mu.Lock()
			seen := s.data[u] != ""
			s.data[u] = "x"
			s.mu.Unlock()
			if !seen {
				s.ch <- 1
			}
		}
	}
}

func Dials(mu *sync.RWMutex) {
	mu.RLock()
	c, _ := rpc.Dial("tcp", "localhost:1") // want `rpc.Dial while mu is held`
	mu.RUnlock()
	_ = c
}

// Unlocked in both branches, then the call: not held.
func (s *Server) Branches(k string, c *rpc.Client) error {
	var v string
	s.mu.Lock()
	if s.data == nil {
		v = ""
		s.mu.Unlock()
	} else {
		v = s.data[k]
		s.mu.Unlock()
	}
	var r int
	return c.Call("KV.Get", v, &r)
}

// Unlocked in every case of a switch with a default.
func (s *Server) Cases(n int) {
	s.mu.Lock()
	switch n {
	case 0:
		s.mu.Unlock()
	default:
		s.mu.Unlock()
	}
	time.Sleep(time.Millisecond)
}

// Unlocked on the path that goes on; the other returns.
func (s *Server) EarlyOut(k string) {
	s.mu.Lock()
	if s.data == nil {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	time.Sleep(time.Millisecond)
}

// The shape of the kit's fault-injecting network (and of labrpc).
type End struct{}

func (e *End) Call(method string, args, reply any) bool { return true }

func (s *Server) CallEnd(e *End) {
	s.mu.Lock()
	var r int
	e.Call("KV.Get", 1, &r) // want `an RPC \(Call\) while s.mu is held`
	s.mu.Unlock()
}
