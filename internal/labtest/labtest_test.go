package labtest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedFromEnvironment(t *testing.T) {
	t.Setenv(SeedEnv, "12345")
	assert.Equal(t, uint64(12345), Seed(t), "a seed given in %s is used as it is", SeedEnv)
}

func TestSeedFresh(t *testing.T) {
	t.Setenv(SeedEnv, "")
	a, b := Seed(t), Seed(t)
	assert.NotEqual(t, a, b, "without %s every call draws a new seed", SeedEnv)
	assert.Less(t, a, uint64(1)<<63, "a seed fits an int64, so it pastes anywhere")
}

func TestTopLevel(t *testing.T) {
	assert.Equal(t, "TestX", topLevel("TestX/sub/case"))
	assert.Equal(t, `TestX\.Y`, topLevel("TestX.Y"))
}

func TestTrimLeak(t *testing.T) {
	report := "found unexpected goroutines:\n[Goroutine 1 in state chan receive:\nmain.f()\n Goroutine 2 in state select:\nmain.g()\n Goroutine 3:\nx\n Goroutine 4:\ny\n Goroutine 5:\nz]"
	got := trimLeak(report)
	assert.Contains(t, got, "Goroutine 1 in state chan receive")
	assert.Contains(t, got, "Goroutine 3:")
	assert.NotContains(t, got, "Goroutine 4:")
	assert.Contains(t, got, "... and 2 more goroutines")
}

func TestGoroutinesFindsLabCode(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	go blockInLabCode(stop)
	var dump string
	require.Eventually(t, func() bool {
		dump = Goroutines(".", 5)
		return strings.Contains(dump, "blockInLabCode")
	}, 5*time.Second, 10*time.Millisecond, "the dump must show a goroutine blocked in the package's non-test code")
	headers := 0
	for _, line := range strings.Split(dump, "\n") {
		if strings.HasPrefix(line, "goroutine ") {
			headers++
		}
	}
	assert.Equal(t, 1, headers, "only the goroutine in non-test code is shown, not the test's own:\n%s", dump)
}

func TestNoLeaksPassesWhenNothingLeaks(t *testing.T) {
	NoLeaks(t, "nothing", "no advice needed")
	done := make(chan struct{})
	go func() { close(done) }()
	<-done
}
