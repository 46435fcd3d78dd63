package registry

// This file is the test harness of part G's registry: requests served
// straight by ServeHTTP, and a fake network for Heartbeat, an
// http.RoundTripper put under http.DefaultClient that answers in memory and
// counts what it is sent. Nothing here opens a socket, so the tests run in
// virtual time (testing/synctest): a 5-minute time-out costs no wall time.
// It is provided; do not edit it.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golabs/internal/labtest"
)

// try is the shared helper of package labtest, for this package.
func try(t testing.TB, what string, f func()) bool { t.Helper(); return labtest.Try(t, what, f) }

// registryURL is where the tests say the registry is. No request reaches
// it: the fake transport answers first.
const registryURL = "http://registry.test" + DefaultPath

// serve sends one request to r's ServeHTTP and returns the response. addr,
// if not "", goes in the header ServerHeader.
func serve(t testing.TB, r *Registry, method, addr string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, registryURL, nil)
	if addr != "" {
		req.Header.Set(ServerHeader, addr)
	}
	rec := httptest.NewRecorder()
	try(t, fmt.Sprintf("Registry.ServeHTTP(%s)", method), func() { r.ServeHTTP(rec, req) })
	return rec.Result()
}

// post registers or refreshes addr, and fails t unless the registry says
// 200 OK.
func post(t testing.TB, r *Registry, addr string) {
	t.Helper()
	if resp := serve(t, r, http.MethodPost, addr); resp.StatusCode != http.StatusOK {
		t.Fatalf("POST with %s: %q answered %s, want 200 OK: a POST registers (or refreshes) the server it names "+
			"(docs/minirpc.md, part G)", ServerHeader, addr, resp.Status)
	}
}

// list returns what a GET says: the live servers, as the header says them.
func list(t testing.TB, r *Registry) string {
	t.Helper()
	resp := serve(t, r, http.MethodGet, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET answered %s, want 200 OK with the live servers in the header %s (docs/minirpc.md, part G)",
			resp.Status, ServersHeader)
	}
	return resp.Header.Get(ServersHeader)
}

// listed reports whether addr is one of the servers of a GET's header.
func listed(servers, addr string) bool {
	for _, s := range strings.Split(servers, ",") {
		if s == addr {
			return true
		}
	}
	return false
}

// known returns how many servers r's map holds, live or not.
func known(r *Registry) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.servers)
}

// --- A fake network under http.DefaultClient -----------------------------------

// fakeNet is an http.RoundTripper that answers every request in memory:
// with handler if there is one (a real Registry), else with 200 OK, or with
// the failure that fail scripts for the nth request (1 is the first).
type fakeNet struct {
	handler http.Handler
	fail    func(n int) (status int, err error)

	mu   sync.Mutex
	reqs []request // every request, in the order they came

	// stop, once set, ends the goroutine of any request that comes after
	// (runtime.Goexit): a heartbeat goroutine that should have ended, but
	// beats on, must not keep the test's bubble alive forever.
	stop bool
}

// request is what the fake network saw of a request.
type request struct {
	method, url, server string
}

func (f *fakeNet) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, request{req.Method, req.URL.String(), req.Header.Get(ServerHeader)})
	n, stop := len(f.reqs), f.stop
	f.mu.Unlock()
	if stop {
		runtime.Goexit()
	}
	if f.fail != nil {
		status, err := f.fail(n)
		if err != nil {
			return nil, err
		}
		if status != 0 {
			return answer(req, status, http.Header{}, http.StatusText(status)), nil
		}
	}
	if f.handler == nil {
		return answer(req, http.StatusOK, http.Header{}, ""), nil
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

func answer(req *http.Request, status int, h http.Header, body string) *http.Response {
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode: status,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    req,
	}
}

// count returns how many requests the fake network has seen.
func (f *fakeNet) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// seen returns the requests the fake network has seen.
func (f *fakeNet) seen() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// stopLater makes every request from now on end its goroutine.
func (f *fakeNet) stopLater() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stop = true
}

// useNet puts f under http.DefaultClient until t ends.
func useNet(t testing.TB, f *fakeNet) {
	t.Helper()
	old := http.DefaultTransport
	http.DefaultTransport = f
	t.Cleanup(func() { http.DefaultTransport = old })
}

// errNetDown is the error of a request the fake network drops.
var errNetDown = errors.New("dial tcp registry.test:80: connect: connection refused")
