package minirpc

// The tests of part E: minirpc behind an HTTP CONNECT, the client that
// dials through it, XDial, and the debug page. Run them with:
//
//	go test -race -run 'TestServeHTTP|TestHTTP|TestDialHTTP|TestDebugPage|TestXDial|TestHandleHTTP' ./minirpc/

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/labtest"
	"golabs/minirpc/codec"
)

// webLeakAdvice is what an HTTP test that leaves goroutines behind is told.
const webLeakAdvice = "a connection taken over from the HTTP server is served by ServeConn until the client " +
	"hangs up, then closed; Close on the client ends its receive loop (docs/minirpc.md, parts C and E)."

// webServer is the student's server with an Arith, behind an HTTP server
// on a loopback port whose mux the server registered itself on.
type webServer struct {
	*Server
	addr string
	mux  *http.ServeMux
}

// webStart starts the student's server behind HTTP, stopped when the test
// ends.
func webStart(t testing.TB) *webServer {
	t.Helper()
	ws := &webServer{Server: NewServer(), mux: http.NewServeMux()}
	// The server reads the option and runs the codec in the HTTP server's
	// goroutines, where a stub's panic hides its message: call them here.
	// (Only the server's part: the client's, WriteOption, is probed by
	// webDial, in the tests that dial with the student's client.)
	probeGobCodec(t)
	try(t, "ReadOption", func() { ReadOption(strings.NewReader("")) })
	var err error
	try(t, "Server.Register", func() { err = ws.Register(&Arith{}) })
	if err != nil {
		t.Fatalf("Register(&Arith{}) failed: %v (docs/minirpc.md, part B)", err)
	}
	// A stub's ServeHTTP would panic inside the HTTP server, which hides
	// the message: call it here first.
	try(t, "Server.ServeHTTP", func() {
		ws.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, DefaultRPCPath, nil))
	})
	try(t, "Server.HandleHTTP", func() { ws.HandleHTTP(ws.mux) })
	ws.addr = webServe(t, ws.mux)
	return ws
}

// webServe serves h over HTTP on a loopback port until the test ends, and
// returns the address.
func webServe(t testing.TB, h http.Handler) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on a loopback port: %v", err)
	}
	hs := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() {
		defer close(served)
		hs.Serve(lis)
	}()
	t.Cleanup(func() {
		hs.Close()
		<-served
	})
	return lis.Addr().String()
}

// webDial calls XDial, which must succeed, and closes the client when the
// test ends.
func webDial(t testing.TB, rpcAddr string) *Client {
	t.Helper()
	cliProbeA(t)
	var (
		c   *Client
		err error
	)
	if !within(t, patience, fmt.Sprintf("XDial(%q)", rpcAddr), "the dial waits for an answer that does not come: "+
		"does ServeHTTP answer the CONNECT with the status line \"HTTP/1.0 "+connected+"\" and an empty line, "+
		"before it serves the connection (docs/minirpc.md, part E)?", func() { c, err = XDial(rpcAddr) }) {
		return nil
	}
	if err != nil || c == nil {
		t.Fatalf("XDial(%q) returned %v, %v.\nExpected: a client and no error.\nLikely cause: for \"http@addr\", "+
			"DialHTTP: it writes \"CONNECT %s HTTP/1.0\\n\\n\", and ServeHTTP (on the mux at %s, HandleHTTP) "+
			"takes the connection over with Hijack, answers \"HTTP/1.0 %s\\n\\n\" and serves minirpc on it "+
			"(docs/minirpc.md, part E).", rpcAddr, c, err, DefaultRPCPath, DefaultRPCPath, connected)
	}
	t.Cleanup(func() {
		defer func() { recover() }()
		c.Close()
	})
	return c
}

// webFramingAdvice ends the likely cause of a call that fails on a
// connection XDial opened: a server whose ReadOption reads past its frame
// has lost the start of the first request.
const webFramingAdvice = "or ReadOption reads past its frame (see TestOptionFramed, part A)"

// webSum makes Arith.Sum(a, b) on c, a client of XDial, which must succeed.
func webSum(t testing.TB, c *Client, a, b int) {
	t.Helper()
	var reply int
	res := cliCallAsync(t, nil, c, context.Background(), "Arith.Sum", Args{a, b}, &reply)
	err := cliResult(t, res, "Arith.Sum on a client of XDial", "the server does not serve the connection it "+
		"took over (docs/minirpc.md, part E), "+webFramingAdvice+".")
	if err != nil || reply != a+b {
		t.Fatalf("Arith.Sum(%d, %d) on a client of XDial returned %v with reply %d; want nil and %d.\nLikely cause: "+
			"the server does not serve the connection (docs/minirpc.md, part E), %s.", a, b, err, reply, a+b,
			webFramingAdvice)
	}
}

// webGet GETs url and returns the status code and body.
func webGet(t testing.TB, url string) (int, string) {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: patience}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// webDefaultMuxFree fails t if http.DefaultServeMux serves minirpc's paths;
// when says when it was looked at.
func webDefaultMuxFree(t testing.TB, when string) {
	t.Helper()
	for _, path := range []string{DefaultRPCPath, DefaultDebugPath} {
		if _, pattern := http.DefaultServeMux.Handler(httptest.NewRequest(http.MethodGet, path, nil)); pattern != "" {
			t.Fatalf("http.DefaultServeMux serves %s (pattern %q), %s.\nExpected: HandleHTTP registers on the mux "+
				"it is given (mux.Handle), never on http.DefaultServeMux: a program may serve two servers, or "+
				"none there (docs/minirpc.md, part E).", path, pattern, when)
		}
	}
}

// --- E. HTTP --------------------------------------------------------------------

// TestServeHTTPMethodNotAllowed sends ServeHTTP requests other than CONNECT.
func TestServeHTTPMethodNotAllowed(t *testing.T) {
	s := NewServer()
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		w := httptest.NewRecorder()
		try(t, "Server.ServeHTTP", func() { s.ServeHTTP(w, httptest.NewRequest(method, DefaultRPCPath, nil)) })
		if w.Code != http.StatusMethodNotAllowed || w.Body.String() != "405 must CONNECT\n" {
			t.Fatalf("ServeHTTP answered a %s with status %d and the body %q.\nExpected: 405 Method Not Allowed, "+
				"with the body \"405 must CONNECT\\n\": minirpc is reached by CONNECT only "+
				"(docs/minirpc.md, part E).", method, w.Code, w.Body.String())
		}
	}
}

// TestHTTPConnect dials the server through HTTP, with XDial("http@...")
// and DialHTTP, and makes calls from several goroutines over it.
func TestHTTPConnect(t *testing.T) {
	labtest.NoLeaks(t, "the server and client over HTTP", webLeakAdvice)
	ws := webStart(t)
	c := webDial(t, "http@"+ws.addr)
	webSum(t, c, 1, 2)

	const goroutines, calls = 8, 25
	var (
		mu    sync.Mutex
		wrong []string
	)
	cause := "the connection taken over from the HTTP server is not served as a minirpc connection, " +
		webFramingAdvice + "."
	within(t, 2*patience, fmt.Sprintf("%d goroutines making %d calls each through HTTP", goroutines, calls), cause,
		func() {
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for i := range calls {
						var reply int
						err := c.Call(context.Background(), "Arith.Sum", Args{g, i}, &reply)
						if err != nil || reply != g+i {
							mu.Lock()
							wrong = append(wrong, fmt.Sprintf("Sum(%d, %d) returned %v with reply %d", g, i, err, reply))
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
		})
	if len(wrong) > 0 {
		t.Fatalf("%d of %d calls through HTTP went wrong, such as: %s.\nLikely cause: the connection taken over "+
			"from the HTTP server is not served as a minirpc connection (docs/minirpc.md, part E), %s.",
			len(wrong), goroutines*calls, wrong[0], webFramingAdvice)
	}

	var (
		c2  *Client
		err error
	)
	within(t, patience, "DialHTTP", "see XDial above.", func() { c2, err = DialHTTP("tcp", ws.addr) })
	if err != nil {
		t.Fatalf("DialHTTP(\"tcp\", %q) returned %v; want a client", ws.addr, err)
	}
	defer c2.Close()
	webSum(t, c2, 40, 2)
}

// TestHTTPConnectBuffered sends the CONNECT, the Option and a request in a
// single write, before any answer: the HTTP server has read the Option and
// the request into its buffer with the CONNECT, so ServeHTTP must read
// through the buffered reader Hijack returns.
func TestHTTPConnectBuffered(t *testing.T) {
	labtest.NoLeaks(t, "the server over HTTP", webLeakAdvice)
	ws := webStart(t)
	conn, err := net.Dial("tcp", ws.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var out bytes.Buffer
	out.WriteString("CONNECT " + DefaultRPCPath + " HTTP/1.0\n\n")
	out.Write(tmoOptionFrame(Option{MagicNumber: MagicNumber, CodecType: codec.GobType}))
	enc := gob.NewEncoder(&out)
	enc.Encode(&codec.Header{ServiceMethod: "Arith.Sum", Seq: 1})
	enc.Encode(Args{20, 22})
	conn.SetDeadline(time.Now().Add(patience))
	if _, err := conn.Write(out.Bytes()); err != nil {
		t.Fatal(err)
	}
	in := bufio.NewReader(conn)
	resp, err := http.ReadResponse(in, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatalf("reading the answer to a CONNECT: %v", err)
	}
	if resp.Status != connected {
		t.Fatalf("a CONNECT to %s was answered %q.\nExpected: %q: ServeHTTP takes the connection over and "+
			"writes the status line \"HTTP/1.0 \" + connected + \"\\n\\n\" (docs/minirpc.md, part E).",
			DefaultRPCPath, resp.Status, connected)
	}
	dec := gob.NewDecoder(in)
	var h codec.Header
	var reply int
	if err = dec.Decode(&h); err == nil {
		err = dec.Decode(&reply)
	}
	if err != nil || h.Seq != 1 || h.Error != "" || reply != 42 {
		t.Fatalf("a CONNECT sent in one write with the Option and a request Arith.Sum(20, 22) got the reply seq %d, "+
			"error %q, body %d (%v).\nExpected: seq 1, 42.\nLikely cause: the Option and the request were already "+
			"in the HTTP server's buffer when ServeHTTP took the connection over; serve a connection that reads "+
			"through the bufio.Reader Hijack returns, not the bare net.Conn (docs/minirpc.md, part E), %s.",
			h.Seq, h.Error, reply, err, webFramingAdvice)
	}
}

// TestDialHTTPNotMinirpc dials through HTTP two servers that do not serve
// minirpc: one answers the CONNECT 404 Not Found, the other 200 OK.
// DialHTTP must fail, and say what it was answered.
func TestDialHTTPNotMinirpc(t *testing.T) {
	labtest.NoLeaks(t, "DialHTTP", "a DialHTTP that fails closes its connection.")
	hello := http.NewServeMux()
	hello.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello\n") })
	for _, server := range []struct {
		handler http.Handler
		status  string
	}{
		{http.NewServeMux(), "404 Not Found"},
		{hello, "200 OK"},
	} {
		addr := webServe(t, server.handler)
		var (
			c   *Client
			err error
		)
		if !within(t, patience, "DialHTTP of a plain HTTP server", "read the answer to the CONNECT with "+
			"http.ReadResponse and return (docs/minirpc.md, part E).", func() { c, err = DialHTTP("tcp", addr) }) {
			return
		}
		if err == nil {
			c.Close()
			t.Fatalf("DialHTTP of an HTTP server that answered the CONNECT %q returned a client and no error.\n"+
				"Expected: an error: only the status %q means minirpc is on the other side. Compare resp.Status "+
				"with connected (docs/minirpc.md, part E).", server.status, connected)
		}
		if !strings.Contains(err.Error(), server.status) {
			t.Fatalf("DialHTTP of an HTTP server that answered the CONNECT %q returned the error %q.\nExpected: an "+
				"error that names the status it got (resp.Status), so that its reader knows what answered "+
				"(docs/minirpc.md, part E).", server.status, err)
		}
	}
}

// TestDebugPage makes 5 calls of Sum and 2 of Mul through HTTP, then reads
// the debug page: it lists Arith's six methods with their call counts.
func TestDebugPage(t *testing.T) {
	labtest.NoLeaks(t, "the server over HTTP", webLeakAdvice)
	ws := webStart(t)
	c := webDial(t, "http@"+ws.addr)
	for i := range 5 {
		webSum(t, c, i, i)
	}
	for range 2 {
		var reply int
		res := cliCallAsync(t, nil, c, context.Background(), "Arith.Mul", &Args{3, 4}, &reply)
		if err := cliResult(t, res, "Arith.Mul through HTTP", "see Arith.Sum."); err != nil || reply != 12 {
			t.Fatalf("Arith.Mul(3, 4) through HTTP returned %v with reply %d; want nil and 12", err, reply)
		}
	}
	code, page := webGet(t, "http://"+ws.addr+DefaultDebugPath)
	if code != http.StatusOK || !strings.Contains(page, "Service Arith") {
		t.Fatalf("GET %s answered %d with:\n%s\nExpected: 200 and the debug page listing the service Arith.\n"+
			"Likely cause: HandleHTTP registers debugHTTP{s} at DefaultDebugPath on the mux it is given "+
			"(docs/minirpc.md, part E).", DefaultDebugPath, code, page)
	}
	for method, want := range map[string]int{"Sum": 5, "Mul": 2, "Fail": 0, "Wait": 0, "Echo": 0, "Words": 0} {
		m := regexp.MustCompile(`<td>` + method + `\(.*?\) error</td><td>(\d+)</td>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the debug page does not list Arith.%s:\n%s\nExpected: each of Arith's six methods, with its "+
				"call count. The page reads service.method: is every suitable method registered "+
				"(docs/minirpc.md, part B)?", method, page)
		}
		if n, _ := strconv.Atoi(m[1]); n != want {
			t.Fatalf("after %d calls of Arith.%s, the debug page counts %d.\nExpected: %d: the page reads "+
				"methodType.NumCalls; service.call counts each call (numCalls.Add(1)) (docs/minirpc.md, part B).",
				want, method, n, want)
		}
	}
}

// TestXDial dials "tcp@addr" (the TCP server of the harness) and an address
// without a protocol.
func TestXDial(t *testing.T) {
	labtest.NoLeaks(t, "XDial", "Close ends the client's receive loop; the server's connection then ends too.")
	ts := startServer(t, nil)
	c := webDial(t, "tcp@"+ts.addr)
	webSum(t, c, 2, 3)

	var err error
	var c2 *Client
	within(t, patience, fmt.Sprintf("XDial(%q)", ts.addr), "an address without \"@\" is an error, returned at once.",
		func() { c2, err = XDial(ts.addr) })
	if err == nil {
		c2.Close()
		t.Fatalf("XDial(%q), an address without a protocol, returned no error.\nExpected: an error: the address "+
			"is protocol@addr, such as \"tcp@%s\" or \"http@%s\" (strings.Cut on \"@\") (docs/minirpc.md, part E).",
			ts.addr, ts.addr, ts.addr)
	}
}

// TestHandleHTTPMux checks that HandleHTTP registers on the mux it is
// given, not on http.DefaultServeMux: two servers, two muxes.
func TestHandleHTTPMux(t *testing.T) {
	webDefaultMuxFree(t, "before this test's HandleHTTP: an earlier test's HandleHTTP registered there")
	for i := range 2 {
		s, mux := NewServer(), http.NewServeMux()
		if !try(t, "Server.HandleHTTP", func() { s.HandleHTTP(mux) }) {
			return
		}
		webDefaultMuxFree(t, "after HandleHTTP(mux)")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, DefaultRPCPath, nil))
		if w.Code != http.StatusMethodNotAllowed {
			t.Fatalf("server %d: after HandleHTTP(mux), a GET of %s through mux got status %d.\nExpected: 405 from "+
				"ServeHTTP: HandleHTTP registers the server itself at DefaultRPCPath (docs/minirpc.md, part E).",
				i+1, DefaultRPCPath, w.Code)
		}
		w = httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, DefaultDebugPath, nil))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "minirpc services") {
			t.Fatalf("server %d: after HandleHTTP(mux), a GET of %s through mux got status %d.\nExpected: 200 and "+
				"the debug page: HandleHTTP registers debugHTTP{s} at DefaultDebugPath (docs/minirpc.md, part E).",
				i+1, DefaultDebugPath, w.Code)
		}
	}
}

// TestDialHTTPTimeout dials, through HTTP, a server that accepts the
// connection, reads the CONNECT and never answers it: with a ConnectTimeout
// of 250ms, DialHTTP fails with "connect timeout", not before the 250ms have
// passed (a time-out never fires early, so this bound cannot flake), closes
// the connection, having sent the CONNECT, and leaves no goroutine behind.
// The time-out is part D's (dialTimeout, shared by Dial and DialHTTP); Dial
// cannot be tested so, since its handshake waits for no answer.
func TestDialHTTPTimeout(t *testing.T) {
	labtest.NoLeaks(t, "DialHTTP", "the goroutine that runs the handshake delivers its result on a channel. "+
		"After the time-out nobody receives from it any more, so if it has no room the goroutine blocks forever: "+
		"give it room for the one result (make(chan clientResult, 1)), and close the connection on a time-out, "+
		"which ends the handshake (docs/minirpc.md, parts D and E).")
	fd := fakeListenDeaf(t)
	const timeout = 250 * time.Millisecond
	var (
		c       *Client
		err     error
		elapsed time.Duration
	)
	if !within(t, patience, fmt.Sprintf("DialHTTP with a ConnectTimeout of %v to a server that never answers the "+
		"CONNECT", timeout), "the handshake waits for an answer that never comes: run it in a goroutine and "+
		"select on its result and a timer of ConnectTimeout (docs/minirpc.md, parts D and E).", func() {
		start := time.Now()
		c, err = DialHTTP("tcp", fd.addr, &Option{ConnectTimeout: timeout})
		elapsed = time.Since(start)
	}) {
		return
	}
	if err == nil {
		c.Close()
		t.Fatalf("DialHTTP to a server that never answers the CONNECT returned a client and no error; want a " +
			"connect time-out")
	}
	if !strings.Contains(err.Error(), "connect timeout") {
		t.Fatalf("DialHTTP to a server that never answers the CONNECT, with a ConnectTimeout of %v, returned the "+
			"error %q.\nExpected: \"rpc client: connect timeout: expect within %v\" (docs/minirpc.md, parts D and E).",
			timeout, err, timeout)
	}
	if elapsed < timeout {
		t.Fatalf("DialHTTP to a server that never answers the CONNECT, with a ConnectTimeout of %v, returned %q "+
			"after %v, before the ConnectTimeout had passed.\nExpected: the time-out error when a timer of "+
			"ConnectTimeout, started once connected, fires; a time-out never fires early.\nLikely cause: the "+
			"error is returned without waiting for the timer, or the timer is shorter than ConnectTimeout "+
			"(docs/minirpc.md, parts D and E).", timeout, err, elapsed)
	}
	select {
	case <-fd.hungUp:
	case <-time.After(patience):
		t.Fatalf("DialHTTP gave up on a server that never answered, but left the connection open.\nExpected: on a " +
			"time-out, close the connection: that also ends the handshake's goroutine, blocked reading the answer " +
			"(docs/minirpc.md, parts D and E).")
	}
	// The server has read all the client sent before it hung up.
	if want := "CONNECT " + DefaultRPCPath + " HTTP/"; !strings.HasPrefix(fd.received(), want) {
		t.Fatalf("DialHTTP gave up on a server that never answered, which had received %q from it.\nExpected: the "+
			"CONNECT request first, \"CONNECT %s HTTP/1.0\\n\\n\", sent before the handshake waits for the answer, "+
			"and the time-out ending that wait.\nLikely cause: the handshake (NewHTTPClient) does not run, or does "+
			"not start with the CONNECT, before the dial gives up (docs/minirpc.md, parts D and E).",
			fd.received(), DefaultRPCPath)
	}
}
