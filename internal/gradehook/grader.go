package gradehook

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"time"
)

// The descriptors of the channel in the test binary, after standard input,
// output and error: the grader passes them as cmd.ExtraFiles in this order
// and names them in Env.
const (
	resultFD = 3 // the binary writes its sealed report here
	nonceFD  = 4 // the binary reads its nonce here
)

// A Channel is the grader's end of the channel of one test process: a pipe
// that hands the process a fresh nonce, and a pipe on which the process's
// test harness reports under that nonce (see [Main]). Student code runs
// after the harness has taken the nonce, so it cannot forge the report.
type Channel struct {
	nonce   []byte
	nonceW  *os.File // the grader writes the nonce here
	nonceR  *os.File // nonceFD of the child
	resultR *os.File // the grader reads the report here
	resultW *os.File // resultFD of the child
	written chan string
}

// Attach sets cmd up with the channel's descriptors and environment, and
// writes a fresh nonce for it. Call Started once cmd has started, Report
// once its process group is gone, and Close in any case.
func Attach(cmd *exec.Cmd) (*Channel, error) {
	h := &Channel{nonce: make([]byte, 32), written: make(chan string, 1)}
	if _, err := rand.Read(h.nonce); err != nil {
		return nil, fmt.Errorf("making a nonce: %v", err)
	}
	var err error
	if h.resultR, h.resultW, err = os.Pipe(); err != nil {
		return nil, err
	}
	if h.nonceR, h.nonceW, err = os.Pipe(); err != nil {
		h.Close()
		return nil, err
	}
	// A 32-byte write to a fresh pipe does not block.
	if _, err := h.nonceW.Write(h.nonce); err != nil {
		h.Close()
		return nil, err
	}
	h.nonceW.Close()
	if len(cmd.ExtraFiles) != 0 {
		h.Close()
		return nil, fmt.Errorf("gradehook.Attach: the command already has extra files; the channel needs descriptors %d and %d", resultFD, nonceFD)
	}
	cmd.ExtraFiles = []*os.File{h.resultW, h.nonceR}
	cmd.Env = append(slices.Clip(cmd.Env), fmt.Sprintf("%s=%d,%d", Env, resultFD, nonceFD))
	return h, nil
}

// Started closes the child's ends in the grader and starts reading the
// report, which ends when every process holding the write end has exited.
func (h *Channel) Started() {
	h.resultW.Close()
	h.nonceR.Close()
	go func() {
		b, _ := io.ReadAll(io.LimitReader(h.resultR, 1<<20))
		h.written <- string(b)
	}()
}

// Report returns what the harness reported, or nil if it reported nothing
// authentic. Call it after the process group is gone.
func (h *Channel) Report() *Report {
	select {
	case written := <-h.written:
		if r, ok := Open(h.nonce, written); ok {
			return r
		}
	case <-time.After(5 * time.Second):
	}
	return nil
}

// Close closes every descriptor the channel still holds.
func (h *Channel) Close() {
	for _, f := range []*os.File{h.nonceW, h.nonceR, h.resultR, h.resultW} {
		if f != nil {
			f.Close()
		}
	}
}
