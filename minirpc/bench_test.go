package minirpc

import (
	"context"
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"testing"
)

// The benchmarks compare minirpc with Go's net/rpc on loopback, both with
// gob, the same service and the same arguments, with 1 and 64 goroutines
// making calls on one client (one connection), as net/rpc's own benchmarks
// do. Read calls/s (ns/op inverted) and allocs/op side by side:
//
//	go test -run '^$' -bench . -benchmem ./minirpc/                 your code
//	go test -run '^$' -bench . -benchmem -tags solution ./minirpc/   the reference (course staff)

// benchArgs is the argument of every call: small, as most RPCs are.
var benchArgs = Args{A: 7, B: 8}

func BenchmarkMinirpc(b *testing.B) {
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			lis := benchListen(b)
			s := NewServer()
			if err := s.Register(&Arith{}); err != nil {
				b.Fatal(err)
			}
			go s.Accept(lis)
			c, err := Dial("tcp", lis.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			benchCalls(b, callers, func() error {
				var reply int
				return c.Call(ctx, "Arith.Sum", benchArgs, &reply)
			})
		})
	}
}

func BenchmarkNetRPC(b *testing.B) {
	for _, callers := range []int{1, 64} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			lis := benchListen(b)
			s := rpc.NewServer()
			if err := s.Register(&Arith{}); err != nil {
				b.Fatal(err)
			}
			go func() { // rpc.Server.Accept logs when its listener closes
				for {
					conn, err := lis.Accept()
					if err != nil {
						return
					}
					go s.ServeConn(conn)
				}
			}()
			c, err := rpc.Dial("tcp", lis.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			benchCalls(b, callers, func() error {
				var reply int
				return c.Call("Arith.Sum", benchArgs, &reply)
			})
		})
	}
}

func benchListen(b *testing.B) net.Listener {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lis.Close() })
	return lis
}

// benchCalls makes b.N calls, spread over callers goroutines.
func benchCalls(b *testing.B, callers int, call func() error) {
	b.ReportAllocs()
	b.ResetTimer()
	var (
		wg   sync.WaitGroup
		next = make(chan struct{}, callers)
		mu   sync.Mutex
		err  error
	)
	go func() {
		for range b.N {
			next <- struct{}{}
		}
		close(next)
	}()
	for range callers {
		wg.Go(func() {
			for range next {
				if e := call(); e != nil {
					mu.Lock()
					err = e
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
}
