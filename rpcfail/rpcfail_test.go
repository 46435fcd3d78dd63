package rpcfail

// The graded tests of Lab 3. Each Test function has its points in
// labs/rpcfail.toml. Every test with faults draws them from a seed; a failure
// prints it, and LAB_SEED=N replays the same faults.
//
// The world (server, network, clerks) is in harness_test.go.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golabs/internal/faultnet"
	"golabs/internal/kvcheck"
	"golabs/internal/labtest"
)

// --- A and B. Clerk and server over a faulty network -----------------------------

func TestReliable(t *testing.T) {
	w := newWorld(t, faultnet.Config{}, inMemory)
	ck := w.clerk(0)
	var (
		v   string
		err error
	)
	labtest.Try(t, "Clerk.Get", func() { v, err = ck.Get("k") })
	if err != ErrNoKey || v != "" {
		t.Fatalf("Get of a key never written = %q, %v; want \"\" and ErrNoKey", v, err)
	}
	labtest.Try(t, "Clerk.Put", func() { ck.Put("k", "a") })
	if v, err = ck.Get("k"); err != nil || v != "a" {
		t.Fatalf("after Put(\"k\", \"a\"), Get(\"k\") = %q, %v; want \"a\", nil", v, err)
	}
	var old string
	labtest.Try(t, "Clerk.Append", func() { old = ck.Append("k", "b") })
	if old != "a" {
		t.Fatalf("Append(\"k\", \"b\") returned %q; want the value before, \"a\"", old)
	}
	ck2 := w.clerk(1)
	if old = ck2.Append("k", "c"); old != "ab" {
		t.Fatalf("a second clerk's Append(\"k\", \"c\") returned %q; want \"ab\"", old)
	}
	if v, _ = ck.Get("k"); v != "abc" {
		t.Fatalf("Get(\"k\") = %q; want \"abc\"", v)
	}
	if s := w.net.Stats(); s.Delivered > s.Calls {
		t.Fatalf("on a reliable network the server's handlers ran %d times for %d calls", s.Delivered, s.Calls)
	}
}

// faultTest runs the standard workload under cfg and checks it, with the
// server's state kept as storage says: saved (in memory), a request takes
// the time of a save to execute.
func faultTest(t *testing.T, cfg faultnet.Config, storage storage, clients, appends int) {
	w := newWorld(t, cfg, storage)
	tokens := w.workload(clients, appends, nil)
	w.checkTokens(tokens)
	kvcheck.Check(t, w.rec, 10*time.Second)
	s := w.net.Stats()
	t.Logf("network: %d calls, %d deliveries, %d requests and %d replies lost, %d duplicated, %d late",
		s.Calls, s.Delivered, s.DroppedRequests, s.DroppedReplies, s.Duplicated, s.Late)
}

// TestLostRequests loses 30% of requests before they reach the server: the
// Clerk must retry.
func TestLostRequests(t *testing.T) {
	faultTest(t, faultnet.Config{DropRequest: 0.3}, inMemory, 4, 30)
}

// TestLostReplies loses 30% of replies after the server executed the
// request: a retry that is executed again appends its token twice.
func TestLostReplies(t *testing.T) {
	faultTest(t, faultnet.Config{DropReply: 0.3}, inMemory, 4, 30)
}

// TestDuplicateRequests delivers half of the requests twice, both copies at
// once, to a server that saves its state before each reply: the second copy
// arrives while the first executes.
func TestDuplicateRequests(t *testing.T) {
	faultTest(t, faultnet.Config{Duplicate: 0.5}, memStore, 4, 30)
}

// TestLateDuplicates delivers copies of requests again later, after the
// client has moved on to newer requests.
func TestLateDuplicates(t *testing.T) {
	faultTest(t, faultnet.Config{Late: 0.3, LateDelay: 5 * time.Millisecond, MaxDelay: 2 * time.Millisecond}, inMemory, 4, 30)
}

// TestAllFaults turns on every fault at once, with more clients.
func TestAllFaults(t *testing.T) {
	faultTest(t, faultnet.Config{DropRequest: 0.1, DropReply: 0.1, Duplicate: 0.2, Late: 0.1,
		MaxDelay: 2 * time.Millisecond, LateDelay: 5 * time.Millisecond}, inMemory, 8, 20)
}

// TestCutAndHeal cuts one client off the network while it appends, lets the
// others work, then heals it: its Append must land once.
func TestCutAndHeal(t *testing.T) {
	w := newWorld(t, faultnet.Config{}, inMemory)
	tokens := w.workload(3, 20, func() {
		w.net.Cut(0)
		time.Sleep(100 * time.Millisecond)
		w.net.Heal(0)
	})
	w.checkTokens(tokens)
	if w.net.Stats().CutOff == 0 {
		t.Logf("client 0 made no call while it was cut off")
	}
}

// TestSharedClerk shares one Clerk among goroutines, on a reliable network
// and on one that loses replies: the Clerk must keep one request
// outstanding at a time (a lock held for the whole request), or a request
// the server saw later makes it take an earlier one for a stray copy.
func TestSharedClerk(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  faultnet.Config
	}{{"reliable", faultnet.Config{}}, {"lost_replies", faultnet.Config{DropReply: 0.3}}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.cfg, inMemory)
			ck := w.clerk(0)
			const goroutines, appends = 6, 15
			tokens := make(map[string][]string)
			var mu sync.Mutex
			var wg sync.WaitGroup
			for g := range goroutines {
				r := &recorded{ck, w, g}
				wg.Go(func() {
					for i := range appends {
						key, token := []string{"a", "b"}[i%2], fmt.Sprintf("<%d.%d>", g, i)
						r.append(key, token)
						mu.Lock()
						tokens[key] = append(tokens[key], token)
						mu.Unlock()
					}
				})
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			if !labtest.Within(t, patience, ".", fmt.Sprintf("%d goroutines sharing one Clerk", goroutines),
				"a Clerk whose calls wait for each other forever: is its lock released when a request ends?",
				func() { <-done }) {
				return
			}
			w.checkTokensOr(tokens, "goroutines sharing the Clerk had several requests outstanding at once, and "+
				"the server, having seen a later Seq of the client first, took the earlier request for a stray "+
				"copy and did not execute it. Hold the Clerk's mutex from numbering a request until its reply "+
				"arrives, part A")
			kvcheck.Check(t, w.rec, 10*time.Second)
		})
	}
}

// TestClientIDs makes Clerks in this process and in two others: every
// Clerk's ID must differ, as clients on different machines do. A counter
// gives the first Clerk of every process the same ID.
func TestClientIDs(t *testing.T) {
	if os.Getenv(idChildEnv) != "" {
		fmt.Printf("clerk id %d\n", clerkID(t))
		return
	}
	ids := map[int64]string{}
	add := func(id int64, where string) {
		if other, ok := ids[id]; ok {
			t.Fatalf("the Clerk %s has the ID %d, as the Clerk %s has.\nExpected: every Clerk a unique ID, "+
				"also across processes (clients run on different machines).\nLikely cause: IDs from a counter, "+
				"or from a random source seeded the same way in every process; draw 63 random bits from "+
				"crypto/rand (docs/rpcfail.md, part A).", where, id, other)
		}
		ids[id] = where
	}
	add(clerkID(t), "made first in this process")
	add(clerkID(t), "made second in this process")
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("cannot run a second process: %v", err)
	}
	for i := range 2 {
		cmd := exec.Command(exe, "-test.run=^TestClientIDs$", "-test.count=1")
		cmd.Env = append(os.Environ(), idChildEnv+"=1", "GORACE=atexit_sleep_ms=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("running the test in another process: %v\n%s", err, out)
		}
		var id int64
		if _, err := fmt.Sscanf(firstWithPrefix(string(out), "clerk id "), "clerk id %d", &id); err != nil {
			t.Fatalf("the other process printed no Clerk ID:\n%s", out)
		}
		add(id, fmt.Sprintf("made first in another process (%d)", i+1))
	}
}

// idChildEnv tells the test binary it runs as TestClientIDs's other process.
const idChildEnv = "LAB_RPCFAIL_ID_CHILD"

// clerkID returns the ID a new Clerk puts in its requests.
func clerkID(t *testing.T) int64 {
	var id int64
	seen := false
	end := endFunc(func(method string, args, reply any) bool {
		switch a := args.(type) {
		case *GetArgs:
			id, seen = a.ClientID, true
		case GetArgs:
			id, seen = a.ClientID, true
		}
		if r, ok := reply.(*GetReply); ok {
			r.Err = ErrNoKey
		}
		return true
	})
	var ck *Clerk
	labtest.Try(t, "MakeClerk", func() { ck = MakeClerk(end) })
	labtest.Try(t, "Clerk.Get", func() { ck.Get("k") })
	if !seen {
		t.Fatalf("Clerk.Get made no call \"KV.Get\" with GetArgs (or *GetArgs) through its Endpoint, so the test " +
			"cannot read its client ID.\nExpected: Get calls end.Call(\"KV.Get\", &GetArgs{...}, &reply) " +
			"(docs/rpcfail.md, part A).")
	}
	return id
}

// endFunc is an Endpoint made of a function.
type endFunc func(method string, args, reply any) bool

func (f endFunc) Call(method string, args, reply any) bool { return f(method, args, reply) }

func firstWithPrefix(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// --- B. A table that grows with clients, not with requests ---------------------------

// sizeAfter returns the size of the state file after clients clients each
// made ops Puts on ten keys (always the same values, so the data is the same
// size whatever clients and ops are) and then, if lastGet, a Get of a 10 KB
// value.
func sizeAfter(t *testing.T, clients, ops int, lastGet bool) int64 {
	w := newWorld(t, faultnet.Config{}, memStore)
	big := strings.Repeat("x", 10<<10)
	w.clerk(0).Put("big", big)
	for c := 1; c <= clients; c++ {
		ck := w.clerk(c)
		for i := range ops {
			ck.Put(fmt.Sprint("k", i%10), "0123456789abcdef")
		}
		if lastGet {
			ck.Get("big")
		}
	}
	return w.stateSize()
}

// TestTableBounded measures the duplicate table through the size of the
// saved state: 100 more clients may cost at most 200 bytes each (the bound
// MIT 6.5840 sets), and 20 times more requests by the same clients next to
// nothing.
func TestTableBounded(t *testing.T) {
	base := sizeAfter(t, 5, 2, false)
	moreClients := sizeAfter(t, 105, 1, false)
	moreOps := sizeAfter(t, 5, 40, false)
	t.Logf("saved state: %d bytes with 5 clients x 2 requests, %d with 105 clients (%d bytes per extra client), "+
		"%d with 5 clients x 40 requests", base, moreClients, (moreClients-base)/100, moreOps)
	if perClient := (moreClients - base) / 100; perClient > 200 {
		t.Errorf("100 more clients grew the saved state by %d bytes: %d bytes per client.\nExpected: at most "+
			"200 bytes per client (one table entry: its latest sequence number and reply).\nLikely cause: "+
			"the table keeps more than the latest request of each client, or keeps whole requests "+
			"(docs/rpcfail.md, part B).", moreClients-base, perClient)
	}
	if moreOps-base > 1024 {
		t.Errorf("the same 5 clients making 40 requests each instead of 2 grew the saved state from %d to %d "+
			"bytes, though the data is the same.\nExpected: the table grows with clients, not requests: one "+
			"entry per client, replaced by its next request.\nLikely cause: a table keyed by (client, seq) "+
			"that never forgets an entry (docs/rpcfail.md, part B).", base, moreOps)
	}
}

// TestGetRepliesNotKept has 20 clients end with a Get of a 10 KB value.
func TestGetRepliesNotKept(t *testing.T) {
	base := sizeAfter(t, 20, 1, false)
	withGets := sizeAfter(t, 20, 1, true)
	if withGets-base > 20*(10<<10)/4 {
		t.Errorf("20 clients ending with a Get of a 10 KB value grew the saved state by %d bytes.\nExpected: next "+
			"to nothing: a Get changes nothing, so a retried Get may run again, and its reply need not be kept.\n"+
			"Likely cause: Get replies stored in the duplicate table (docs/rpcfail.md, part B).", withGets-base)
	}
}

// TestSilentClient has one client's Append executed and its reply lost, then
// cuts the client off while 300 other clients come and go, each with a
// request of its own, and heals it: its retry must still be recognised. The
// table's bound is one entry per client, not a number of entries that
// forgets the oldest client.
func TestSilentClient(t *testing.T) {
	w := newWorld(t, faultnet.Config{DropReply: 1}, inMemory)
	silent := w.clerk(0)
	appended := make(chan string, 1)
	go func() {
		var old string
		labtest.Try(t, "Clerk.Append", func() { old = silent.Append("k", "once") })
		appended <- old
	}()
	// Wait until the server has executed the Append at least once.
	for deadline := time.Now().Add(patience); w.net.Stats().Delivered == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	w.net.Cut(0)
	w.net.SetConfig(faultnet.Config{})
	for c := 1; c <= 300; c++ {
		w.clerk(c).Put(fmt.Sprint("p", c), "x")
	}
	w.net.Heal(0)
	select {
	case <-appended:
	case <-time.After(patience):
		t.Fatalf("the silent client's Append did not return within %v of its network being healed", patience)
	}
	if v, _ := w.clerk(301).Get("k"); v != "once" {
		t.Fatalf("after an Append(\"k\", \"once\") whose reply was lost, 300 other clients, and a retry, k = %q.\n"+
			"Expected: \"once\": the server still has the silent client's entry and answers the retry from it.\n"+
			"Likely cause: a table that keeps only so many clients and forgot the oldest; keep one entry per "+
			"client, for as long as the client may retry (docs/rpcfail.md, part B).%s", v, w.timeline())
	}
}

// --- C. Crash and restart ------------------------------------------------------------

// TestRestart crashes the server twice while clients append over a lossy
// network; a new server starts from the saved state each time. No
// acknowledged Append may be lost, and none may be executed twice.
func TestRestart(t *testing.T) {
	w := newWorld(t, faultnet.Config{DropReply: 0.2, DropRequest: 0.1}, onDisk)
	tokens := w.workload(4, 25, func() {
		for range 2 {
			time.Sleep(60 * time.Millisecond)
			w.restart(20 * time.Millisecond)
		}
	})
	w.checkTokens(tokens)
	kvcheck.Check(t, w.rec, 10*time.Second)
}

// TestRetryAcrossRestart executes an Append whose reply is lost, crashes the
// server, restarts it, and lets the retry through: the restarted server must
// know from its saved duplicate table that it executed the request.
func TestRetryAcrossRestart(t *testing.T) {
	w := newWorld(t, faultnet.Config{DropReply: 1}, onDisk)
	ck := w.clerk(0)
	done := make(chan string, 1)
	go func() { done <- ck.Append("k", "once") }()
	// Wait until the server has executed the Append at least once.
	deadline := time.Now().Add(patience)
	for w.net.Stats().Delivered == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	w.restart(0)
	w.net.SetConfig(faultnet.Config{})
	var old string
	if !labtest.Within(t, patience, ".", "the retried Append", "the Clerk must retry until a reply arrives.",
		func() { old = <-done }) {
		return
	}
	if old != "" {
		t.Errorf("the retried Append returned %q; want \"\", the value before its first execution", old)
	}
	if v, _ := w.clerk(1).Get("k"); v != "once" {
		events := w.net.Describe(w.net.Events(func(e faultnet.Event) bool {
			return e.Method == "KV.Append" && strings.Contains(e.Args, "once")
		}))
		t.Fatalf("after an Append(\"k\", \"once\") whose reply was lost, a crash, a restart and a retry, "+
			"k = %q.\nExpected: \"once\": the restarted server finds the request in its saved duplicate table "+
			"and answers the retry without executing it again.\nLikely cause: the duplicate table is not part "+
			"of the saved state, or the state is saved after the reply (docs/rpcfail.md, part C).\n\n%s%s", v, events, w.timeline())
	}
}

// TestAtomicSave checks that each save replaces the state file by renaming
// a new file over it, never by writing it in place: the test holds the old
// file open across a save, and a file replaced by a rename is left with no
// name (its link count drops to 0), while a file written in place keeps its
// name. Then, that saves leave no temporary file behind (other files of the
// server's may be there, as long as their number does not grow) and the
// state file holds the last save, whole.
func TestAtomicSave(t *testing.T) {
	w := newWorld(t, faultnet.Config{}, onDisk)
	ck := w.clerk(0)
	path := filepath.Join(w.dir, StateFile)
	labtest.Try(t, "Clerk.Put", func() { ck.Put("k", "first") })
	first := dirNames(w.dir)
	for i := range 3 {
		old, err := os.Open(path)
		if err != nil {
			t.Fatalf("no state file after a Put: %v.\nExpected: the server saves %s in its directory before "+
				"it replies (docs/rpcfail.md, part C).", err, StateFile)
		}
		ck.Put("k", fmt.Sprint(i))
		fi, err := old.Stat()
		old.Close()
		if err != nil {
			t.Fatal(err)
		}
		if links := fi.Sys().(*syscall.Stat_t).Nlink; links != 0 {
			t.Fatalf("the state file is written in place: the file that held the state before a save still "+
				"holds it after (%d link).\nExpected: each save writes a new temporary file, syncs it, and renames "+
				"it over %s, so that a crash in the middle of a save leaves the old state whole.\nLikely cause: "+
				"os.WriteFile (or os.Create) on the state file itself (docs/rpcfail.md, part C).", links, StateFile)
		}
	}
	if after := dirNames(w.dir); len(after) > len(first) {
		t.Fatalf("after 3 more saves the server's directory holds %q, where it held %q after the first.\n"+
			"Expected: a save leaves nothing behind: its temporary file is renamed over %s, or removed if the "+
			"save fails. (Files of your own, a lock file say, may be there; their number must not grow.)\n"+
			"(docs/rpcfail.md, part C)", after, first, StateFile)
	}
	// The file holds the last save: a server started from it has k = "2".
	w.restart(0)
	if v, _ := w.clerk(1).Get("k"); v != "2" {
		t.Fatalf("after the saves and a restart from the state file, k = %q.\nExpected: \"2\", the last Put: "+
			"the state file holds the last save, whole (docs/rpcfail.md, part C).", v)
	}
}

// dirNames returns the names of the files in dir.
func dirNames(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestPowerCut saves the state on a disk that a power cut can undo
// (crashFS), cuts the power after the server acknowledged five Puts, and
// restarts it: the last acknowledged Put must survive. That needs each step
// of an atomic save: the temporary file in the state file's directory,
// synced before the rename, and the directory synced after it.
func TestPowerCut(t *testing.T) {
	w := newWorld(t, faultnet.Config{}, powerDisk)
	ck := w.clerk(0)
	for i := 1; i <= 5; i++ {
		labtest.Try(t, "Clerk.Put", func() { ck.Put("k", fmt.Sprint(i)) })
	}
	w.mu.Lock()
	s := w.server
	w.server = nil
	w.mu.Unlock()
	w.net.SetServer("")
	labtest.Within(t, patience, ".", "Server.Close (the power cut)", "Close must close every connection and "+
		"wait for the server's goroutines.", func() { s.Close() })
	w.disk.crash()
	var err error
	labtest.Try(t, "StartServer", func() { s, err = StartServer(w.dir) })
	if err != nil {
		t.Fatalf("after a power cut, StartServer failed: %v.\nExpected: the server starts from the state of the "+
			"last Put it acknowledged: a save that returned must survive the power going off.\nLikely cause: %s "+
			"(docs/rpcfail.md, part C).", err, w.disk.diagnosis())
	}
	w.mu.Lock()
	w.server = s
	w.mu.Unlock()
	w.net.SetServer(s.Addr())
	if v, _ := w.clerk(1).Get("k"); v != "5" {
		t.Fatalf("after a power cut, the restarted server has k = %q.\nExpected: \"5\", the last Put it acknowledged: "+
			"a save that returned must survive the power going off.\nLikely cause: %s (docs/rpcfail.md, part C).",
			v, w.disk.diagnosis())
	}
}

// TestDamagedState starts a server from a state file that a crash in the
// middle of an in-place write could leave: cut short, or scribbled over.
func TestDamagedState(t *testing.T) {
	w := newWorld(t, faultnet.Config{}, onDisk)
	ck := w.clerk(0)
	for i := range 20 {
		ck.Append("k", fmt.Sprintf("<%d>", i))
	}
	w.mu.Lock()
	s := w.server
	w.server = nil
	w.mu.Unlock()
	labtest.Within(t, patience, ".", "Server.Close", "Close must close every connection and wait.", func() { s.Close() })
	path := filepath.Join(w.dir, StateFile)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the saved state: %v", err)
	}
	damaged := map[string][]byte{
		"empty":                {},
		"one byte":             good[:1],
		"cut in half":          good[:len(good)/2],
		"one byte short":       good[:len(good)-1],
		"one byte flipped":     flip(good, len(good)/2),
		"last byte flipped":    flip(good, len(good)-1),
		"zeros in place of it": make([]byte, len(good)),
	}
	for name, data := range damaged {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var s *Server
		var err error
		labtest.Try(t, "StartServer", func() { s, err = StartServer(w.dir) })
		if err == nil {
			s.Close()
			t.Fatalf("StartServer started from a damaged state file (%s, %d of its %d bytes) without an error.\n"+
				"Expected: an error: starting from a damaged state, or from none, silently undoes writes the "+
				"clients were told had happened.\nLikely cause: no checksum in the state file, or a load that "+
				"ignores a decoding error (docs/rpcfail.md, part C).", name, len(data), len(good))
		}
	}
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	w.start()
	if v, _ := w.clerk(1).Get("k"); !strings.HasPrefix(v, "<0><1>") || strings.Count(v, "<") != 20 {
		t.Fatalf("a server started from the intact state file has k = %q; want the 20 appended tokens", v)
	}
	os.Remove(path)
	w.restart(0)
	if _, err := w.clerk(2).Get("k"); err != ErrNoKey {
		t.Fatalf("with no state file at all, a restarted server must start empty (a fresh start); Get(\"k\") = %v", err)
	}
}

// flip returns a copy of data with byte i changed.
func flip(data []byte, i int) []byte {
	c := append([]byte{}, data...)
	c[i] ^= 0x5a
	return c
}
