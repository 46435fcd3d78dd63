package kvcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTB records what Check reports, so that a test can check a failure
// without failing itself.
type fakeTB struct {
	name   string
	errors []string
	logs   []string
}

func (f *fakeTB) Helper()      {}
func (f *fakeTB) Name() string { return f.name }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

// check runs Check on r with a fake TB, writing visualisations to a
// temporary directory of t.
func check(t *testing.T, r *Recorder) *fakeTB {
	t.Helper()
	t.Setenv("TMPDIR", t.TempDir())
	f := &fakeTB{name: t.Name()}
	Check(f, r, 0)
	return f
}

func requirePass(t *testing.T, r *Recorder) {
	t.Helper()
	f := check(t, r)
	require.Empty(t, f.errors, "Check failed a linearizable history")
}

func requireFail(t *testing.T, r *Recorder) string {
	t.Helper()
	f := check(t, r)
	require.Len(t, f.errors, 1, "Check accepted a history that is not linearizable")
	return f.errors[0]
}

// history returns a Recorder holding ops.
func history(ops ...op) *Recorder {
	return &Recorder{start: time.Now(), ops: ops}
}

// c begins a hand-made operation by client, called at call and returned at
// ret, in milliseconds.
func c(client, call, ret int) op {
	return op{client: client, call: int64(call) * 1e6, ret: int64(ret) * 1e6, done: true}
}

func (o op) get(key, value string) op {
	o.kind, o.key, o.value, o.exists = Get, key, value, true
	return o
}

func (o op) getNoKey(key string) op {
	o.kind, o.key = Get, key
	return o
}

func (o op) put(key, value string) op {
	o.kind, o.key, o.arg, o.exists = Put, key, value, true
	return o
}

// append is an Append that returned old, the key having existed.
func (o op) append(key, arg, old string) op {
	o.kind, o.key, o.arg, o.value, o.exists = Append, key, arg, old, true
	return o
}

// appendNoKey is an Append to a key that did not exist, recorded as
// Done("", false).
func (o op) appendNoKey(key, arg string) op {
	o.kind, o.key, o.arg = Append, key, arg
	return o
}

// lost makes o an operation whose outcome is unknown.
func (o op) lost() op {
	o.unknown, o.value, o.exists = true, "", false
	return o
}

func TestSequentialLegalHistoryPasses(t *testing.T) {
	requirePass(t, history(
		c(0, 1, 2).getNoKey("k1"),
		c(0, 3, 4).put("k1", "a"),
		c(1, 5, 6).get("k1", "a"),
		c(1, 7, 8).append("k1", "b", "a"),
		c(0, 9, 10).get("k1", "ab"),
		c(0, 11, 12).appendNoKey("k2", "x"),
		c(0, 12, 13).append("k3", "x", ""), // a missing key counts as ""
		c(1, 13, 14).append("k2", "y", "x"),
		c(1, 15, 16).get("k2", "xy"),
		c(0, 17, 18).put("k1", ""),
		c(0, 19, 20).get("k1", ""),
	))
}

func TestConcurrentLegalHistoryPasses(t *testing.T) {
	// Concurrent Puts may take effect in either order; a concurrent Get
	// may see either value.
	requirePass(t, history(
		c(0, 1, 10).put("k", "a"),
		c(1, 2, 11).put("k", "b"),
		c(2, 3, 4).get("k", "b"),
		c(2, 5, 12).get("k", "a"),
	))
}

func TestEmptyHistoryPasses(t *testing.T) {
	requirePass(t, NewRecorder())
}

func TestStaleReadFails(t *testing.T) {
	msg := requireFail(t, history(
		c(0, 1, 2).put("k1", "a"),
		c(1, 3, 4).put("k1", "b"),
		c(0, 5, 6).get("k1", "a"),
	))
	assert.Contains(t, msg, "Key k1 is the first key whose operations have no valid order")
	assert.Contains(t, msg, `after which k1 = "b"`)
	assert.Regexp(t, `Get\(k1\) -> "a" +5ms +6ms +- +<- cannot come next`, msg)
	assert.Contains(t, msg, "stale read")
}

func TestLostUpdateFails(t *testing.T) {
	t.Run("sequential", func(t *testing.T) {
		msg := requireFail(t, history(
			c(0, 1, 2).appendNoKey("k", "a"),
			c(1, 3, 4).append("k", "b", "a"),
			c(2, 5, 6).get("k", "a"),
		))
		assert.Regexp(t, `Get\(k\) -> "a" .*<- cannot come next`, msg)
		assert.Contains(t, msg, "lost update")
	})
	t.Run("concurrent", func(t *testing.T) {
		// Both Appends read the missing key and wrote their own value:
		// the typical handler without a lock.
		msg := requireFail(t, history(
			c(0, 1, 4).appendNoKey("k", "a"),
			c(1, 2, 5).appendNoKey("k", "b"),
			c(2, 6, 7).get("k", "b"),
		))
		assert.Contains(t, msg, "Key k is the first key")
	})
}

func TestAppendAppliedTwiceFails(t *testing.T) {
	msg := requireFail(t, history(
		c(0, 1, 2).appendNoKey("k", "x"),
		c(1, 3, 4).get("k", "xx"),
	))
	assert.Regexp(t, `Get\(k\) -> "xx" .*<- cannot come next`, msg)
	assert.Contains(t, msg, `after which k = "x"`)
}

func TestAppendReturningNewValueFails(t *testing.T) {
	t.Run("existing key", func(t *testing.T) {
		msg := requireFail(t, history(
			c(0, 1, 2).put("k", "a"),
			c(0, 3, 4).append("k", "b", "ab"),
		))
		assert.Regexp(t, `Append\(k, "b"\) -> "ab" .*<- cannot come next`, msg)
	})
	t.Run("missing key", func(t *testing.T) {
		msg := requireFail(t, history(
			c(0, 1, 2).append("k", "b", "b"),
		))
		assert.Contains(t, msg, "No order can even begin")
	})
}

func TestGetOfMissingKeyFails(t *testing.T) {
	for name, get := range map[string]op{
		"value":              c(0, 1, 2).get("k", "v"),
		"empty, no ErrNoKey": c(0, 1, 2).get("k", ""),
	} {
		t.Run(name, func(t *testing.T) {
			msg := requireFail(t, history(get))
			assert.Contains(t, msg, "No order can even begin")
			assert.Contains(t, msg, "consistent with k never having been written")
		})
	}
	t.Run("ErrNoKey after Put", func(t *testing.T) {
		msg := requireFail(t, history(
			c(0, 1, 2).put("k", "a"),
			c(1, 3, 4).getNoKey("k"),
		))
		assert.Regexp(t, `Get\(k\) -> ErrNoKey .*<- cannot come next`, msg)
	})
}

func TestUnknownOutcome(t *testing.T) {
	// The Append was called at 1ms and its reply was lost: it may take
	// effect at any time after 1ms, or never.
	lost := c(0, 1, 0).appendNoKey("k", "x").lost()
	t.Run("taken effect", func(t *testing.T) {
		requirePass(t, history(lost, c(1, 2, 3).get("k", "x")))
	})
	t.Run("not taken effect", func(t *testing.T) {
		requirePass(t, history(lost, c(1, 2, 3).getNoKey("k")))
	})
	t.Run("taken effect late", func(t *testing.T) {
		requirePass(t, history(lost, c(1, 2, 3).getNoKey("k"), c(1, 4, 5).get("k", "x")))
	})
	t.Run("undone", func(t *testing.T) {
		msg := requireFail(t, history(lost, c(1, 2, 3).get("k", "x"), c(1, 4, 5).getNoKey("k")))
		assert.Regexp(t, `Append\(k, "x"\) -> unknown +1ms +unknown`, msg)
	})
	t.Run("never returned", func(t *testing.T) {
		r := NewRecorder()
		r.Start(0, Append, "k", "x") // no result: the test ended first
		r.Start(1, Get, "k", "").Done("x", true)
		requirePass(t, r)
	})
	t.Run("unknown Get or Put", func(t *testing.T) {
		requirePass(t, history(
			c(0, 1, 0).put("k", "a").lost(),
			c(1, 2, 0).get("k", "zzz").lost(),
			c(2, 3, 4).get("k", "a"),
		))
	})
}

func TestIrrelevantUnknownsAreLeftOut(t *testing.T) {
	r := history(
		c(0, 1, 0).get("k", "").lost(),
		c(1, 2, 0).put("k", "never seen").lost(),
		c(2, 3, 0).appendNoKey("k", "seen").lost(),
		c(3, 4, 0).appendNoKey("k", "also never seen").lost(),
		c(4, 5, 0).put("other", "seen").lost(), // seen on k only
		c(5, 6, 7).get("k", "seen"),
	)
	var kept []string
	for _, o := range r.operations() {
		kept = append(kept, describe(o.Input.(input), o.Output.(output)))
	}
	assert.Equal(t, []string{`Append(k, "seen") -> unknown`, `Get(k) -> "seen"`}, kept)

	// What is left out cannot make an impossible result possible.
	requireFail(t, history(
		c(0, 1, 0).put("k", "x").lost(),
		c(1, 2, 3).get("k", "y"),
	))
	// Nor can it hide a value that went missing.
	requireFail(t, history(
		c(0, 1, 0).appendNoKey("k", "x").lost(),
		c(1, 2, 3).get("k", "x"),
		c(1, 4, 5).put("k", "y"),
		c(1, 6, 7).get("k", "x"),
	))
}

func TestFailureWritesVisualisation(t *testing.T) {
	msg := requireFail(t, history(
		c(0, 1, 2).put("k1", "a"),
		c(1, 3, 4).put("k1", "b"),
		c(0, 5, 6).get("k1", "a"),
	))
	m := regexp.MustCompile(`Timeline of the whole history: (\S+)\n`).FindStringSubmatch(msg)
	require.NotNil(t, m, "the message gives no path of the visualisation:\n%s", msg)
	path := m[1]
	assert.Equal(t, os.TempDir(), filepath.Dir(path), "the visualisation is not under os.TempDir()")
	assert.True(t, strings.HasPrefix(filepath.Base(path), "kvcheck-TestFailureWritesVisualisation-"),
		"the file is not named after the test: %s", path)
	assert.Contains(t, msg, "Open it in a browser")
	html, err := os.ReadFile(path)
	require.NoError(t, err, "reading the visualisation")
	assert.Contains(t, string(html), "<html")
	assert.Contains(t, string(html), `Put(k1, \"b\")`)
}

func TestOtherIllegalKeysAreListed(t *testing.T) {
	msg := requireFail(t, history(
		c(0, 1, 2).get("a", "x"),
		c(0, 3, 4).put("b", "1"),
		c(0, 5, 6).get("c", "y"),
		c(0, 7, 8).get("d", "z"),
	))
	assert.Contains(t, msg, "Key a is the first key")
	assert.Contains(t, msg, "Keys c and d have no valid order either.")
	assert.NotContains(t, msg, "Key b")
}

func TestLongHistoryIsExcerpted(t *testing.T) {
	var ops []op
	for i := range 100 {
		ops = append(ops, c(i%3, 2*i, 2*i+1).put("k", fmt.Sprint(i)))
	}
	ops = append(ops, c(0, 200, 201).get("k", "50"))
	for i := range 10 {
		ops = append(ops, c(1, 202+2*i, 203+2*i).put("k", "later"))
	}
	msg := requireFail(t, history(ops...))
	assert.Contains(t, msg, "... 94 earlier operations on k before these")
	assert.Contains(t, msg, "... 8 later operations on k after these")
	assert.Regexp(t, `Get\(k\) -> "50" +200ms +201ms +- +<- cannot come next`, msg)
	assert.Less(t, strings.Count(msg, "\n"), 40, "the message is not short:\n%s", msg)
}

func TestTimeoutIsInconclusive(t *testing.T) {
	// Fourteen Appends with unknown outcomes, then a Get that sees all their
	// values, in an order that no subset of them explains: the checker
	// would try every order of every subset.
	var ops []op
	seen := "impossible"
	for i := range 14 {
		arg := fmt.Sprintf("<%d>", i)
		ops = append(ops, c(i, 1, 0).appendNoKey("k", arg).lost())
		seen = arg + seen
	}
	ops = append(ops, c(14, 2, 3).get("k", seen))
	f := &fakeTB{name: t.Name()}
	start := time.Now()
	Check(f, history(ops...), 20*time.Millisecond)
	assert.Less(t, time.Since(start), 2*time.Second, "Check did not stop at its time limit")
	assert.Empty(t, f.errors, "a check that ran out of time failed the test")
	require.Len(t, f.logs, 1)
	assert.Contains(t, f.logs[0], "did not finish within 20ms")
	assert.Contains(t, f.logs[0], "inconclusive")
}

func TestFirstIllegalAfterTimeout(t *testing.T) {
	// After a time-out, a key whose check was cut short looks as bad as an
	// illegal one: firstIllegal must check again and pick the illegal one.
	r := history(
		c(0, 1, 2).put("a", "1"),
		c(0, 3, 4).get("a", "1"),
		c(0, 5, 6).get("b", "x"),
	)
	parts := partition(r.operations())
	p, partials := firstIllegal(parts, []int{0, 1}, nil, time.Second, true)
	assert.Equal(t, 1, p, "firstIllegal picked key %q, whose history is legal", keyOf(parts[p]))
	assert.Empty(t, partials, "no order of key b can begin")
}

func TestDescribe(t *testing.T) {
	long := strings.Repeat("x", 30) + strings.Repeat("y", 30)
	for _, tc := range []struct {
		op   op
		want string
	}{
		{c(0, 1, 2).get("k1", "v"), `Get(k1) -> "v"`},
		{c(0, 1, 2).getNoKey("k1"), `Get(k1) -> ErrNoKey`},
		{c(0, 1, 2).get("k1", "").lost(), `Get(k1) -> unknown`},
		{c(0, 1, 2).put("k1", "v"), `Put(k1, "v")`},
		{c(0, 1, 2).put("k1", "v").lost(), `Put(k1, "v") -> unknown`},
		{c(0, 1, 2).append("k1", "x", "ab"), `Append(k1, "x") -> "ab"`},
		{c(0, 1, 2).appendNoKey("k1", "x"), `Append(k1, "x") -> ""`},
		{op{kind: Get, key: "k1", value: "v", exists: false}, `Get(k1) -> ErrNoKey, "v"`},
		{c(0, 1, 2).append("k1", "x", "").lost(), `Append(k1, "x") -> unknown`},
		{c(0, 1, 2).get("a key", "v\n"), `Get("a key") -> "v\n"`},
		{c(0, 1, 2).get("", "v"), `Get("") -> "v"`},
		{c(0, 1, 2).get("k", long), `Get(k) -> "` + strings.Repeat("x", 13) + "…" + strings.Repeat("y", 27) + `" (60 bytes)`},
	} {
		got := describe(tc.op.input(), output{value: tc.op.value, exists: tc.op.exists, unknown: tc.op.unknown})
		assert.Equal(t, tc.want, got)
	}
	assert.Equal(t, "Append", Append.String())
	assert.Equal(t, "Kind(7)", Kind(7).String())
}

func TestSanitize(t *testing.T) {
	assert.Equal(t, "TestKV_unreliable_net_01", sanitize("TestKV/unreliable net#01"))
	assert.Equal(t, "test", sanitize(""))
	assert.Len(t, sanitize(strings.Repeat("a", 200)), 80)
}

func TestRecorderMisuse(t *testing.T) {
	r := NewRecorder()
	call := r.Start(0, Put, "k", "v")
	call.Done("", true)
	assert.PanicsWithValue(t,
		`kvcheck: the result of Put(k, "v") by client 0 was recorded twice: call Done or Unknown once for each Start`,
		func() { call.Unknown() })
	assert.Panics(t, func() { r.Start(-1, Get, "k", "") })
	assert.Panics(t, func() { r.Start(0, Kind(3), "k", "") })
}
