// Package intaketest writes the archives that tests of submissions need:
// zip and gzip-compressed tar files, with the links, odd names and sizes
// that a hostile submission holds.
package intaketest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// An Entry is one entry of an archive made by a test.
type Entry struct {
	Name string
	Body string
	Size int    // if > 0, a body of this many zero bytes instead
	Kind string // "" for a file, "dir", "symlink" or "hardlink"
}

func (e Entry) content() []byte {
	if e.Size > 0 {
		return make([]byte, e.Size)
	}
	return []byte(e.Body)
}

// WriteZip writes a zip archive of the entries to file.
func WriteZip(t testing.TB, file string, entries ...Entry) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate}
		switch e.Kind {
		case "dir":
			h.SetMode(os.ModeDir | 0o755)
		case "symlink":
			h.SetMode(os.ModeSymlink | 0o777)
		default:
			h.SetMode(0o644)
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind != "dir" {
			f.Write(e.content())
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteTarGz writes a gzip-compressed tar archive of the entries to file.
func WriteTarGz(t testing.TB, file string, entries ...Entry) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	w := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Mode: 0o644, Typeflag: tar.TypeReg}
		body := e.content()
		switch e.Kind {
		case "dir":
			h.Typeflag, body = tar.TypeDir, nil
		case "symlink":
			h.Typeflag, h.Linkname, body = tar.TypeSymlink, e.Body, nil
		case "hardlink":
			h.Typeflag, h.Linkname, body = tar.TypeLink, e.Body, nil
		}
		h.Size = int64(len(body))
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteFiles writes files, by slash path, under dir: folder submissions.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
