//go:build solution

// Mutant: the state file written in place (os.WriteFile): a crash in the middle of a save leaves half a file.
// Must fail: TestAtomicSave

package rpcfail

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

func saveState(path string, st *state) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return fmt.Errorf("encoding the state: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(data) < sha256.Size {
		return nil, fmt.Errorf("state file %s is damaged: %d bytes, too short to hold a checksum", path, len(data))
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("state file %s is damaged: its checksum does not match", path)
	}
	var st state
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&st); err != nil {
		return nil, fmt.Errorf("state file %s is damaged: %w", path, err)
	}
	if st.Data == nil {
		st.Data = map[string]string{}
	}
	if st.Table == nil {
		st.Table = map[int64]entry{}
	}
	return &st, nil
}
