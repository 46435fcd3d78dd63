//go:build solution

package rpcfail

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The state file is the gob encoding of the state followed by its SHA-256,
// so that a file cut short or scribbled over is detected, not loaded.

// saveState writes st to path atomically: to a temporary file in the same
// directory, synced to disk, then renamed over path. A crash at any moment
// leaves either the old file or the new one, never half of one. The
// directory is synced too, so the rename itself survives a crash.
func saveState(path string, st *state) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return fmt.Errorf("encoding the state: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])

	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, StateFile+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// loadState reads the state saved at path. It returns nil and no error if
// there is no file (a fresh start), and an error if the file is damaged.
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
