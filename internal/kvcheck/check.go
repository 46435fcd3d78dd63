package kvcheck

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/anishathalye/porcupine"
)

// DefaultTimeout is how long Check lets the linearizability check run when
// it is given no time limit.
const DefaultTimeout = 5 * time.Second

// TB is the part of [testing.TB] that Check uses.
type TB interface {
	Helper()
	Name() string
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// Check fails t if the operations recorded by r are not linearizable: if no
// order of them, each taking effect at one instant between its call and its
// return, gives every client the result it saw. The message explains what
// that means, names the first key whose operations have no valid order,
// with an excerpt of them, and gives the path of an HTML page, under
// [os.TempDir], that draws the history on a timeline.
//
// The check stops after timeout, or [DefaultTimeout] if timeout is 0. A check
// that runs out of time is inconclusive: Check logs it and does not fail t.
//
// Call Check once all the operations have returned: an operation whose
// result has not been recorded counts as one with an unknown outcome.
func Check(t TB, r *Recorder, timeout time.Duration) {
	t.Helper()
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ops := r.operations()
	if len(ops) == 0 {
		return
	}
	begin := time.Now()
	res, info := porcupine.CheckOperationsVerbose(model, ops, timeout)
	timedOut := time.Since(begin) >= timeout
	switch res {
	case porcupine.Ok:
		return
	case porcupine.Unknown:
		t.Logf("kvcheck: the linearizability check of %s on %s did not finish within %v: "+
			"it is inconclusive, and does not fail the test. Histories with many clients "+
			"working on the same key at the same time are the slow ones to check.",
			plural(len(ops), "operation"), plural(len(partition(ops)), "key"), timeout)
		return
	}
	t.Errorf("%s", failure(t.Name(), ops, info, timeout, timedOut))
}

const explanation = `A linearizable store behaves as if each operation took effect at one instant
between its call and its return. No such order of these operations gives every
client the result it saw: some client saw a result that the store could not
have produced. Typical causes:
  - a lost update: a Put or an Append that had returned has no effect, as when
    two handlers update a key without holding the lock;
  - a stale read: a Get misses a Put or an Append that had already returned;
  - an Append applied twice: a retried request was executed again (its
    argument appears twice in the value);
  - an Append that returns the new value instead of the old one;
  - a Get that answers a value for a key that was never written, or ErrNoKey
    for one that was.
`

// failure explains why the history ops is not linearizable.
func failure(name string, ops []porcupine.Operation, info porcupine.LinearizationInfo, timeout time.Duration, timedOut bool) string {
	var b strings.Builder
	parts := partition(ops)
	fmt.Fprintf(&b, "kvcheck: the key/value history is not linearizable (%s by %s on %s).\n\n",
		plural(len(ops), "operation"), plural(clients(ops), "client"), plural(len(parts), "key"))
	b.WriteString(explanation)

	whole := info.PartialLinearizations()
	bad := incomplete(parts, whole)
	if len(bad) > 0 {
		p, partials := firstIllegal(parts, bad, whole, timeout, timedOut)
		b.WriteString("\n")
		b.WriteString(excerpt(parts[p], partials))
		var others []string
		for _, q := range bad {
			if q != p {
				others = append(others, key(keyOf(parts[q])))
			}
		}
		switch {
		case timedOut && len(others) > 0:
			b.WriteString("The check of some keys ran out of time: other keys may have problems too.\n")
		case len(others) == 1:
			fmt.Fprintf(&b, "Key %s has no valid order either.\n", others[0])
		case len(others) > 1:
			fmt.Fprintf(&b, "Keys %s have no valid order either.\n", listKeys(others))
		}
	}

	path, err := writeVisualization(name, info)
	if err != nil {
		fmt.Fprintf(&b, "\nThe timeline of the history could not be written: %v\n", err)
	} else {
		fmt.Fprintf(&b, "\nTimeline of the whole history: %s\n"+
			"Open it in a browser to see the operations on a timeline: a row per client, a box\n"+
			"per operation from its call to its return. Click \"jump to first error\", then\n"+
			"hover over the operations to see the key's value before and after each one.\n", path)
	}
	return b.String()
}

// incomplete returns the partitions (keys) of which the check found no
// complete order. partials are the partial orders it found for each
// partition, as indices in the partition.
func incomplete(parts [][]porcupine.Operation, partials [][][]int) []int {
	var bad []int
	for p, part := range parts {
		complete := false
		if p < len(partials) {
			for _, order := range partials[p] {
				if len(order) == len(part) {
					complete = true
					break
				}
			}
		}
		if !complete {
			bad = append(bad, p)
		}
	}
	return bad
}

// firstIllegal returns the first of the partitions in bad whose operations
// have no valid order, and the partial orders of its operations. Without a
// time-out, every partition in bad is one. After a time-out, some may only
// have run out of time, so each is checked again on its own.
func firstIllegal(parts [][]porcupine.Operation, bad []int, partials [][][]int, timeout time.Duration, timedOut bool) (int, [][]int) {
	if timedOut {
		deadline := time.Now().Add(timeout)
		for _, p := range bad {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			res, info := porcupine.CheckOperationsVerbose(model, parts[p], left)
			if res == porcupine.Illegal {
				return p, info.PartialLinearizations()[0]
			}
		}
	}
	p := bad[0]
	if p < len(partials) {
		return p, partials[p]
	}
	return p, nil
}

// Bounds of an excerpt, in operations.
const (
	excerptBefore = 6  // before the first operation that cannot come next
	excerptAfter  = 2  // after the last one
	excerptMax    = 16 // in all
)

// excerpt shows the operations on one key around the point where the
// longest order that the check found for them cannot go on. partials are
// the orders it found, as indices in part.
func excerpt(part []porcupine.Operation, partials [][]int) string {
	k := key(keyOf(part))

	// Replay the longest order.
	var order []int
	for _, o := range partials {
		if len(o) > len(order) {
			order = o
		}
	}
	pos := make(map[int]int, len(order)) // index in part -> place in order, from 1
	st := model.Init()
	for i, id := range order {
		pos[id] = i + 1
		_, st = step(st, part[id].Input, part[id].Output)
	}

	// The operations that could come next are those called before every
	// other remaining operation returned. None of them fits st.
	minReturn := int64(math.MaxInt64)
	for id, o := range part {
		if pos[id] == 0 {
			minReturn = min(minReturn, o.Return)
		}
	}
	stuck := make(map[int]bool)
	for id, o := range part {
		if pos[id] == 0 && o.Call <= minReturn {
			if ok, _ := step(st, o.Input, o.Output); !ok {
				stuck[id] = true
			}
		}
	}

	// Operations in the order of their calls.
	ids := make([]int, len(part))
	for i := range ids {
		ids[i] = i
	}
	slices.SortStableFunc(ids, func(a, b int) int {
		return cmp.Or(cmp.Compare(part[a].Call, part[b].Call), cmp.Compare(part[a].Return, part[b].Return))
	})
	first, last := -1, -1
	for i, id := range ids {
		if stuck[id] {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 { // cannot happen with a complete check: show the start
		first, last = 0, 0
	}
	lo := max(0, first-excerptBefore)
	hi := min(len(ids), last+1+excerptAfter, lo+excerptMax)

	var b strings.Builder
	fmt.Fprintf(&b, "Key %s is the first key whose operations have no valid order (%s by %s;\n"+
		"times count from the start of the recording).\n",
		k, plural(len(part), "operation"), plural(clients(part), "client"))
	if len(order) == 0 {
		fmt.Fprintf(&b, "No order can even begin: the operations marked <- could come first, "+
			"but none of them\nis consistent with %s never having been written.\n", k)
	} else {
		fmt.Fprintf(&b, "The longest order the check could build takes %d of them (column \"order\"),\n"+
			"after which %s. The operations marked <- could come next in time,\n"+
			"but none of them is consistent with that.\n", len(order), stateOf(k, st.(state)))
	}
	if lo > 0 {
		fmt.Fprintf(&b, "  ... %s on %s before these\n", plural(lo, "earlier operation"), k)
	}
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  client\toperation\tcalled\treturned\torder")
	for _, id := range ids[lo:hi] {
		o := part[id]
		ret := at(o.Return)
		if o.Output.(output).unknown {
			ret = "unknown"
		}
		place := "-"
		if pos[id] > 0 {
			place = fmt.Sprint(pos[id])
		}
		mark := ""
		if stuck[id] {
			mark = "<- cannot come next"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", o.ClientId, describe(o.Input.(input), o.Output.(output)), at(o.Call), ret, place, mark)
	}
	tw.Flush()
	for line := range strings.Lines(table.String()) {
		b.WriteString(strings.TrimRight(line, " \n") + "\n")
	}
	if hi < len(ids) {
		fmt.Fprintf(&b, "  ... %s on %s after these\n", plural(len(ids)-hi, "later operation"), k)
	}
	return b.String()
}

// stateOf describes the value of key k.
func stateOf(k string, s state) string {
	if !s.exists {
		return k + " has never been written"
	}
	return k + " = " + value(s.value, longValue)
}

func keyOf(part []porcupine.Operation) string {
	return part[0].Input.(input).key
}

// clients counts the clients of ops.
func clients(ops []porcupine.Operation) int {
	seen := make(map[int]bool)
	for _, o := range ops {
		seen[o.ClientId] = true
	}
	return len(seen)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// listKeys lists keys in a sentence, the first few of them.
func listKeys(keys []string) string {
	const show = 5
	if len(keys) > show {
		return fmt.Sprintf("%s and %d more", strings.Join(keys[:show], ", "), len(keys)-show)
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " and " + keys[len(keys)-1]
}

// writeVisualization writes porcupine's drawing of the history to a new file
// under os.TempDir, named after the test, and returns the file's path.
func writeVisualization(test string, info porcupine.LinearizationInfo) (string, error) {
	pattern := "kvcheck-" + sanitize(test) + "-" + time.Now().Format("20060102-150405") + "-*.html"
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return "", err
	}
	if err := porcupine.Visualize(model, info, f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// sanitize turns a test name into a part of a file name.
func sanitize(name string) string {
	const limit = 80
	b := []byte(name)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > limit {
		b = b[:limit]
	}
	if len(b) == 0 {
		return "test"
	}
	return string(b)
}
