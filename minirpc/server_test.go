package minirpc

// The graded tests of Lab 4, part B, the server. Run them with:
//
//	go test -race -run 'TestRegister|TestService|TestServer' ./minirpc/
//
// They talk to your server with the raw client of rawclient_test.go, which
// speaks the wire protocol by hand: they do not need your client (part C).

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golabs/internal/labtest"
	"golabs/minirpc/codec"
)

// --- Services with methods of every shape ----------------------------------------

// RegMix has methods net/rpc would call, and methods it would not.
type RegMix struct{}

// regHidden is a type that is not exported.
type regHidden struct{ A int }

var errRegMix = errors.New("regmix: this method always fails")

// The methods net/rpc calls.

func (RegMix) ValueArg(args Args, reply *int) error { *reply = args.A + args.B; return nil }

func (*RegMix) PointerArg(args *Args, reply *int) error { *reply = args.A * args.B; return nil }

func (*RegMix) Builtin(args string, reply *[]string) error { *reply = append(*reply, args); return nil }

func (*RegMix) MapReply(args string, reply *map[string]int) error { (*reply)[args]++; return nil }

func (*RegMix) Fails(args Args, reply *int) error { return errRegMix }

// The methods it does not.

func (*RegMix) UnexportedArg(args regHidden, reply *int) error { return nil }

func (*RegMix) UnexportedReply(args Args, reply *regHidden) error { return nil }

func (*RegMix) ReplyNotPointer(args Args, reply int) error { return nil }

func (*RegMix) OneArg(args Args) error { return nil }

func (*RegMix) ThreeArgs(args Args, extra int, reply *int) error { return nil }

func (*RegMix) NoResult(args Args, reply *int) {}

func (*RegMix) WrongResult(args Args, reply *int) int { return 0 }

func (*RegMix) TwoResults(args Args, reply *int) (int, error) { return 0, nil }

func (*RegMix) unexported(args Args, reply *int) error { return nil }

// regMixWhy says why each method of RegMix that is not registered is not.
var regMixWhy = map[string]string{
	"UnexportedArg":   "its argument's type, regHidden, is not exported",
	"UnexportedReply": "its reply's type, *regHidden, is not exported",
	"ReplyNotPointer": "its reply is not a pointer: the method could not give a value back",
	"OneArg":          "it takes 1 argument, not 2",
	"ThreeArgs":       "it takes 3 arguments, not 2",
	"NoResult":        "it returns nothing, not an error",
	"WrongResult":     "it returns an int, not an error",
	"TwoResults":      "it returns 2 results, not an error alone",
	"unexported":      "it is not exported",
}

// RegNone has no method net/rpc would call.
type RegNone struct{}

func (RegNone) OneArg(args Args) error { return nil }

func (RegNone) ReplyNotPointer(args Args, reply int) error { return nil }

// RegEmpty has no method at all.
type RegEmpty struct{}

// RegValue is registered as a value, not a pointer.
type RegValue struct{ base int }

func (v RegValue) Add(args int, reply *int) error { *reply = v.base + args; return nil }

// srvNewService calls the student's newService.
func srvNewService(t *testing.T, rcvr any, what string) (*service, error) {
	t.Helper()
	var svc *service
	var err error
	try(t, "newService("+what+")", func() { svc, err = newService(rcvr) })
	return svc, err
}

// srvMethods returns the names of the methods of svc, sorted.
func srvMethods(svc *service) []string {
	var names []string
	for name := range svc.method {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// --- B. Registering services ----------------------------------------------------

func TestRegisterMethods(t *testing.T) {
	svc, err := srvNewService(t, &RegMix{}, "&RegMix{}")
	if err != nil || svc == nil {
		t.Fatalf("newService(&RegMix{}) returned %v, error %v.\nExpected: a service with the methods of the form "+
			"func (t *T) Method(args T1, reply *T2) error (docs/minirpc.md, part B).", svc, err)
	}
	if svc.name != "RegMix" {
		t.Fatalf("newService(&RegMix{}) named the service %q; want \"RegMix\", the name of the type the pointer "+
			"points to (reflect.Indirect(v).Type().Name()) (docs/minirpc.md, part B).", svc.name)
	}
	want := map[string]struct{ arg, reply reflect.Type }{
		"ValueArg":   {reflect.TypeFor[Args](), reflect.TypeFor[*int]()},
		"PointerArg": {reflect.TypeFor[*Args](), reflect.TypeFor[*int]()},
		"Builtin":    {reflect.TypeFor[string](), reflect.TypeFor[*[]string]()},
		"MapReply":   {reflect.TypeFor[string](), reflect.TypeFor[*map[string]int]()},
		"Fails":      {reflect.TypeFor[Args](), reflect.TypeFor[*int]()},
	}
	for name, m := range svc.method {
		if why, bad := regMixWhy[name]; bad {
			t.Errorf("newService(&RegMix{}) registered RegMix.%s, which net/rpc would not call: %s "+
				"(docs/minirpc.md, part B).", name, why)
			continue
		}
		w, ok := want[name]
		if !ok {
			t.Errorf("newService(&RegMix{}) registered a method %q, which RegMix does not have", name)
			continue
		}
		if m == nil || m.ArgType != w.arg || m.ReplyType != w.reply {
			t.Errorf("the methodType of RegMix.%s is %+v; want ArgType %v and ReplyType %v, the types of its two "+
				"arguments (docs/minirpc.md, part B).", name, m, w.arg, w.reply)
		}
	}
	for name := range want {
		if _, ok := svc.method[name]; !ok {
			t.Errorf("newService(&RegMix{}) did not register RegMix.%s, a method of the form func (t *T) "+
				"Method(args T1, reply *T2) error; it has %q.\nLikely cause: the argument may be a value or a "+
				"pointer, of an exported or a built-in type; the reply must be a pointer (docs/minirpc.md, part B).",
				name, srvMethods(svc))
		}
	}
	if t.Failed() {
		return
	}

	// A value, not a pointer: its value methods.
	svc, err = srvNewService(t, RegValue{base: 10}, "RegValue{}")
	if err != nil || svc == nil || svc.name != "RegValue" || svc.method["Add"] == nil {
		t.Fatalf("newService(RegValue{}) (a value, with a method of value receiver) returned %v, error %v; want a "+
			"service named \"RegValue\" with the method Add (docs/minirpc.md, part B).", svc, err)
	}

	var srv *Server
	try(t, "NewServer", func() { srv = NewServer() })
	try(t, "Server.Register", func() { err = srv.Register(&RegMix{}) })
	if err != nil {
		t.Fatalf("Server.Register(&RegMix{}) failed: %v; want nil: RegMix has suitable methods, and those that are "+
			"not are passed over (docs/minirpc.md, part B).", err)
	}
	if v, ok := srv.serviceMap.Load("RegMix"); !ok {
		t.Fatalf("after Server.Register(&RegMix{}), the server's serviceMap has no \"RegMix\"; want the service " +
			"under the name of its type (docs/minirpc.md, part B).")
	} else if s, ok := v.(*service); !ok || s.method["ValueArg"] == nil {
		t.Fatalf("after Server.Register(&RegMix{}), serviceMap[\"RegMix\"] is %#v; want the *service of RegMix "+
			"(the debug page reads it) (docs/minirpc.md, part B).", v)
	}
}

func TestRegisterErrors(t *testing.T) {
	svc, err := srvNewService(t, nil, "nil")
	if err == nil {
		t.Fatalf("newService(nil) returned %v and no error; want an error: there is nothing to register "+
			"(docs/minirpc.md, part B).", svc)
	}
	svc, err = srvNewService(t, &regHidden{}, "&regHidden{}")
	if err == nil || !strings.Contains(err.Error(), "regHidden") {
		t.Fatalf("newService(&regHidden{}) returned %v, error %v.\nExpected: an error that names the type, "+
			"regHidden, which is not exported: net/rpc exports only exported types (docs/minirpc.md, part B).", svc, err)
	}
	svc, err = srvNewService(t, RegEmpty{}, "RegEmpty{}")
	if err == nil {
		t.Fatalf("newService(RegEmpty{}), a type with no method, returned %v and no error; want an error: a "+
			"service with nothing to call is a mistake (docs/minirpc.md, part B).", svc)
	}
	svc, err = srvNewService(t, RegNone{}, "RegNone{}")
	if err == nil {
		t.Fatalf("newService(RegNone{}), a type with no suitable method, returned %v and no error; want an error "+
			"(docs/minirpc.md, part B).", svc)
	}
	if msg := err.Error(); !strings.Contains(msg, "OneArg") || !strings.Contains(msg, "ReplyNotPointer") || !strings.Contains(msg, "pointer") {
		t.Fatalf("newService(RegNone{}) failed with %q.\nExpected: an error that lists each exported method passed "+
			"over and why: RegNone.OneArg takes 1 argument, RegNone.ReplyNotPointer has a reply that is not a "+
			"pointer. net/rpc says nothing, and its user is left wondering why a call fails (docs/minirpc.md, part B).", msg)
	}

	var srv *Server
	try(t, "NewServer", func() { srv = NewServer() })
	try(t, "Server.Register(nil)", func() { err = srv.Register(nil) })
	if err == nil {
		t.Fatalf("Server.Register(nil) returned no error; want newService's (docs/minirpc.md, part B).")
	}
	first := &Arith{}
	try(t, "Server.Register", func() { err = srv.Register(first) })
	if err != nil {
		t.Fatalf("Server.Register(&Arith{}) failed: %v (docs/minirpc.md, part B).", err)
	}
	try(t, "Server.Register", func() { err = srv.Register(&Arith{}) })
	if err == nil || !strings.Contains(err.Error(), "Arith") {
		t.Fatalf("registering a second Arith on one server returned the error %v.\nExpected: an error that names "+
			"the service, Arith, which is registered already (sync.Map's LoadOrStore says so in one step) "+
			"(docs/minirpc.md, part B).", err)
	}
	v, _ := srv.serviceMap.Load("Arith")
	svc, _ = v.(*service)
	if svc == nil || svc.method["Sum"] == nil {
		t.Fatalf("after a second Register(&Arith{}) failed, the server's serviceMap[\"Arith\"] is %#v; want the "+
			"*service of the first Arith (docs/minirpc.md, part B).", v)
	}
	m := svc.method["Sum"]
	try(t, "service.call", func() { err = svc.call(m, reflect.ValueOf(Args{A: 1, B: 1}), reflect.ValueOf(new(int))) })
	if first.calls.Load() != 1 {
		t.Fatalf("after a second Register(&Arith{}) failed, a call of the server's Arith.Sum did not reach the " +
			"first Arith registered.\nExpected: a Register that fails changes nothing (docs/minirpc.md, part B).")
	}
}

// TestServiceNewArgs checks newArgv, newReplyv and call on RegMix's
// methods, and that NumCalls counts calls made from many goroutines at once.
func TestServiceNewArgs(t *testing.T) {
	labtest.NoLeaks(t, "the calls", "nothing here starts a goroutine that should outlive the test.")
	svc, err := srvNewService(t, &RegMix{}, "&RegMix{}")
	if err != nil || svc == nil {
		t.Fatalf("newService(&RegMix{}) failed: %v (docs/minirpc.md, part B).", err)
	}
	method := func(name string) *methodType {
		m := svc.method[name]
		if m == nil {
			t.Fatalf("newService(&RegMix{}) did not register RegMix.%s (see TestRegisterMethods)", name)
		}
		return m
	}
	newArgv := func(m *methodType) (v reflect.Value) {
		try(t, "methodType.newArgv", func() { v = m.newArgv() })
		return v
	}
	newReplyv := func(m *methodType) (v reflect.Value) {
		try(t, "methodType.newReplyv", func() { v = m.newReplyv() })
		return v
	}
	call := func(m *methodType, argv, replyv reflect.Value) (err error) {
		try(t, "service.call", func() { err = svc.call(m, argv, replyv) })
		return err
	}

	// A value argument: an addressable value, which the codec decodes into
	// through its address.
	sum := method("ValueArg")
	argv := newArgv(sum)
	if !argv.IsValid() || argv.Type() != reflect.TypeFor[Args]() || !argv.CanAddr() {
		t.Fatalf("newArgv of RegMix.ValueArg (args Args) returned %v; want an addressable Args "+
			"(reflect.New(ArgType).Elem()), whose address the codec decodes into (docs/minirpc.md, part B).", srvDescribe(argv))
	}
	argv.Set(reflect.ValueOf(Args{A: 3, B: 4}))
	replyv := newReplyv(sum)
	if !replyv.IsValid() || replyv.Type() != reflect.TypeFor[*int]() || replyv.IsNil() {
		t.Fatalf("newReplyv of RegMix.ValueArg (reply *int) returned %v; want a pointer to a new int "+
			"(reflect.New(ReplyType.Elem())) (docs/minirpc.md, part B).", srvDescribe(replyv))
	}
	if err := call(sum, argv, replyv); err != nil || *replyv.Interface().(*int) != 7 {
		t.Fatalf("service.call of RegMix.ValueArg(Args{3, 4}) returned %v with the reply %d; want nil and 7 "+
			"(docs/minirpc.md, part B).", err, *replyv.Interface().(*int))
	}

	// A pointer argument: a pointer to a new value, not a pointer to a pointer.
	mul := method("PointerArg")
	argv = newArgv(mul)
	if !argv.IsValid() || argv.Type() != reflect.TypeFor[*Args]() || argv.IsNil() {
		t.Fatalf("newArgv of RegMix.PointerArg (args *Args) returned %v; want a *Args pointing to a new Args "+
			"(reflect.New(ArgType.Elem())).\nLikely cause: reflect.New(ArgType) makes a **Args when ArgType is "+
			"already a pointer (docs/minirpc.md, part B).", srvDescribe(argv))
	}
	if again := newArgv(mul); again.Pointer() == argv.Pointer() {
		t.Fatalf("two calls of newArgv of RegMix.PointerArg returned the same pointer; want a new Args each time: " +
			"concurrent requests would share their arguments (docs/minirpc.md, part B).")
	}
	*argv.Interface().(*Args) = Args{A: 6, B: 7}
	replyv = newReplyv(mul)
	if err := call(mul, argv, replyv); err != nil || *replyv.Interface().(*int) != 42 {
		t.Fatalf("service.call of RegMix.PointerArg(&Args{6, 7}) returned %v with the reply %v; want nil and 42 "+
			"(docs/minirpc.md, part B).", err, replyv.Elem())
	}

	// Replies that are maps and slices are made.
	words := method("MapReply")
	replyv = newReplyv(words)
	if !replyv.IsValid() || replyv.Type() != reflect.TypeFor[*map[string]int]() || replyv.IsNil() || replyv.Elem().IsNil() {
		t.Fatalf("newReplyv of RegMix.MapReply (reply *map[string]int) returned %v; want a pointer to a map made "+
			"with reflect.MakeMap, so that the method can write into it at once (docs/minirpc.md, part B).", srvDescribe(replyv))
	}
	argv = newArgv(words)
	argv.SetString("go")
	if err := call(words, argv, replyv); err != nil || replyv.Elem().Len() != 1 {
		t.Fatalf("service.call of RegMix.MapReply(\"go\") returned %v with the reply %v; want nil and map[go:1] "+
			"(docs/minirpc.md, part B).", err, replyv.Elem())
	}
	list := method("Builtin")
	if replyv = newReplyv(list); !replyv.IsValid() || replyv.Type() != reflect.TypeFor[*[]string]() || replyv.IsNil() || replyv.Elem().IsNil() {
		t.Fatalf("newReplyv of RegMix.Builtin (reply *[]string) returned %v; want a pointer to a slice made with "+
			"reflect.MakeSlice (docs/minirpc.md, part B).", srvDescribe(replyv))
	}

	// The method's error comes back.
	fails := method("Fails")
	if err := call(fails, newArgv(fails), newReplyv(fails)); !errors.Is(err, errRegMix) {
		t.Fatalf("service.call of RegMix.Fails returned %v; want the error the method returned, %q "+
			"(docs/minirpc.md, part B).", err, errRegMix)
	}

	// NumCalls counts every call, from many goroutines at once.
	const goroutines, calls = 8, 250
	before := sum.NumCalls()
	var wg sync.WaitGroup
	var panicked atomic.Value
	for range goroutines {
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					panicked.Store(fmt.Sprint(v))
				}
			}()
			for range calls {
				argv, replyv := sum.newArgv(), sum.newReplyv()
				svc.call(sum, argv, replyv)
			}
		})
	}
	wg.Wait()
	if v := panicked.Load(); v != nil {
		t.Fatalf("service.call panicked when %d goroutines called it at once: %v", goroutines, v)
	}
	if got := sum.NumCalls() - before; got != goroutines*calls {
		t.Fatalf("%d goroutines called RegMix.ValueArg %d times each through service.call; NumCalls went up by %d.\n"+
			"Expected: %d: call counts every call (numCalls.Add(1)); the debug page shows it (docs/minirpc.md, part B).",
			goroutines, calls, got, goroutines*calls)
	}
}

// srvDescribe describes a reflect.Value for a failure message.
func srvDescribe(v reflect.Value) string {
	if !v.IsValid() {
		return "the zero reflect.Value"
	}
	return fmt.Sprintf("a %v (%v)", v.Type(), v)
}

// --- B. The server, on the wire ---------------------------------------------------

// srvStart starts the student's server with an Arith (see startServer),
// first checking, in the test's own goroutine, that the code the server runs
// in goroutines of its own is written: a stub's panic there would end the
// whole test binary.
func srvStart(t *testing.T, gate chan struct{}) *testServer {
	t.Helper()
	ts := startServer(t, gate)
	if ts == nil {
		t.FailNow()
	}
	srvProbe(t, ts.Server)
	return ts
}

// srvProbe checks, in the test's own goroutine, that the code srv runs in
// goroutines of its own is written, with a call of Arith.Sum and a
// connection that hangs up at once.
func srvProbe(t *testing.T, srv *Server) {
	t.Helper()
	if v, ok := srv.serviceMap.Load("Arith"); ok {
		if svc, ok := v.(*service); ok {
			m := svc.method["Sum"]
			if m == nil {
				t.Fatalf("Register(&Arith{}) did not register Arith.Sum, func (a *Arith) Sum(args Args, reply *int) "+
					"error; it has %q (docs/minirpc.md, part B).", srvMethods(svc))
			}
			try(t, "methodType.newArgv", func() { m.newArgv() })
			try(t, "methodType.newReplyv", func() { m.newReplyv() })
			try(t, "service.call", func() { svc.call(m, reflect.ValueOf(Args{}), reflect.ValueOf(new(int))) })
		}
	}
	// ServeConn of a connection that sends an Option and hangs up.
	client, server := net.Pipe()
	t.Cleanup(func() { client.Close() })
	go func() {
		client.SetWriteDeadline(time.Now().Add(patience))
		client.Write(rawFrame(rawOption(codec.GobType)))
		client.Close()
	}()
	if !within(t, patience, "Server.ServeConn of a client that sends its Option and hangs up",
		"ServeConn does not return when its client hangs up: a header that cannot be read (io.EOF) ends the loop "+
			"(docs/minirpc.md, part B).", func() { srv.ServeConn(server) }) {
		t.FailNow()
	}
}

// srvNoLeaks is the goroutine check of the server tests.
func srvNoLeaks(t *testing.T) {
	labtest.NoLeaks(t, "the server", "when a client hangs up, its ServeConn must end, and every handler it "+
		"started; when the listener is closed, Accept must return.")
}

// srvGate is a gate for Arith.Wait that the test's end opens, if the test has not.
func srvGate(t *testing.T) (gate chan struct{}, open func()) {
	gate = make(chan struct{})
	var once sync.Once
	open = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(open)
	return gate, open
}

var srvCodecs = []codec.Type{codec.GobType, codec.JSONType}

// srvCodec names a codec in a message.
func srvCodec(typ codec.Type) string {
	if typ == codec.JSONType {
		return "JSON"
	}
	return "gob"
}

func TestServerCalls(t *testing.T) {
	srvNoLeaks(t)
	ts := srvStart(t, nil)
	for _, typ := range srvCodecs {
		on := "over a " + srvCodec(typ) + " connection"
		c := rawDial(t, ts.addr, typ)
		rawSum(t, c, 3, 4, on)
		var product int
		if h := c.call("Arith.Mul", &Args{A: 6, B: 7}, &product); h.Error != "" || product != 42 {
			t.Fatalf("%s, Arith.Mul(6, 7), a method whose argument is a pointer, replied %d with "+
				"the error %q; want 42 (docs/minirpc.md, part B).", on, product, h.Error)
		}
		var echo string
		if h := c.call("Arith.Echo", "héllo, wire", &echo); h.Error != "" || echo != "héllo, wire" {
			t.Fatalf("%s, Arith.Echo(\"héllo, wire\") replied %q with the error %q (docs/minirpc.md, part B).",
				on, echo, h.Error)
		}
		var words map[string]int
		if h := c.call("Arith.Words", "go", &words); h.Error != "" || words["go"] != 1 || len(words) != 1 {
			t.Fatalf("%s, Arith.Words(\"go\"), whose reply is a map, replied %v with the error %q; "+
				"want map[go:1].\nLikely cause: newReplyv must make a map reply (reflect.MakeMap) (docs/minirpc.md, part B).",
				on, words, h.Error)
		}
		if h := c.call("Arith.Fail", Args{A: 1, B: 2}, nil); h.Error != errArith.Error() {
			t.Fatalf("%s, Arith.Fail, which returns the error %q, replied with the header %+v.\n"+
				"Expected: the method's error as the reply's Header.Error (docs/minirpc.md, part B).", on, errArith, h)
		}
		rawSum(t, c, 5, 6, fmt.Sprintf("%s after a method that failed", on))
	}

	// NumCalls counts the calls made over the wire.
	v, _ := ts.serviceMap.Load("Arith")
	svc, ok := v.(*service)
	if !ok || svc.method["Sum"] == nil {
		t.Fatalf("the server's serviceMap[\"Arith\"] is %#v; want the *service of Arith, with its method Sum "+
			"(the debug page reads it) (docs/minirpc.md, part B).", v)
	}
	before := svc.method["Sum"].NumCalls()
	c := rawDial(t, ts.addr, codec.GobType)
	for i := range 5 {
		rawSum(t, c, i, i, "counting calls")
	}
	if got := svc.method["Sum"].NumCalls() - before; got != 5 {
		t.Fatalf("after 5 calls of Arith.Sum, its NumCalls went up by %d; want 5 (docs/minirpc.md, part B).", got)
	}
}

// TestServerConcurrentCalls makes 16 goroutines share one connection, each
// making 50 calls of Arith.Echo with a large payload of its own: every reply
// must come back whole, with its own Seq and its own payload. Replies
// written without the sending lock interleave their bytes on the wire.
func TestServerConcurrentCalls(t *testing.T) {
	srvNoLeaks(t)
	ts := srvStart(t, nil)
	c := rawDial(t, ts.addr, codec.GobType)
	const goroutines, calls = 16, 50
	payload := func(g, i int) string {
		tag := fmt.Sprintf("<%d.%d>", g, i)
		return strings.Repeat(tag, 4500/len(tag))
	}

	type result struct {
		h     codec.Header
		reply string
	}
	var (
		mu      sync.Mutex
		waiting = make(map[uint64]chan result)
		seq     atomic.Uint64
		broken  = make(chan struct{})
		readErr error
	)
	go func() { // the connection's reader
		defer close(broken)
		for n := 0; ; n++ {
			var r result
			if err := c.recv(&r.h, &r.reply); err != nil {
				mu.Lock()
				if len(waiting) > 0 {
					readErr = fmt.Errorf("after %d good replies: %w", n, err)
				}
				mu.Unlock()
				return
			}
			mu.Lock()
			ch := waiting[r.h.Seq]
			delete(waiting, r.h.Seq)
			if ch == nil {
				readErr = fmt.Errorf("after %d good replies, a reply came with the header %+v, whose Seq no call "+
					"is waiting for: a second reply to one call, or a Seq the server made up", n, r.h)
			}
			mu.Unlock()
			if ch == nil {
				return
			}
			ch <- r
		}
	}()

	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				s := seq.Add(1)
				ch := make(chan result, 1)
				mu.Lock()
				waiting[s] = ch
				mu.Unlock()
				if err := c.send(&codec.Header{ServiceMethod: "Arith.Echo", Seq: s}, payload(g, i)); err != nil {
					errs[g] = fmt.Errorf("sending call %d of goroutine %d: %w", i, g, err)
					return
				}
				var r result
				select {
				case r = <-ch:
				case <-broken:
					return
				}
				want := payload(g, i)
				switch {
				case r.h.Error != "":
					errs[g] = fmt.Errorf("Arith.Echo (seq %d) replied with the error %q", s, r.h.Error)
				case r.reply != want:
					from := r.reply
					if i := strings.IndexByte(from, '>'); i >= 0 {
						from = from[:i+1]
					} else if len(from) > 20 {
						from = from[:20] + "..."
					}
					errs[g] = fmt.Errorf("the reply to Arith.Echo (seq %d), the %d-byte payload of goroutine %d's "+
						"call %d, is %d bytes starting %q: a reply carried another call's payload, or the bytes of "+
						"two replies were mixed", s, len(want), g, i, len(r.reply), from)
				}
				if errs[g] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if readErr != nil {
		t.Fatalf("%d goroutines made %d calls each on one connection; reading the replies failed %v.\n"+
			"Expected: each reply whole, one after another.\nLikely cause: replies written at once by several "+
			"handlers interleave their bytes: write each reply, header and body, while holding the connection's "+
			"sending lock (docs/minirpc.md, part B).", goroutines, calls, readErr)
	}
	for _, err := range errs {
		if err != nil {
			t.Fatalf("%d goroutines made %d calls each on one connection: %v.\nLikely cause: replies written at "+
				"once interleave; hold the sending lock around each Write. Is each request given arguments and a "+
				"reply of its own (newArgv, newReplyv)? (docs/minirpc.md, part B).", goroutines, calls, err)
		}
	}
}

// TestServerHandlersConcurrent sends 8 calls of Arith.Wait on one
// connection: each waits until the test opens the gate, so all 8 must be
// running at once, each in a goroutine of its own.
func TestServerHandlersConcurrent(t *testing.T) {
	srvNoLeaks(t)
	gate, open := srvGate(t)
	ts := srvStart(t, gate)
	c := rawDial(t, ts.addr, codec.GobType)
	const n = 8
	for i := 1; i <= n; i++ {
		if err := c.send(&codec.Header{ServiceMethod: "Arith.Wait", Seq: uint64(i)}, Args{A: i, B: 100}); err != nil {
			t.Fatalf("sending call %d of Arith.Wait: %v", i, err)
		}
	}
	most := int32(0)
	for deadline := time.Now().Add(patience); most < n && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		most = max(most, ts.arith.waiting.Load())
	}
	if most < n {
		t.Fatalf("%d calls of Arith.Wait were sent on one connection; each waits until the test lets it go, and "+
			"at most %d of them were running at once.\nExpected: all %d at once.\nLikely cause: the server handles "+
			"a request before it reads the next: handle each in a goroutine of its own (go s.handleRequest(...)), "+
			"as net/rpc does (docs/minirpc.md, part B).", n, most, n)
	}
	open()
	seen := make(map[uint64]bool)
	for range n {
		var h codec.Header
		var sum int
		if err := c.recv(&h, &sum); err != nil {
			t.Fatalf("waiting for the replies of the %d calls of Arith.Wait, once let go: %v.\n%s", n, err, rawAdvice(err))
		}
		if h.Seq < 1 || h.Seq > n || seen[h.Seq] || h.Error != "" || sum != int(h.Seq)+100 {
			t.Fatalf("a reply to the calls of Arith.Wait (seq 1 to %d, each replying seq+100) came with the header "+
				"%+v and the reply %d; seqs seen before: %v (docs/minirpc.md, part B).", n, h, sum, seen)
		}
		seen[h.Seq] = true
	}
}

// TestServerUnknownMethod calls methods that do not exist: each gets a reply
// with an error, and the connection goes on, which it can only if the
// server read past the request's body.
func TestServerUnknownMethod(t *testing.T) {
	srvNoLeaks(t)
	ts := srvStart(t, nil)
	for _, typ := range srvCodecs {
		on := "over a " + srvCodec(typ) + " connection"
		c := rawDial(t, ts.addr, typ)
		for i, req := range []struct {
			method string
			body   any
			name   string // the error names it
		}{
			{"Nope.Sum", Args{A: 1, B: 2}, "Nope"},
			{"Arith.Nope", Args{A: 1, B: 2}, "Nope"},
			{"Arith.Nope", strings.Repeat("a large body ", 10000), "Nope"},
			{"Arith", "a method with no service", ""},
			{"", 17, ""},
			{"Arith.sum", Args{A: 1, B: 2}, "sum"},
		} {
			what := fmt.Sprintf("%s, a request for %q", on, req.method)
			seq, err := c.start(req.method, req.body)
			if err != nil {
				t.Fatalf("%s: sending it: %v", what, err)
			}
			var h codec.Header
			if err := c.recv(&h, nil); err != nil {
				t.Fatalf("%s got no reply: %v. %s\nExpected: a reply with an error in Header.Error, and the "+
					"connection kept open.\nLikely cause: a request that cannot be served ends the read loop instead "+
					"of being answered; read its body all the same (ReadBody(nil)), reply with the error and go on "+
					"(docs/minirpc.md, part B).", what, err, rawWhat(err))
			}
			if h.Seq != seq || h.Error == "" || !strings.Contains(h.Error, req.name) {
				t.Fatalf("%s got the reply header %+v.\nExpected: Seq %d and an error that says what is not "+
					"found (%q) (docs/minirpc.md, part B).", what, h, seq, req.name)
			}
			var sum int
			seq, err = c.start("Arith.Sum", Args{A: i, B: 1})
			if err == nil {
				err = c.recv(&h, &sum)
			}
			if err != nil || h.Seq != seq || h.Error != "" || sum != i+1 {
				t.Fatalf("%s was answered with an error, as it should; the call of Arith.Sum that followed got the "+
					"header %+v, the reply %d and the error %v; want seq %d and %d.\nLikely cause: the server did not "+
					"read the body of the request it could not serve, so it read that body as the next header: "+
					"read it with ReadBody(nil) (docs/minirpc.md, part B).", what, h, sum, err, seq, i+1)
			}
		}
	}
}

// TestServerBadBody sends requests whose body is not of the method's
// argument type: each gets a reply with an error, the method is not called,
// and the connection goes on.
func TestServerBadBody(t *testing.T) {
	srvNoLeaks(t)
	ts := srvStart(t, nil)
	for _, typ := range srvCodecs {
		on := "over a " + srvCodec(typ) + " connection"
		c := rawDial(t, ts.addr, typ)
		for i, req := range []struct {
			method string
			body   any
		}{
			{"Arith.Sum", "not Args but a string"},
			{"Arith.Echo", Args{A: 1, B: 2}},
			{"Arith.Mul", []int{6, 7}},
			{"Arith.Words", 3.5},
		} {
			what := fmt.Sprintf("%s, a request for %s with a body of type %T", on, req.method, req.body)
			calls := ts.arith.calls.Load()
			seq, err := c.start(req.method, req.body)
			if err != nil {
				t.Fatalf("%s: sending it: %v", what, err)
			}
			var h codec.Header
			if err := c.recv(&h, nil); err != nil {
				t.Fatalf("%s got no reply: %v. %s\nExpected: a reply with the decoding error in Header.Error, and "+
					"the connection kept open: the body was read whole, the stream is in step.\nLikely cause: a body "+
					"that does not decode ends the read loop; only a header that cannot be read should "+
					"(docs/minirpc.md, part B).", what, err, rawWhat(err))
			}
			if h.Seq != seq || h.Error == "" {
				t.Fatalf("%s got the reply header %+v.\nExpected: Seq %d and the error of ReadBody in Header.Error "+
					"(docs/minirpc.md, part B).", what, h, seq)
			}
			if n := ts.arith.calls.Load() - calls; n != 0 {
				t.Fatalf("%s called the method anyway, with a zero argument.\nExpected: a request whose body does "+
					"not decode is answered with the error, and the method is not called (docs/minirpc.md, part B).", what)
			}
			rawSum(t, c, i, 2, what+" was answered with an error; after it")
		}
	}
}

// srvLog captures the log's output.
type srvLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *srvLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *srvLog) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Len()
}

// since returns the lines logged after the first off bytes.
func (l *srvLog) since(off int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf.Bytes()[off:])
}

// TestServerGarbage sends the server what is not minirpc, each on a
// connection of its own: the server must close that connection, say why in
// its log, and go on serving the others.
func TestServerGarbage(t *testing.T) {
	srvNoLeaks(t)
	ts := srvStart(t, nil)
	logged := &srvLog{}
	prevOut, prevFlags := log.Writer(), log.Flags()
	log.SetOutput(logged)
	t.Cleanup(func() { log.SetOutput(prevOut); log.SetFlags(prevFlags) })

	// An unknown codec, first given to ServeConn in the test's goroutine:
	// a server that looks the codec up without checking it calls nil.
	client, server := net.Pipe()
	go func() {
		client.SetWriteDeadline(time.Now().Add(patience))
		client.Write(rawFrame(&Option{MagicNumber: MagicNumber, CodecType: "application/protobuf"}))
	}()
	ok := within(t, patience, "Server.ServeConn of a client whose Option names an unknown codec",
		"ReadOption must refuse a codec type that codec.NewCodecFuncMap does not know (docs/minirpc.md, part A).",
		func() { ts.ServeConn(server) })
	client.Close()
	if !ok {
		return
	}

	good := rawDial(t, ts.addr, codec.GobType)
	rawSum(t, good, 1, 1, "before any garbage")

	halfHeader := append(rawFrame(rawOption(codec.GobType)),
		rawEncode(codec.GobType, &codec.Header{ServiceMethod: "Arith.Sum", Seq: 1}, Args{A: 1, B: 2})[:12]...)
	httpReq := "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nX-Padding: 0123456789abcdef\r\n\r\n"
	huge := 16 << 20
	for _, c := range []struct {
		name   string
		data   []byte
		hangUp bool     // the client closes its side after data
		words  []string // the log line mentions one of them (any reason if empty); nil: no log line is required
		advice string
	}{
		{"an Option with a wrong magic number", rawFrame(&Option{MagicNumber: 0x1234, CodecType: codec.GobType}), false,
			[]string{"magic"}, "ReadOption must check the magic number"},
		{"an Option with an unknown codec", rawFrame(&Option{MagicNumber: MagicNumber, CodecType: "application/protobuf"}), false,
			[]string{"codec", "application/protobuf"}, "ReadOption must check that codec.NewCodecFuncMap knows the codec type"},
		{fmt.Sprintf("an Option length of %d bytes, and then nothing", huge), rawLength(huge), false,
			[]string{fmt.Sprint(huge), "MaxOptionSize", "length", "size", "large", "long", "big"},
			"ReadOption must refuse a length above MaxOptionSize at once, not wait for that many bytes"},
		{"an Option that is not JSON", append(rawLength(9), "not json!"...), false,
			[]string{}, "ReadOption's error must reach the log"},
		{"half an Option, and then a hang-up", rawFrame(rawOption(codec.GobType))[:20], true,
			[]string{}, "ReadOption's error must reach the log"},
		{"an HTTP request after a gob Option", append(rawFrame(rawOption(codec.GobType)), httpReq...), false,
			[]string{}, "a header that cannot be read ends the read loop: log why and close the connection"},
		{"an HTTP request after a JSON Option", append(rawFrame(rawOption(codec.JSONType)), httpReq...), false,
			[]string{}, "a header that cannot be read ends the read loop: log why and close the connection"},
		{"half a gob header, and then a hang-up", halfHeader, true,
			nil, "a header that cannot be read (io.ErrUnexpectedEOF) ends the read loop"},
	} {
		off := logged.size()
		conn := rawConnect(t, ts.addr)
		conn.SetWriteDeadline(time.Now().Add(patience))
		if _, err := conn.Write(c.data); err != nil {
			t.Fatalf("sending %s: %v", c.name, err)
		}
		if c.hangUp {
			conn.(*net.TCPConn).CloseWrite()
		}
		if closed, err := rawClosed(conn); !closed {
			t.Fatalf("a client sent %s, and the server had not closed the connection %v later (%v).\n"+
				"Expected: the server closes a connection that does not speak minirpc, at once.\nLikely cause: %s "+
				"(docs/minirpc.md, parts A and B).\nThe server's log:\n%s", c.name, patience, err, c.advice, srvLogged(logged.since(off)))
		}
		if c.words != nil {
			line := ""
			for deadline := time.Now().Add(patience); ; time.Sleep(time.Millisecond) {
				line = srvFindLine(logged.since(off), c.words)
				if line != "" || time.Now().After(deadline) {
					break
				}
			}
			if line == "" {
				mention := ""
				if len(c.words) > 0 {
					mention = " (mentioning " + strings.Join(optQuote(c.words), " or ") + ")"
				}
				t.Fatalf("a client sent %s, and the server closed the connection, but logged no line with "+
					"\"rpc server:\" that says why%s.\nExpected: a line such as \"rpc server: closing the "+
					"connection: ...\", the reason a client was hung up on (docs/minirpc.md, part B).\n"+
					"The server's log:\n%s", c.name, mention, srvLogged(logged.since(off)))
			}
		}
		rawSum(t, good, len(c.name), 1, "after another client sent "+c.name)
	}
	rawSum(t, rawDial(t, ts.addr, codec.JSONType), 2, 2, "on a new connection, after all the garbage")
}

// srvLogged shows log lines in a message.
func srvLogged(lines string) string {
	if lines == "" {
		return "(nothing)"
	}
	return lines
}

// srvFindLine returns the first line of logged that has "rpc server:" and
// one of words, or "".
func srvFindLine(logged string, words []string) string {
	for _, line := range strings.Split(logged, "\n") {
		if strings.Contains(line, "rpc server:") && (len(words) == 0 || optMentions(line, words)) {
			return line
		}
	}
	return ""
}

// TestServerManyConnections keeps 24 clients connected, each with a call of
// Arith.Wait waiting: all must be served at once.
func TestServerManyConnections(t *testing.T) {
	srvNoLeaks(t)
	gate, open := srvGate(t)
	ts := srvStart(t, gate)
	const n = 24
	clients := make([]*rawClient, n)
	for i := range clients {
		clients[i] = rawDial(t, ts.addr, srvCodecs[i%2])
		if _, err := clients[i].start("Arith.Wait", Args{A: i, B: 1000}); err != nil {
			t.Fatalf("sending Arith.Wait on connection %d: %v", i, err)
		}
	}
	most := int32(0)
	for deadline := time.Now().Add(patience); most < n && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		most = max(most, ts.arith.waiting.Load())
	}
	if most < n {
		t.Fatalf("%d clients each sent a call of Arith.Wait on a connection of its own, and at most %d of the "+
			"calls were running at once.\nExpected: all %d: the server serves every connection at once.\nLikely "+
			"cause: Accept serves a connection before it accepts the next: serve each in a goroutine of its own "+
			"(go s.ServeConn(conn)) (docs/minirpc.md, part B).", n, most, n)
	}
	open()
	for i, c := range clients {
		var h codec.Header
		var sum int
		if err := c.recv(&h, &sum); err != nil || h.Error != "" || sum != i+1000 {
			t.Fatalf("client %d's call of Arith.Wait, once let go, was answered %d (header %+v, error %v); want %d.\n%s",
				i, sum, h, err, i+1000, rawAdvice(err))
		}
		rawSum(t, c, i, i, fmt.Sprintf("on connection %d of %d", i, n))
	}
}

// srvConn is the server's end of a connection, which remembers whether it
// was closed.
type srvConn struct {
	net.Conn
	closed atomic.Bool
}

func (c *srvConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

// srvGo runs f in a goroutine of its own; the channel gives what f panicked
// with (nil if it returned) when it ends.
func srvGo(f func()) <-chan any {
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	return done
}

// srvWait waits for a goroutine of srvGo to end.
func srvWait(t *testing.T, done <-chan any, what, cause string) {
	t.Helper()
	select {
	case v := <-done:
		if s, ok := labtest.Stub(v); ok {
			t.Fatal(s)
		} else if v != nil {
			t.Fatalf("%s panicked: %v", what, v)
		}
	case <-time.After(patience):
		t.Fatalf("%s did not return within %v.\nLikely cause: %s\n\nGoroutines running the lab's code:\n%s",
			what, patience, cause, labtest.Goroutines(".", 8))
	}
}

// TestServerEnds checks that Accept returns when its listener is closed,
// and that ServeConn returns, having closed the connection, when its client
// hangs up, and leaves no goroutine behind.
func TestServerEnds(t *testing.T) {
	srvNoLeaks(t)
	var srv *Server
	try(t, "NewServer", func() { srv = NewServer() })
	var err error
	try(t, "Server.Register", func() { err = srv.Register(&Arith{}) })
	if err != nil {
		t.Fatalf("Register(&Arith{}) failed: %v (docs/minirpc.md, part B)", err)
	}

	srvProbe(t, srv)

	// Accept, with a connection served.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	if !within(t, patience, "Server.Accept on a closed listener", acceptAdvice, func() { srv.Accept(closedListener{lis}) }) {
		return
	}
	accepting := srvGo(func() { srv.Accept(lis) })
	c := rawDial(t, lis.Addr().String(), codec.GobType)
	rawSum(t, c, 1, 2, "through Accept")
	lis.Close()
	srvWait(t, accepting, "Server.Accept, after its listener was closed,", acceptAdvice)
	rawSum(t, c, 3, 4, "after the listener was closed, on a connection accepted before")
	c.conn.Close()

	for _, hangUp := range []struct {
		name  string
		calls int  // calls made and answered
		late  bool // then a call whose reply the client does not wait for
	}{
		{"after a call", 1, false},
		{"with a call in flight", 1, true},
		{"right after its Option", 0, false},
	} {
		client, server := net.Pipe()
		sc := &srvConn{Conn: server}
		serving := srvGo(func() { srv.ServeConn(sc) })
		c := rawOpen(t, client, codec.GobType)
		for i := range hangUp.calls {
			rawSum(t, c, i, 10, "on a connection given to ServeConn")
		}
		if hangUp.late {
			if _, err := c.start("Arith.Sum", Args{A: 1, B: 1}); err != nil {
				t.Fatalf("sending a request to ServeConn: %v", err)
			}
		}
		client.Close()
		srvWait(t, serving, "Server.ServeConn, when its client hung up "+hangUp.name+",",
			"the read loop must end when a header cannot be read (io.EOF), then wait for the handlers and close "+
				"the codec (docs/minirpc.md, part B).")
		if !sc.closed.Load() {
			t.Fatalf("Server.ServeConn returned, when its client hung up %s, without closing its connection.\n"+
				"Expected: ServeConn closes the connection (through the codec's Close) before it returns "+
				"(docs/minirpc.md, part B).", hangUp.name)
		}
	}
}
