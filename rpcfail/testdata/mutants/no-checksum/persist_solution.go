//go:build solution

// Mutant: a state file without a checksum: a file damaged by a crash loads as if it were whole, or half of it does.
// Must fail: TestDamagedState

package rpcfail

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

func saveState(path string, st *state) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(st); err != nil {
		return fmt.Errorf("encoding the state: %w", err)
	}

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

func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	body := data
	var st state
	if err := gob.NewDecoder(bytes.NewReader(body)).Decode(&st); err != nil && len(body) > 0 {
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
