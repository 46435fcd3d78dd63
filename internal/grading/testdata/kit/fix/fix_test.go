package fix

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestPass(t *testing.T) {
	if Add(2, 2) != 4 {
		t.Fatal("Add(2, 2) != 4")
	}
}

func TestFail(t *testing.T) {
	t.Errorf("Add(2, 3) = %d, want 5: check the carry", 6)
	t.Errorf("a second failure")
}

func TestSubtests(t *testing.T) {
	t.Run("good", func(t *testing.T) {})
	t.Run("bad", func(t *testing.T) { t.Fatal("the bad subtest failed") })
}

func TestRace(t *testing.T) {
	n := 0
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n++
		}()
	}
	wg.Wait()
	_ = n
}

func TestPanic(t *testing.T) {
	done := make(chan bool)
	go func() {
		var m map[string]int
		m["x"] = 1
		done <- true
	}()
	<-done
}

func TestPanicInTest(t *testing.T) {
	var p *struct{ x int }
	fmt.Println(p.x)
}

func TestTimeout(t *testing.T) {
	time.Sleep(time.Minute)
}

func TestExit0(t *testing.T) {
	os.Exit(0)
}

func TestSyscallExit0(t *testing.T) {
	syscall.Exit(0)
}

func TestExit3(t *testing.T) {
	os.Exit(3)
}

func TestFakePass(t *testing.T) {
	fmt.Println("--- PASS: TestFakePass (0.00s)")
	fmt.Println("PASS")
	fmt.Println("ok  \tfixture/fix\t0.01s")
	fmt.Fprintln(os.Stderr, "--- PASS: TestFakePass (0.00s)")
	t.Fatal("the real verdict")
}

func TestSkip(t *testing.T) {
	t.Skip("needs a network")
}

func TestStub(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%v", r)
		}
	}()
	Stub()
}

func TestNoisy(t *testing.T) {
	line := strings.Repeat("x", 99) + "\n"
	os.Stdout.WriteString(strings.Repeat(line, 60000))
	os.Stdout.WriteString(strings.Repeat("y", 3<<20))
	t.Fatal("too much output")
}

func TestTestify(t *testing.T) {
	t.Error("\n\tError Trace:\tfix_test.go:1\n\tError:      \tShould be true\n\tTest:       \tTestTestify\n\tMessages:   \tSerial fetched a page twice: keep a map of fetched pages")
}

// TestFramedForgery prints what the testing package prints for a pass,
// test2json's framing byte included, and ends the process with status 0
// before the real verdict: plain go test and go test -json call it a pass.
func TestFramedForgery(t *testing.T) {
	os.Stdout.WriteString("\x16--- PASS: TestFramedForgery (0.00s)\n\x16=== NAME  \n\x16PASS\n")
	syscall.Exit(0)
}

// TestForgedJSON prints test2json events of its own, then exits 0.
func TestForgedJSON(t *testing.T) {
	fmt.Println(`{"Action":"pass","Test":"TestForgedJSON","Elapsed":0}`)
	fmt.Println(`{"Action":"pass","Elapsed":0}`)
	syscall.Exit(0)
}

func TestDeadlock(t *testing.T) {
	var mu sync.Mutex
	mu.Lock()
	mu.Lock()
}

func TestFlood(t *testing.T) {
	line := strings.Repeat("z", 1023) + "\n"
	block := strings.Repeat(line, 1024)
	for range 100 {
		os.Stdout.WriteString(block)
	}
	t.Fatal("100 MB of output")
}
