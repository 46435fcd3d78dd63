package faultnet

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogKeepsTheLatest: the event log keeps the last events, in order, and
// counts the ones it let go.
func TestLogKeepsTheLatest(t *testing.T) {
	n := New(1, Config{})
	defer n.Close()
	const size, extra = 1000, 5
	n.log.size = size // smaller than maxEvents, to run fast
	c := &call{end: n.End(1), method: "Counter.Add", args: "{}"}
	for i := 1; i <= size+extra; i++ {
		c.num = i
		n.record(c, "sent")
	}
	events := n.Events(nil)
	require.Len(t, events, size)
	assert.Equal(t, extra+1, events[0].Call, "the oldest event kept")
	assert.Equal(t, size+extra, events[len(events)-1].Call, "the newest event")
	for i := 1; i < len(events); i++ {
		if events[i].Call != events[i-1].Call+1 || events[i].At < events[i-1].At {
			t.Fatalf("events out of order at %d: call %d at %v after call %d at %v",
				i, events[i].Call, events[i].At, events[i-1].Call, events[i-1].At)
		}
	}
	assert.EqualValues(t, extra, n.Stats().EventsDiscarded, "Stats.EventsDiscarded")
	assert.Len(t, n.Events(func(e Event) bool { return e.Call%2 == 0 }), size/2, "a filter")
}
