// Package intake takes a student's submission in: a folder, a .zip or a
// .tar.gz (.tgz) archive. It checks every entry before anything is used
// (a relative path that stays inside, a regular file or a folder, sizes
// within limits), finds the catalogue's student files in it, and writes
// only those into a kit's tree. Nothing else of a submission reaches the
// disk. The batch grader and the Gradescope autograder (grader intake) both
// take submissions in here.
package intake

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// A Submission is one student's entry in the folder a batch grades: a
// folder, a .zip or a .tar.gz (.tgz) archive.
type Submission struct {
	ID     string // the entry's base name without its extension: the student
	Source string // the entry's name in the folder: "alice.zip"
	Path   string // the entry's path
	Kind   string // "dir", "zip" or "tgz"
	dup    string // the source of an earlier entry with the same id, if any
}

// CheckID reports whether id can be a student's id, as List gives it: the
// base name of an entry of a folder, so that results/<id>.json stays in
// its folder.
func CheckID(id string) error {
	if id == "" || id == "." || id == ".." || strings.HasPrefix(id, ".") || strings.ContainsAny(id, "/\\\x00") {
		return fmt.Errorf("%q is not a student's id: an id is the name of a file in the folder of submissions", id)
	}
	return nil
}

// kindOf returns the kind of a folder entry and the student id its
// name gives, or ok false if the entry is not a submission.
func kindOf(name string, dir bool) (id, kind string, ok bool) {
	if strings.HasPrefix(name, ".") {
		return "", "", false
	}
	if dir {
		return name, "dir", true
	}
	lower := strings.ToLower(name)
	for _, ext := range []struct{ suffix, kind string }{{".zip", "zip"}, {".tar.gz", "tgz"}, {".tgz", "tgz"}} {
		if strings.HasSuffix(lower, ext.suffix) && len(name) > len(ext.suffix) {
			return name[:len(name)-len(ext.suffix)], ext.kind, true
		}
	}
	return "", "", false
}

// List returns the submissions in dir, sorted by id, and the
// names of the entries that are not submissions. The entry named skip (the
// batch's output folder, if it lies in dir) is passed over.
func List(dir, skip string) (subs []*Submission, ignored []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the submissions: %v: name a folder that holds one folder, .zip or .tar.gz per student", err)
	}
	seen := map[string]string{}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if skip != "" && p == skip {
			continue
		}
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			isDir = false // a link is no submission: it could point anywhere
		}
		id, kind, ok := kindOf(e.Name(), isDir)
		if !ok || (!isDir && !e.Type().IsRegular()) {
			if !strings.HasPrefix(e.Name(), ".") {
				ignored = append(ignored, e.Name())
			}
			continue
		}
		s := &Submission{ID: id, Source: e.Name(), Path: p, Kind: kind}
		if first, ok := seen[id]; ok {
			s.dup = first
		} else {
			seen[id] = e.Name()
		}
		subs = append(subs, s)
	}
	slices.SortStableFunc(subs, func(a, b *Submission) int { return strings.Compare(a.ID, b.ID) })
	return subs, ignored, nil
}

// Limits are what a submission may hold. A submission over them is broken.
type Limits struct {
	File    int64 // bytes in one file
	Total   int64 // bytes in all its files
	Entries int   // files and folders
}

// DefaultLimits are the limits of grader batch and grader intake: no lab needs anything
// near them.
var DefaultLimits = Limits{File: 10 << 20, Total: 100 << 20, Entries: 10000}

// A BrokenError says why a submission could not be graded at all.
type BrokenError struct{ reason string }

func (e *BrokenError) Error() string { return e.reason }

func broken(format string, args ...any) error {
	return &BrokenError{fmt.Sprintf(format, args...)}
}

// A contents collects what a submission holds, checking every entry: its
// name must be a relative path that stays inside the submission, it must be
// a regular file or a folder, and the sizes must stay within the limits.
// Only the files that may be student files are kept, by their base names.
type contents struct {
	limits  Limits
	want    map[string]bool   // base names worth keeping
	files   map[string][]byte // kept files by slash path in the submission
	skipped []string          // notes on the entries passed over
	scanned int64             // bytes of a tar archive read through, as its entries declare them
	entries int
	total   int64
}

func newContents(studentFiles []string, lim Limits) *contents {
	c := &contents{limits: lim, want: map[string]bool{}, files: map[string][]byte{}}
	for _, f := range studentFiles {
		c.want[path.Base(f)] = true
	}
	return c
}

// entryName checks an entry's name and returns it cleaned, or "" for the
// submission's top folder itself.
func entryName(name string) (string, error) {
	n := strings.ReplaceAll(name, `\`, "/")
	switch {
	case strings.ContainsRune(n, 0):
		return "", broken("entry %q has a NUL byte in its name", name)
	case strings.HasPrefix(n, "/") || (len(n) >= 2 && n[1] == ':'):
		return "", broken("entry %q is an absolute path: a submission may hold only relative paths", name)
	case slices.Contains(strings.Split(n, "/"), ".."):
		return "", broken("entry %q has a .. component, which would put it outside the submission", name)
	}
	n = path.Clean(n)
	if n == "." {
		return "", nil
	}
	return n, nil
}

// add checks one entry and keeps its content if it may be a student file.
// mode is its type (fs.ModeDir, fs.ModeSymlink, 0 for a regular file ...);
// size is its declared size, body its content.
func (c *contents) add(name string, mode fs.FileMode, size int64, body io.Reader) error {
	n, err := entryName(name)
	if err != nil {
		return err
	}
	if c.entries++; c.entries > c.limits.Entries {
		return broken("more than %d entries: a submission holds only the lab's files", c.limits.Entries)
	}
	switch {
	case mode&fs.ModeSymlink != 0:
		return c.reject(n, "entry %q is a symbolic link: a submission may hold only regular files and folders", name)
	case mode.IsDir():
		return nil
	case !mode.IsRegular():
		return c.reject(n, "entry %q is not a regular file (%v): a submission may hold only regular files and folders", name, mode.Type())
	case n == "":
		return broken("entry %q is not a file name", name)
	case size > c.limits.File:
		return c.reject(n, "entry %q is %d bytes, over the limit of %s per file", name, size, mb(c.limits.File))
	}
	var sink io.Writer = io.Discard
	kept := c.want[path.Base(n)]
	buf := &bytes.Buffer{}
	if kept {
		sink = buf
	}
	got, err := io.Copy(sink, io.LimitReader(body, c.limits.File+1))
	if err != nil {
		return broken("reading entry %q: %v", name, err)
	}
	if got > c.limits.File {
		return c.reject(n, "entry %q is over the limit of %s per file", name, mb(c.limits.File))
	}
	if c.total += got; c.total > c.limits.Total {
		return broken("the submission holds more than %s, the limit", mb(c.limits.Total))
	}
	if kept {
		c.files[n] = buf.Bytes()
	}
	return nil
}

// reject decides what an entry that breaks a rule costs: the submission,
// if the entry may be a student file, else the entry alone, passed over
// with a note. An entry that escapes the submission (an absolute path, a
// .. component) is never passed over: entryName refuses it first.
func (c *contents) reject(n, format string, args ...any) error {
	why := fmt.Sprintf(format, args...)
	if c.want[path.Base(n)] {
		return broken("%s", why)
	}
	switch {
	case len(c.skipped) < maxSkipNotes:
		c.skipped = append(c.skipped, "passed over "+why)
	case len(c.skipped) == maxSkipNotes:
		c.skipped = append(c.skipped, "passed over more entries that could not be student files")
	}
	return nil
}

// maxSkipNotes bounds the notes on entries passed over.
const maxSkipNotes = 20

// Read reads the submission, checking every entry, and returns the files
// that may be student files, and a note for each entry passed over (one
// that breaks a rule but cannot be a student file). Its error is a
// *BrokenError when the submission itself is at fault.
func (s *Submission) Read(studentFiles []string, lim Limits) (map[string][]byte, []string, error) {
	if s.dup != "" {
		return nil, nil, broken("%s and %s both have the id %s: keep one of them", s.dup, s.Source, s.ID)
	}
	c := newContents(studentFiles, lim)
	var err error
	switch s.Kind {
	case "dir":
		err = c.readDir(s.Path)
	case "zip":
		err = c.readZip(s.Path)
	case "tgz":
		err = c.readTarGz(s.Path)
	}
	if err != nil {
		return nil, nil, err
	}
	return c.files, c.skipped, nil
}

func (c *contents) readDir(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return broken("reading %s: %v", p, err)
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 || !d.Type().IsRegular() {
			return c.add(filepath.ToSlash(rel), d.Type(), 0, nil)
		}
		info, err := d.Info()
		if err != nil {
			return broken("reading %s: %v", rel, err)
		}
		f, err := os.Open(p)
		if err != nil {
			return broken("reading %s: %v", rel, err)
		}
		defer f.Close()
		return c.add(filepath.ToSlash(rel), 0, info.Size(), f)
	})
}

func (c *contents) readZip(file string) error {
	r, err := zip.OpenReader(file)
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // each name is checked below, with a reason
	}
	if err != nil {
		return broken("cannot open %s as a zip archive (%v): the student should submit it again", filepath.Base(file), err)
	}
	defer r.Close()
	for _, f := range r.File {
		mode := f.Mode()
		if strings.HasSuffix(f.Name, "/") {
			mode |= fs.ModeDir
		}
		if !mode.IsRegular() {
			if err := c.add(f.Name, mode.Type(), 0, nil); err != nil {
				return err
			}
			continue
		}
		if _, err := entryName(f.Name); err != nil {
			return err
		}
		if f.UncompressedSize64 > uint64(c.limits.File) {
			// Refused, or passed over, on its declared size, unread.
			if err := c.add(f.Name, 0, int64(min(f.UncompressedSize64, 1<<62)), nil); err != nil {
				return err
			}
			continue
		}
		body, err := f.Open()
		if err != nil {
			return broken("cannot read entry %q of %s (%v): the student should submit it again", f.Name, filepath.Base(file), err)
		}
		err = c.add(f.Name, 0, int64(f.UncompressedSize64), body)
		body.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *contents) readTarGz(file string) error {
	f, err := os.Open(file)
	if err != nil {
		return broken("cannot open %s: %v", filepath.Base(file), err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return broken("cannot open %s as a gzip-compressed tar archive (%v): the student should submit it again", filepath.Base(file), err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, tar.ErrInsecurePath) && h != nil {
			err = nil // the name is checked below, with a reason
		}
		if err != nil {
			return broken("cannot read %s as a gzip-compressed tar archive (%v): the student should submit it again", filepath.Base(file), err)
		}
		var mode fs.FileMode
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
		case tar.TypeDir:
			mode = fs.ModeDir
		case tar.TypeSymlink:
			mode = fs.ModeSymlink
		case tar.TypeLink:
			n, err := entryName(h.Name)
			if err != nil {
				return err
			}
			if c.entries++; c.entries > c.limits.Entries {
				return broken("more than %d entries: a submission holds only the lab's files", c.limits.Entries)
			}
			if err := c.reject(n, "entry %q is a hard link: a submission may hold only regular files and folders", h.Name); err != nil {
				return err
			}
			continue
		default:
			mode = fs.ModeIrregular
		}
		// A tar archive is read through, every entry's bytes included, even
		// those passed over: they count against the total as declared.
		if c.scanned += max(0, h.Size); c.scanned > c.limits.Total {
			return broken("the submission holds more than %s, the limit", mb(c.limits.Total))
		}
		if err := c.add(h.Name, mode, h.Size, tr); err != nil {
			return err
		}
	}
}

// Locate finds each student file among the files of a submission (slash
// paths) and returns the path of each one found, by student file, with a
// note for each one not found. A student file is found:
//
//  1. at its catalogue path ("crawler/serial.go"), at the top of the
//     submission or under folders ("alice/crawler/serial.go"), if that
//     matches one file; or else
//  2. by its base name ("serial.go"), if exactly one file of the
//     submission has it and no other graded student file shares it.
//
// A student file that is not found keeps the stub.
func Locate(studentFiles []string, files []string) (found map[string]string, notes []string) {
	found = map[string]string{}
	bases := map[string]int{}
	for _, sf := range studentFiles {
		bases[path.Base(sf)]++
	}
	for _, sf := range studentFiles {
		var atPath, byBase []string
		for _, f := range files {
			switch {
			case f == sf:
				atPath = append([]string{f}, atPath...) // the exact path wins
			case strings.HasSuffix(f, "/"+sf):
				atPath = append(atPath, f)
			case path.Base(f) == path.Base(sf):
				byBase = append(byBase, f)
			}
		}
		switch {
		case len(atPath) == 1 || (len(atPath) > 1 && atPath[0] == sf):
			found[sf] = atPath[0]
		case len(atPath) > 1:
			notes = append(notes, fmt.Sprintf("%s is in several places (%s); the stub was graded", sf, strings.Join(atPath, ", ")))
		case len(byBase) == 1 && bases[path.Base(sf)] == 1:
			found[sf] = byBase[0]
		case len(byBase) > 1:
			notes = append(notes, fmt.Sprintf("%s: several files are named %s (%s), none at %s; the stub was graded", sf, path.Base(sf), strings.Join(byBase, ", "), sf))
		case len(byBase) == 1:
			notes = append(notes, fmt.Sprintf("%s: %s is not at that path, and another student file has its name; the stub was graded", sf, byBase[0]))
		default:
			notes = append(notes, sf+" is missing; the stub was graded")
		}
	}
	return found, notes
}

// Hash returns the SHA-256 of the student files as found (a
// student file that was not found counts as absent), in hex.
func Hash(studentFiles []string, found map[string]string, files map[string][]byte) string {
	h := sha256.New()
	for _, sf := range studentFiles {
		if p, ok := found[sf]; ok {
			fmt.Fprintf(h, "%s\x00%d\x00", sf, len(files[p]))
			h.Write(files[p])
		} else {
			fmt.Fprintf(h, "%s\x00-\x00", sf)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// mb formats a limit in bytes: "10 MB", or "1000 bytes" below a megabyte.
func mb(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Open returns the submission at path: a folder, a .zip or a .tar.gz,
// whose base name is the student's id.
func Open(path string) (*Submission, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading the submission: %v: name a folder, a .zip or a .tar.gz that exists", err)
	}
	id, kind, ok := kindOf(filepath.Base(path), fi.IsDir())
	if !ok || (!fi.IsDir() && !fi.Mode().IsRegular()) {
		return nil, fmt.Errorf("%s is not a submission: give a folder, a .zip or a .tar.gz", path)
	}
	return &Submission{ID: id, Source: filepath.Base(path), Path: path, Kind: kind}, nil
}

// A Taken is what was taken from a submission: its student files, by
// catalogue path, with a note for each one not found, and their hash.
type Taken struct {
	Files map[string][]byte
	Notes []string
	Hash  string // SHA-256 of the student files found (see Hash)
}

// Take reads the submission, checking every entry, and finds the student
// files in it. Its error is a *BrokenError when the submission is at fault:
// an entry breaks a rule, or the submission holds none of the student files.
func (s *Submission) Take(studentFiles []string, lim Limits) (*Taken, error) {
	files, skipped, err := s.Read(studentFiles, lim)
	if err != nil {
		return nil, err
	}
	found, notes := Locate(studentFiles, slices.Sorted(maps.Keys(files)))
	notes = append(notes, skipped...)
	if len(found) == 0 {
		return nil, broken("no student files: the submission should hold %s", strings.Join(studentFiles, ", "))
	}
	t := &Taken{Files: map[string][]byte{}, Notes: notes, Hash: Hash(studentFiles, found, files)}
	for sf, p := range found {
		t.Files[sf] = files[p]
	}
	return t, nil
}

// Place writes the student files taken into the kit's tree at root, over
// the stubs.
func (t *Taken) Place(root string) error {
	for _, sf := range slices.Sorted(maps.Keys(t.Files)) {
		dst := filepath.Join(root, filepath.FromSlash(sf))
		if err := os.WriteFile(dst, t.Files[sf], 0o644); err != nil {
			return fmt.Errorf("writing the student file %s: %v", sf, err)
		}
	}
	return nil
}
