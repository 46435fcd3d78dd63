package rpcfail

import (
	"os"
	"path/filepath"
)

// FS is the file system that persist.go saves and loads the state through
// (handout part C). It is the operating system's (osFS), except in the test
// of a power cut, which gives the server a file system that loses, when the
// power goes, every write that was not made durable: the bytes of a file
// not synced (File.Sync), and the names created or changed in a directory
// not synced (SyncDir). Use stateFS for every file operation of a save or a
// load, and nothing from package os.
type FS interface {
	// CreateTemp creates a new file in dir, open for writing, as
	// os.CreateTemp does.
	CreateTemp(dir, pattern string) (File, error)
	// ReadFile returns a file's contents, as os.ReadFile does; a file that
	// does not exist is an error for which errors.Is(err, fs.ErrNotExist).
	ReadFile(name string) ([]byte, error)
	// Rename renames oldpath to newpath, replacing newpath, as os.Rename
	// does: in one step, whatever happens.
	Rename(oldpath, newpath string) error
	// Remove removes a file, as os.Remove does.
	Remove(name string) error
	// SyncDir makes the entries of directory dir durable: the files
	// created, renamed and removed in it are so after a power cut.
	SyncDir(dir string) error
}

// File is a file open for writing.
type File interface {
	Name() string
	Write(b []byte) (int, error)
	// Sync makes what was written to the file durable.
	Sync() error
	Close() error
}

// stateFS is the file system the state is saved in.
var stateFS FS = osFS{}

// osFS is the operating system's file system.
type osFS struct{}

func (osFS) CreateTemp(dir, pattern string) (File, error) { return os.CreateTemp(dir, pattern) }
func (osFS) ReadFile(name string) ([]byte, error)         { return os.ReadFile(name) }
func (osFS) Rename(oldpath, newpath string) error         { return os.Rename(oldpath, newpath) }
func (osFS) Remove(name string) error                     { return os.Remove(name) }

func (osFS) SyncDir(dir string) error {
	d, err := os.Open(filepath.Clean(dir))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
