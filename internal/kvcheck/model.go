package kvcheck

import (
	"hash/fnv"
	"html"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/anishathalye/porcupine"
)

// An input is what a client asked of the store.
type input struct {
	kind Kind
	key  string
	arg  string // the value of a Put, the argument of an Append
}

// An output is what the store answered.
type output struct {
	value   string
	exists  bool
	unknown bool // no answer: any result is accepted
}

// A state is the value of one key. The model is partitioned by key, so a
// state never needs to hold more than one.
type state struct {
	value  string
	exists bool
}

// model is the sequential specification of the store, for porcupine.
var model = porcupine.Model{
	Partition: partition,
	Init:      func() any { return state{} },
	Step:      step,
	Equal:     func(a, b any) bool { return a.(state) == b.(state) },
	Hash:      hash,
	DescribeOperation: func(in, out any) string {
		return describe(in.(input), out.(output))
	},
	// The visualisation inserts states and metadata as HTML, descriptions
	// of operations as text.
	DescribeState: func(s any) string {
		return html.EscapeString(describeState(s.(state)))
	},
	DescribeOperationMetadata: func(m any) string {
		s, _ := m.(string)
		return html.EscapeString(s)
	},
}

// step applies an operation to the value of its key. It accepts the
// operation if the store could have answered out in state s.
func step(s, in, out any) (bool, any) {
	st, i, o := s.(state), in.(input), out.(output)
	switch i.kind {
	case Get:
		return o.unknown || (o.exists == st.exists && o.value == st.value), st
	case Put:
		return true, state{value: i.arg, exists: true}
	case Append:
		// A missing key counts as "": whether it existed is not checked.
		return o.unknown || o.value == st.value, state{value: st.value + i.arg, exists: true}
	}
	return false, st
}

func hash(s any) uint64 {
	st := s.(state)
	h := fnv.New64a()
	h.Write([]byte(st.value))
	if st.exists {
		h.Write([]byte{1})
	}
	return h.Sum64()
}

// partition splits a history by key, in the order of the keys, keeping the
// order of the operations on each key.
func partition(history []porcupine.Operation) [][]porcupine.Operation {
	byKey := make(map[string][]porcupine.Operation)
	for _, o := range history {
		k := o.Input.(input).key
		byKey[k] = append(byKey[k], o)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([][]porcupine.Operation, len(keys))
	for i, k := range keys {
		parts[i] = byKey[k]
	}
	return parts
}

// Lengths, in characters, beyond which values are shortened.
const (
	shortValue = 40  // in a description of an operation
	longValue  = 200 // in a description of a state
)

// describe describes an operation and its result, as in
// Append(k1, "x") -> "ab", Get(k1) -> ErrNoKey, Put(k1, "v").
func describe(in input, out output) string {
	s := describeCall(in)
	switch {
	case out.unknown:
		return s + " -> unknown"
	case in.kind == Put:
		return s
	case in.kind == Append || out.exists:
		return s + " -> " + value(out.value, shortValue)
	case out.value == "":
		return s + " -> ErrNoKey"
	}
	return s + " -> ErrNoKey, " + value(out.value, shortValue)
}

// describeCall describes an operation without its result, as in
// Append(k1, "x").
func describeCall(in input) string {
	s := in.kind.String() + "(" + key(in.key)
	if in.kind != Get {
		s += ", " + value(in.arg, shortValue)
	}
	return s + ")"
}

// describeState describes the value of a key.
func describeState(s state) string {
	if !s.exists {
		return "no value (never written)"
	}
	return value(s.value, longValue)
}

// key formats a key: as it is if it is a plain word, else quoted.
func key(k string) string {
	if k == "" {
		return `""`
	}
	for _, r := range k {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '.' && r != ':' && r != '/' {
			return strconv.Quote(k)
		}
	}
	return k
}

// value quotes v, keeping its beginning and its end if it is longer than limit
// characters.
func value(v string, limit int) string {
	n := utf8.RuneCountInString(v)
	if n <= limit {
		return strconv.Quote(v)
	}
	r := []rune(v)
	head, tail := limit/3, limit-limit/3
	return strconv.Quote(string(r[:head])+"…"+string(r[n-tail:])) + " (" + strconv.Itoa(len(v)) + " bytes)"
}
