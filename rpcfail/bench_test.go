package rpcfail

import (
	"fmt"
	"net"
	"net/rpc"
	"sync"
	"testing"
)

// The benchmarks compare the at-most-once service (client IDs, sequence
// numbers, the duplicate table; state in memory) with the same operations on
// a plain net/rpc key/value service without them, the lecture's KV, over the
// same reliable loopback connections and in the same run:
//
//	go test -run '^$' -bench . ./rpcfail/                 your code
//	go test -run '^$' -bench . -tags solution ./rpcfail/   the reference (course staff)

// plainKV is the lecture's key/value service: a map under a mutex.
type plainKV struct {
	mu   sync.Mutex
	data map[string]string
}

func (kv *plainKV) Put(args *PutArgs, reply *PutReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.data[args.Key] = args.Value
	reply.Err = OK
	return nil
}

func (kv *plainKV) Append(args *AppendArgs, reply *AppendReply) error {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	reply.Err, reply.Value = OK, kv.data[args.Key]
	kv.data[args.Key] += args.Value
	return nil
}

// direct is an Endpoint over a reliable net/rpc connection.
type direct struct{ c *rpc.Client }

func (d direct) Call(method string, args, reply any) bool {
	return d.c.Call(method, args, reply) == nil
}

// workload is one operation of a benchmark: i counts the operations.
type workload func(i int) error

func BenchmarkAtMostOnce(b *testing.B) {
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s, err := StartServer("")
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			run(b, s.Addr(), clients, func(c *rpc.Client) workload {
				ck := MakeClerk(direct{c})
				return func(i int) error {
					if i%2 == 0 {
						ck.Put(fmt.Sprint("k", i%16), "value")
					} else {
						ck.Append(fmt.Sprint("a", i%16), "x")
					}
					return nil
				}
			})
		})
	}
}

func BenchmarkPlain(b *testing.B) {
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			rs := rpc.NewServer()
			rs.RegisterName("KV", &plainKV{data: map[string]string{}})
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
			defer wg.Wait()
			defer l.Close()
			run(b, l.Addr().String(), clients, func(c *rpc.Client) workload {
				return func(i int) error {
					if i%2 == 0 {
						return c.Call("KV.Put", &PutArgs{Key: fmt.Sprint("k", i%16), Value: "value"}, &PutReply{})
					}
					return c.Call("KV.Append", &AppendArgs{Key: fmt.Sprint("a", i%16), Value: "x"}, &AppendReply{})
				}
			})
		})
	}
}

// run connects clients clients to addr and has them do b.N operations of
// the workload that each one's connection gives, reporting operations per
// second.
func run(b *testing.B, addr string, clients int, each func(c *rpc.Client) workload) {
	ops := make([]workload, clients)
	for i := range ops {
		c, err := rpc.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		ops[i] = each(c)
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make([]error, clients)
	for w, op := range ops {
		wg.Go(func() {
			for i := w; i < b.N; i += clients {
				if errs[w] = op(i); errs[w] != nil {
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
