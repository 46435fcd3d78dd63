//go:build solution

// Mutant: the state file written in place (os.WriteFile): a crash in the middle of a save leaves half a file.
// Must fail: TestAtomicSave, TestPowerCut

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

// The state file is the gob encoding of the state followed by its SHA-256,
// so that a file cut short or scribbled over is detected, not loaded.

// saveState writes st to path atomically, through stateFS: to a temporary
// file in the same directory (a rename from another file system fails),
// synced so that its bytes are durable, then renamed over path, and the
// directory synced so that the rename is durable too. A crash or a power
// cut at any moment leaves either the old file or the new one, never half
// of one, and once saveState returns the new one survives.
func saveState(path string, st *state) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return fmt.Errorf("encoding the state: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])

	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// loadState reads the state saved at path. It returns nil and no error if
// there is no file (a fresh start), and an error if the file is damaged.
func loadState(path string) (*state, error) {
	data, err := stateFS.ReadFile(path)
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
