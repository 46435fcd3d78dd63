// Package kvcheck checks that a key/value store is linearizable, as seen by
// its clients.
//
// A test records every operation its clients make on the store with a
// [Recorder]: when an operation is called, by which client, on which key, and
// what it returned, and when. [Check] then asks whether some order of these
// operations, each taking effect at a single instant between its call and its
// return, would give every client exactly the result it saw, given the
// sequential meaning of the operations:
//
//   - Get(key) returns the key's value, or "" and ErrNoKey if the key was
//     never written;
//   - Put(key, value) sets the key's value;
//   - Append(key, arg) appends arg to the key's value (a missing key counts as
//     "") and returns the old value, before the append.
//
// If no such order exists, the store is not linearizable and Check fails the
// test. The check is done by github.com/anishathalye/porcupine, key by key:
// operations on different keys do not constrain each other, so a long history
// on a few keys is checked in milliseconds.
//
// An operation whose outcome the client never learnt (the reply was lost, or
// the test ended first) is recorded as unknown: it may have taken effect at
// any instant after its call, or not at all, and any result is accepted for
// it. Give every Put and Append a value of its own, such as "x 3 17 y" for
// the 17th operation of client 3: an unknown one whose value no client saw
// can then be left out of the check, which keeps it fast.
//
// # Use in a lab test
//
// Record every call of every clerk, from the first to the last, and check
// once at the end, after all the clients have returned:
//
//	rec := kvcheck.NewRecorder()
//	for client := range nclients {
//		wg.Go(func() {
//			ck := MakeClerk(server)
//			for i := range nops {
//				key, arg := keys[i%len(keys)], fmt.Sprintf("x %d %d y", client, i)
//				call := rec.Start(client, kvcheck.Append, key, arg)
//				old, err := ck.Append(key, arg)
//				if err != nil {
//					call.Unknown()
//				} else {
//					call.Done(old, true)
//				}
//			}
//		})
//	}
//	wg.Wait()
//	kvcheck.Check(t, rec, 0) // 0: the default time limit
//
// Record a Get as call.Done(value, true), or call.Done("", false) if it
// returned ErrNoKey, and a Put as call.Done("", true). An operation that
// failed with a network error is call.Unknown(): it may or may not have been
// executed.
//
// Give each goroutine its own client number, 0, 1, 2, ...: a client is a row
// of the visualisation, and makes one operation at a time. Leave no
// operation out: a missing Put makes a later Get look impossible.
//
// # Reading a failure
//
// The failure message names the first key, in alphabetical order, whose
// operations have no valid order, and shows an excerpt of them: the client,
// the operation and its result, and when it was called and returned, counted
// from [NewRecorder]. The "order" column numbers the operations in the
// longest order the checker could build; the operations marked "<-" are the
// ones that could come next in time, and none of them fits the value the key
// has at that point. The culprit is usually close by: a Get that misses a
// write that had already returned (a stale read), a write that vanished (a
// lost update), an argument that appears twice in a value (an Append
// executed twice, for a retried request), an Append that returned the new
// value.
//
// Check also writes the whole history as an HTML page and prints its path.
// Open it in a browser: each row is a client, each box an operation, from its
// call (left edge) to its return (right edge); an operation with an unknown
// outcome reaches the right end. "jump to first error" scrolls to the
// problem. Black marks show the order the checker found for the key, a red
// mark an operation that could not come next. Hover over an operation to see
// the key's value before and after it in that order, and click it to keep
// that order on the screen while you look around.
//
// A check that does not finish within its time limit is inconclusive and is
// not a failure: Check logs it. Histories with many clients working on the
// same key at once are the slow ones.
package kvcheck
