package kv

import (
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"testing"
)

// The benchmarks measure operations per second over loopback with 1, 8 and
// 64 clients, each client a connection of its own driven by one goroutine:
// the KV server (the code under test) beside a plain net/rpc echo service
// that does no work, in the same run, so the difference is the cost of the
// KV's logic and its lock.
//
//	go test -run '^$' -bench . ./kv/                 your code
//	go test -run '^$' -bench . -tags solution ./kv/   the reference (course staff)

// Echo is the plain net/rpc service the KV is compared with.
type Echo struct{}

// Echo replies with its argument.
func (Echo) Echo(args *PutArgs, reply *PutArgs) error {
	*reply = *args
	return nil
}

func BenchmarkKV(b *testing.B) {
	for _, clients := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s, err := StartServer("127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			runClients(b, s.Addr(), clients, func(c *rpc.Client, i int) error {
				key := fmt.Sprint("k", i%16)
				if i%2 == 0 {
					return c.Call("KV.Put", &PutArgs{Key: key, Value: "value"}, &PutReply{})
				}
				return c.Call("KV.Get", &GetArgs{Key: key}, &GetReply{})
			})
		})
	}
}

func BenchmarkEcho(b *testing.B) {
	for _, clients := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			rs := rpc.NewServer()
			rs.Register(Echo{})
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					c, err := l.Accept()
					if err != nil {
						return
					}
					wg.Go(func() { rs.ServeConn(c) })
				}
			})
			runClients(b, l.Addr().String(), clients, func(c *rpc.Client, i int) error {
				return c.Call("Echo.Echo", &PutArgs{Key: fmt.Sprint("k", i%16), Value: "value"}, &PutArgs{})
			})
			l.Close()
			wg.Wait()
		})
	}
}

// runClients connects clients clients to addr and has them make b.N calls
// of op between them, reporting operations per second.
func runClients(b *testing.B, addr string, clients int, op func(c *rpc.Client, i int) error) {
	conns := make([]*rpc.Client, clients)
	for i := range conns {
		c, err := rpc.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make([]error, clients)
	for w, c := range conns {
		wg.Go(func() {
			for i := w; i < b.N; i += clients {
				if err := op(c, i); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
