// Package atomicfile writes files whole or not at all: the data goes to a
// temporary file in the same directory, which is synced and then renamed
// over the target, so that a reader sees the old file or the whole new one,
// never part of it, even if the writer dies half-way.
package atomicfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile writes data to path with permissions 0644, whole or not at all.
// Its errors name path and say what to do when the directory is missing or
// cannot be written.
func WriteFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("writing %s: the directory %s does not exist: create it, or name a file in a directory that exists", path, dir)
	case err != nil:
		return fmt.Errorf("writing %s: %v: name a file in a directory you can write to", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	for _, step := range []func() error{
		func() error { _, err := f.Write(data); return err },
		func() error { return f.Chmod(0o644) },
		f.Sync,
		f.Close,
		func() error { return os.Rename(f.Name(), path) },
	} {
		if err = step(); err != nil {
			return fmt.Errorf("writing %s: %v", path, err)
		}
	}
	return nil
}

// WriteJSON writes v to path as indented JSON and a final newline, whole
// or not at all.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("writing %s: %v", path, err)
	}
	return WriteFile(path, append(data, '\n'))
}
