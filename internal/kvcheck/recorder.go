package kvcheck

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// A Kind is the kind of a key/value operation.
type Kind int

const (
	// Get(key) returns the key's value, or "" and ErrNoKey if the key was
	// never written.
	Get Kind = iota
	// Put(key, value) sets the key's value.
	Put
	// Append(key, arg) appends arg to the key's value, a missing key
	// counting as "", and returns the old value.
	Append
)

// String returns the name of the operation: "Get", "Put" or "Append".
func (k Kind) String() string {
	switch k {
	case Get:
		return "Get"
	case Put:
		return "Put"
	case Append:
		return "Append"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// An op is one recorded operation.
type op struct {
	client int
	kind   Kind
	key    string
	arg    string // the value of a Put, the argument of an Append

	value   string // the result: the value of a Get, the old value of an Append
	exists  bool   // whether the key existed, for a Get or an Append
	done    bool   // Done or Unknown was called
	unknown bool   // the outcome is unknown

	call, ret int64 // nanoseconds since the recorder was made
}

// A Recorder records the operations that clients make on a key/value store,
// for [Check]. Its methods, and those of the [Call] values it returns, are
// safe for use by many goroutines at once.
type Recorder struct {
	start time.Time // read on the monotonic clock

	mu  sync.Mutex
	ops []op
}

// NewRecorder returns an empty Recorder. The times of the operations it
// records are counted from now.
func NewRecorder() *Recorder {
	return &Recorder{start: time.Now()}
}

// A Call is an operation that has been called and whose result is still to be
// recorded, by exactly one call of Done or Unknown.
type Call struct {
	r *Recorder
	i int // index in r.ops
}

// Start records that client is calling an operation of the given kind on key,
// with value the value of a Put or the argument of an Append ("" for a Get).
// Call it just before the operation starts, and record the result on the
// returned Call as soon as the operation returns.
//
// Clients are numbered 0, 1, 2, ...: the number is the client's row in the
// visualisation. A client makes one operation at a time.
func (r *Recorder) Start(client int, kind Kind, key, value string) *Call {
	if client < 0 {
		panic(fmt.Sprintf("kvcheck: Start called with client %d: number the clients 0, 1, 2, ...", client))
	}
	if kind != Get && kind != Put && kind != Append {
		panic(fmt.Sprintf("kvcheck: Start called with %v: the kind must be Get, Put or Append", kind))
	}
	if kind == Get {
		value = ""
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op{client: client, kind: kind, key: key, arg: value, call: now})
	return &Call{r: r, i: len(r.ops) - 1}
}

// Done records the result of the operation, which has just returned:
//   - for a Get, the value and whether the key existed (false for ErrNoKey);
//   - for an Append, the old value ("" for a missing key); exists is not
//     checked, as a missing key counts as "";
//   - for a Put, ("", true): the result of a Put is not checked.
func (c *Call) Done(value string, exists bool) {
	c.finish(value, exists, false)
}

// Unknown records that the outcome of the operation is unknown: it failed
// with a network error, or the client gave up on it, so it may or may not
// have taken effect on the store, at any instant after its call.
//
// Such operations are cheap to check when their values are unique: a Get,
// or a Put or an Append whose value no client saw, is left out of the check
// and of the visualisation, as no result depends on it.
func (c *Call) Unknown() {
	c.finish("", false, true)
}

func (c *Call) finish(value string, exists, unknown bool) {
	now := c.r.now()
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	o := &c.r.ops[c.i]
	if o.done {
		panic(fmt.Sprintf("kvcheck: the result of %s by client %d was recorded twice: "+
			"call Done or Unknown once for each Start", describeCall(o.input()), o.client))
	}
	o.done, o.unknown, o.ret = true, unknown, now
	if !unknown {
		o.value, o.exists = value, exists
	}
}

// now returns the time since r was made, in nanoseconds.
func (r *Recorder) now() int64 {
	return int64(time.Since(r.start))
}

// unknownReturn is the return time of an operation whose outcome is unknown:
// later than every other operation, so that it may take effect at any
// instant after its call, or never.
const unknownReturn = math.MaxInt64

// operations returns the recorded operations in the form porcupine checks. An
// operation whose result was never recorded counts as unknown.
//
// Operations with an unknown outcome that no result depends on are left
// out. They would be accepted anywhere in an order, or nowhere, but the
// checker would still try them at every point of every order, which can take
// long. See irrelevant.
func (r *Recorder) operations() []porcupine.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := make(map[string][]string) // key -> the values clients saw
	for _, o := range r.ops {
		if o.done && !o.unknown && o.kind != Put {
			seen[o.key] = append(seen[o.key], o.value)
		}
	}
	ops := make([]porcupine.Operation, 0, len(r.ops))
	for _, o := range r.ops {
		out := output{value: o.value, exists: o.exists, unknown: o.unknown || !o.done}
		ret := o.ret
		if out.unknown {
			if irrelevant(o, seen[o.key]) {
				continue
			}
			ret = unknownReturn
		}
		ops = append(ops, porcupine.Operation{
			ClientId: o.client,
			Input:    o.input(),
			Call:     o.call,
			Output:   out,
			Return:   ret,
			Metadata: o.metadata(),
		})
	}
	return ops
}

// irrelevant reports whether o, an operation with an unknown outcome, can be
// left out of the history without changing whether the history is
// linearizable, given the values that clients saw of its key (the results of
// the Gets and the Appends whose outcome is known).
//
// A Get changes nothing. A Put or an Append whose value no client saw in
// any result either never took effect or was overwritten before anyone
// looked: in an order that places it, the operations between it and the next
// Put would see its value, so they can only be other operations with an
// unknown outcome, which accept any result. Taking it out of the order leaves
// a valid order. (Conversely an operation with an unknown outcome may never
// take effect, so adding it back to a valid order is always possible.)
func irrelevant(o op, seen []string) bool {
	if o.kind == Get {
		return true
	}
	for _, v := range seen {
		if strings.Contains(v, o.arg) {
			return false
		}
	}
	return true
}

func (o *op) input() input {
	return input{kind: o.kind, key: o.key, arg: o.arg}
}

// metadata describes o's client and times, for the visualisation.
func (o *op) metadata() string {
	switch {
	case !o.done:
		return fmt.Sprintf("Client %d, called at %s; the test ended before it returned, "+
			"so it may have taken effect at any time after its call, or never.", o.client, at(o.call))
	case o.unknown:
		return fmt.Sprintf("Client %d, called at %s; its outcome is unknown, "+
			"so it may have taken effect at any time after its call, or never.", o.client, at(o.call))
	}
	return fmt.Sprintf("Client %d, called at %s, returned at %s.", o.client, at(o.call), at(o.ret))
}

// at formats a time counted from the start of the recording.
func at(ns int64) string {
	d := time.Duration(ns)
	if d >= time.Millisecond {
		d = d.Round(time.Microsecond)
	}
	return d.String()
}
