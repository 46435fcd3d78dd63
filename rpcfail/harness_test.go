package rpcfail

// This file is the test harness of Lab 3: a world of one server (that can
// crash and restart from its directory) and clerks that talk to it through a
// network that loses, delays and duplicates messages (package faultnet, real
// net/rpc underneath). It is provided; do not edit it.

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golabs/internal/faultnet"
	"golabs/internal/kvcheck"
	"golabs/internal/labtest"
)

// patience bounds how long a test waits for a workload that a correct
// solution finishes in well under a second.
const patience = 30 * time.Second

// A world is one server, its directory, and the network to it.
type world struct {
	t      *testing.T
	net    *faultnet.Network
	dir    string   // "" if the server keeps its state in memory
	mem    *memory  // the store of save and load, with memStore
	disk   *crashFS // the file system of the state, with powerDisk
	mu     sync.Mutex
	server *Server
	rec    *kvcheck.Recorder
}

// Where a world's server keeps its state.
type storage int

const (
	inMemory  storage = iota // StartServer(""): nothing saved
	memStore                 // a directory, but save and load keep the state in memory (parts A and B)
	onDisk                   // a directory, and the student's saveState and loadState (part C)
	powerDisk                // as onDisk, on a file system that a power cut can undo (crashFS)
)

// newWorld starts a server that keeps its state as storage says, behind a
// network with the faults of cfg, seeded from labtest.Seed.
func newWorld(t *testing.T, cfg faultnet.Config, storage storage) *world {
	t.Helper()
	labtest.NoLeaks(t, "the server and the network", "Server.Close must close every connection and wait "+
		"for the server's goroutines.")
	seed := labtest.Seed(t)
	w := &world{t: t, net: faultnet.New(seed, cfg), rec: kvcheck.NewRecorder()}
	if storage != inMemory {
		w.dir = t.TempDir()
	}
	if storage == powerDisk {
		w.disk = newCrashFS(w.dir)
		stateFS = w.disk
		t.Cleanup(func() { stateFS = osFS{} })
	}
	if storage == memStore {
		w.mem = newMemory()
		save, load = w.mem.save, w.mem.load
		t.Cleanup(func() { save, load = saveState, loadState })
	}
	t.Cleanup(func() {
		w.net.Close()
		w.mu.Lock()
		s := w.server
		w.mu.Unlock()
		if s != nil {
			labtest.Within(t, patience, ".", "Server.Close (at the end of the test)",
				"Close must close every connection so that each ServeConn returns, then wait.", func() { s.Close() })
		}
	})
	w.start()
	if cfg != (faultnet.Config{}) {
		labtest.Replay(t, seed) // the network's faults come into play from here
	}
	return w
}

// start starts the server from its directory and points the network at it.
func (w *world) start() {
	w.t.Helper()
	var (
		s   *Server
		err error
	)
	if !labtest.Try(w.t, "StartServer", func() { s, err = StartServer(w.dir) }) {
		return
	}
	if err != nil {
		w.t.Fatalf("StartServer(%q) failed: %v", w.dir, err)
	}
	w.mu.Lock()
	w.server = s
	w.mu.Unlock()
	var addr string
	labtest.Try(w.t, "Server.Addr", func() { addr = s.Addr() })
	w.net.SetServer(addr)
}

// restart crashes the server and starts a new one from the same directory,
// while the clerks go on retrying.
func (w *world) restart(down time.Duration) {
	w.t.Helper()
	w.mu.Lock()
	s := w.server
	w.server = nil
	w.mu.Unlock()
	w.net.SetServer("")
	labtest.Within(w.t, patience, ".", "Server.Close (a crash)", "Close must close every connection and "+
		"wait for the server's goroutines.", func() { s.Close() })
	time.Sleep(down)
	w.start()
}

// clerk returns a new Clerk of client i.
func (w *world) clerk(i int) *Clerk {
	w.t.Helper()
	var ck *Clerk
	labtest.Try(w.t, "MakeClerk", func() { ck = MakeClerk(w.net.End(i)) })
	if ck == nil {
		w.t.Fatal("MakeClerk returned nil")
	}
	return ck
}

// A recorded clerk is a Clerk whose every call goes into the world's
// history, for the linearizability check.
type recorded struct {
	*Clerk
	w      *world
	client int
}

func (w *world) recordedClerk(i int) *recorded { return &recorded{w.clerk(i), w, i} }

func (r *recorded) get(key string) string {
	c := r.w.rec.Start(r.client, kvcheck.Get, key, "")
	v, err := r.Get(key)
	c.Done(v, err == nil)
	return v
}

func (r *recorded) put(key, value string) {
	c := r.w.rec.Start(r.client, kvcheck.Put, key, value)
	r.Put(key, value)
	c.Done("", true)
}

func (r *recorded) append(key, value string) string {
	c := r.w.rec.Start(r.client, kvcheck.Append, key, value)
	old := r.Append(key, value)
	c.Done(old, true)
	return old
}

// workload has clients recorded clerks append unique tokens, put and get on
// a few keys, each client appends times, and returns the tokens appended to
// each key. between, if not nil, runs in the test's goroutine while the
// clients work (to crash the server, cut a client off...).
func (w *world) workload(clients, appends int, between func()) map[string][]string {
	w.t.Helper()
	keys := []string{"a", "b"}
	tokens := make(map[string][]string)
	var mu sync.Mutex
	cks := make([]*recorded, clients)
	for c := range cks {
		cks[c] = w.recordedClerk(c)
	}
	var wg sync.WaitGroup
	for c, ck := range cks {
		wg.Go(func() {
			for i := range appends {
				key, token := keys[i%len(keys)], fmt.Sprintf("<%d.%d>", c, i)
				ck.append(key, token)
				mu.Lock()
				tokens[key] = append(tokens[key], token)
				mu.Unlock()
				if i%5 == 0 {
					ck.get(key)
				}
				if i%7 == 0 {
					ck.put(fmt.Sprint("p", c), token)
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if between != nil {
		between()
	}
	labtest.Within(w.t, patience, ".", fmt.Sprintf("the workload of %d clients", clients),
		"a Clerk that never gets a reply: does the server answer a retry of a request it executed? does "+
			"the Clerk resend the same request (same ClientID and Seq) until a reply arrives?",
		func() { <-done })
	return tokens
}

// checkTokens fails the test unless every token appended to each key is in
// its final value exactly once, showing the network's events for the first
// token that is not.
func (w *world) checkTokens(tokens map[string][]string) { w.checkTokensOr(tokens, "") }

// checkTokensOr is checkTokens with the likely cause of a missing token
// that the calling test knows best; "" for the general one.
func (w *world) checkTokensOr(tokens map[string][]string, missingCause string) {
	w.t.Helper()
	ck := w.clerk(1 << 20)
	for key, toks := range tokens {
		final, _ := ck.Get(key)
		for _, tok := range toks {
			n := strings.Count(final, tok)
			if n == 1 {
				continue
			}
			events := w.net.Describe(w.net.Events(func(e faultnet.Event) bool {
				return e.Method == "KV.Append" && strings.Contains(e.Args, tok)
			}))
			what, cause := "missing from", "the Append never took effect, though its Clerk returned. Either the "+
				"server answered it from its duplicate table without executing it (is the table keyed by client ID "+
				"and sequence number together? does each Clerk have an ID of its own?), or the Clerk gave up "+
				"retrying and returned without a reply (it must resend until Call returns true), or, after a "+
				"restart, the saved state was written before the Append was applied"
			if missingCause != "" {
				cause = missingCause
			}
			if n > 1 {
				what = fmt.Sprintf("%d times in", n)
				cause = "the server executed a retry or a duplicate of a request it had executed already. " +
					"Check the duplicate table before executing, under the same lock as the execution, record " +
					"the request in it, and make sure a retry carries the same ClientID and Seq as the original."
			}
			w.t.Fatalf("token %s, appended to %q by one Append, is %s the final value.\n"+
				"Expected: every Append takes effect exactly once, however many copies of its request arrive.\n"+
				"Likely cause: %s (docs/rpcfail.md)\n\nWhat the network did with that Append:\n%s%s",
				tok, key, what, cause, events, w.timeline())
		}
	}
}

// stateSize returns the size of the server's state file.
func (w *world) stateSize() int64 {
	w.t.Helper()
	if w.mem != nil {
		n, ok := w.mem.size(filepath.Join(w.dir, StateFile))
		if !ok {
			w.t.Fatalf("the server saved no state.\nExpected: StartServer(dir) saves its state with save(path, &state), "+
				"path being dir/%s, before it replies to a Put or Append (docs/rpcfail.md, part C; the tests of parts A and B "+
				"keep what save is given in memory, so persist.go need not be written yet).", StateFile)
		}
		return n
	}
	fi, err := os.Stat(filepath.Join(w.dir, StateFile))
	if err != nil {
		w.t.Fatalf("the server saved no state file %s in its directory: %v.\nExpected: StartServer(dir) saves "+
			"its state in dir/%s before it replies to a Put or Append (docs/rpcfail.md, part C).", StateFile, err, StateFile)
	}
	return fi.Size()
}

// memory is the store that the tests of parts A and B give the server in
// place of saveState and loadState: it keeps the gob encoding of each state
// saved, and takes as long as a save to disk takes (an fsync), so that a
// duplicate can arrive while the original is being saved.
type memory struct {
	mu    sync.Mutex
	saved map[string][]byte
}

// saveTime is about what an fsync takes on the course's machines.
const saveTime = time.Millisecond

func newMemory() *memory { return &memory{saved: make(map[string][]byte)} }

func (m *memory) save(path string, st *state) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return fmt.Errorf("encoding the state: %w", err)
	}
	time.Sleep(saveTime)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved[path] = buf.Bytes()
	return nil
}

func (m *memory) load(path string) (*state, error) {
	m.mu.Lock()
	b, ok := m.saved[path]
	m.mu.Unlock()
	if !ok {
		return nil, nil
	}
	var st state
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&st); err != nil {
		return nil, fmt.Errorf("decoding the state: %w", err)
	}
	return &st, nil
}

// size returns the size of the state saved at path.
func (m *memory) size(path string) (int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.saved[path]
	return int64(len(b)), ok
}

// timeline draws every call on the network on an HTML page, for a failure
// message: it returns the line that points at the page, or "" if the page
// could not be written.
func (w *world) timeline() string {
	path, err := faultnet.WriteTimeline(w.t.Name(), w.net.Events(nil))
	if err != nil {
		return ""
	}
	return "\n\nEvery call on the network, drawn on a timeline (open it in a browser): " + path
}

// crashFS is a file system of one directory, in memory, that a power cut
// can undo, as crash-consistency checkers (ALICE, CrashMonkey) model a disk:
// the bytes written to a file are durable once the file is synced, and the
// names in the directory (created, renamed, removed) once the directory is
// synced. Crash keeps only what was durable.
type crashFS struct {
	mu      sync.Mutex
	dir     string
	names   map[string]*inode // the directory as the running server sees it
	durable map[string]*inode // the directory as of its last sync
	next    int

	// What the server did, for the diagnosis of a lost save.
	ops              int  // file operations
	renamedUnsynced  bool // a file was renamed before its bytes were synced
	renamedUndurable bool // the last rename was not followed by a sync of the directory
	elsewhere        string
}

// An inode is a file's contents: as written, and as last synced.
type inode struct {
	data, synced []byte
}

func newCrashFS(dir string) *crashFS {
	return &crashFS{dir: dir, names: map[string]*inode{}, durable: map[string]*inode{}}
}

func (c *crashFS) CreateTemp(dir, pattern string) (File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops++
	if filepath.Clean(dir) != c.dir {
		c.elsewhere = dir
		return nil, fmt.Errorf("crashfs: %s is not the directory of the state file (%s): a temporary file "+
			"elsewhere may be on another file system, where a rename over the state file fails", dir, c.dir)
	}
	c.next++
	name := filepath.Join(dir, strings.Replace(pattern, "*", fmt.Sprint(c.next), 1))
	if !strings.Contains(pattern, "*") {
		name += fmt.Sprint(c.next)
	}
	in := &inode{}
	c.names[name] = in
	return &crashFile{fs: c, name: name, in: in}, nil
}

func (c *crashFS) ReadFile(name string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops++
	in, ok := c.names[filepath.Clean(name)]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(in.data), nil
}

func (c *crashFS) Rename(oldpath, newpath string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops++
	in, ok := c.names[filepath.Clean(oldpath)]
	if !ok {
		return &fs.PathError{Op: "rename", Path: oldpath, Err: fs.ErrNotExist}
	}
	if !bytes.Equal(in.data, in.synced) {
		c.renamedUnsynced = true
	}
	delete(c.names, filepath.Clean(oldpath))
	c.names[filepath.Clean(newpath)] = in
	c.renamedUndurable = true
	return nil
}

func (c *crashFS) Remove(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops++
	if _, ok := c.names[filepath.Clean(name)]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(c.names, filepath.Clean(name))
	return nil
}

func (c *crashFS) SyncDir(dir string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops++
	if filepath.Clean(dir) == c.dir {
		c.durable = maps.Clone(c.names)
		c.renamedUndurable = false
	}
	return nil
}

// crash cuts the power: the directory goes back to its last sync, and every
// file to its last synced bytes.
func (c *crashFS) crash() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names = maps.Clone(c.durable)
	for _, in := range c.names {
		in.data = bytes.Clone(in.synced)
	}
}

// diagnosis says what, of what the server did, loses a save at a power cut.
func (c *crashFS) diagnosis() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.ops == 0:
		return "the server saved nothing through stateFS: persist.go must make every file operation through " +
			"stateFS (the test gives it a disk that can lose power), not through package os"
	case c.elsewhere != "":
		return fmt.Sprintf("the temporary file was made in %s, not in the state file's directory: on another "+
			"file system the rename fails", c.elsewhere)
	case c.renamedUnsynced:
		return "a temporary file was renamed over the state file before it was synced: after the power cut the " +
			"name points at a file whose bytes never reached the disk. Sync the file before the rename"
	case c.renamedUndurable:
		return "the directory was not synced after the rename: after the power cut the rename is undone, and " +
			"the state file is the one before the save. Sync the directory after the rename (stateFS.SyncDir)"
	}
	return "the state saved before the reply did not hold the write"
}

// A crashFile is a file of a crashFS, open for writing.
type crashFile struct {
	fs   *crashFS
	name string
	in   *inode
}

func (f *crashFile) Name() string { return f.name }

func (f *crashFile) Write(b []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.in.data = append(f.in.data, b...)
	return len(b), nil
}

func (f *crashFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	f.in.synced = bytes.Clone(f.in.data)
	return nil
}

func (f *crashFile) Close() error { return nil }
