package gradehook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// A Report is what a test binary tells the grader about one run of its
// tests.
type Report struct {
	Exit      int      `json:"exit"`                // what testing.M.Run returned
	Ran       []Run    `json:"ran"`                 // the top-level tests that ran, in the order they ended
	Tampering []string `json:"tampering,omitempty"` // what was changed that decides which tests run
	Error     string   `json:"error,omitempty"`     // why the tests could not be observed
}

// A Run is one top-level test that ran, and its result: "pass", "fail" or
// "skip" (a panic ends the process, and with it the report).
type Run struct {
	Test   string `json:"test"`
	Result string `json:"result"`
}

// Only reports whether exactly one test ran, once, and that it was name
// and passed; otherwise it says what ran instead.
func (r *Report) Only(name string) (string, bool) {
	if len(r.Ran) == 1 && r.Ran[0].Test == name {
		return "", r.Ran[0].Result == "pass"
	}
	if len(r.Ran) == 0 {
		return fmt.Sprintf("the grader ran %s, but no test ran at all", name), false
	}
	var ran []string
	for _, run := range r.Ran {
		ran = append(ran, run.Test+" ("+run.Result+")")
	}
	return fmt.Sprintf("the grader ran %s once, but these ran: %s", name, strings.Join(ran, ", ")), false
}

// prefix starts the line that carries a report.
const prefix = "gradehook/2 "

// Seal returns the line a binary writes for r: r as JSON and an HMAC of it
// under the nonce.
func Seal(nonce []byte, r Report) string {
	body, _ := json.Marshal(r) // a Report always marshals
	return prefix + mac(nonce, body) + " " + string(body)
}

func mac(nonce, body []byte) string {
	h := hmac.New(sha256.New, nonce)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Open finds the sealed report in what a binary wrote to the result pipe
// and returns it, if it is authentic for nonce.
func Open(nonce []byte, written string) (*Report, bool) {
	for _, line := range strings.Split(written, "\n") {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			continue
		}
		sum, body, ok := strings.Cut(rest, " ")
		if !ok || !hmac.Equal([]byte(sum), []byte(mac(nonce, []byte(body)))) {
			continue
		}
		var r Report
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			continue
		}
		return &r, true
	}
	return nil, false
}
