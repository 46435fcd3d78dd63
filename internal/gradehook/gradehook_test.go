package gradehook

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestVerify(t *testing.T) {
	nonce := []byte("0123456789abcdef0123456789abcdef")
	code, ok := Verify(nonce, "noise\n"+Line(nonce, 0)+"\n")
	assert.True(t, ok, "an authentic report verifies")
	assert.Equal(t, 0, code)

	code, ok = Verify(nonce, Line(nonce, 1))
	assert.True(t, ok)
	assert.Equal(t, 1, code, "a failing exit code is reported as it is")

	_, ok = Verify(nonce, Line([]byte("another nonce, another run......"), 0))
	assert.False(t, ok, "a report made with another nonce is refused")

	_, ok = Verify(nonce, "gradehook exit 0 00")
	assert.False(t, ok, "a forged report is refused")

	_, ok = Verify(nonce, "")
	assert.False(t, ok, "no report is no result")
}
