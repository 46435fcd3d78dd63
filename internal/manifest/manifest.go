// Package manifest reads, writes and compares manifests: lists of files with
// their SHA-256 sums, in the format of sha256sum.
//
// The kit keeps one, labs/manifest.sha256, of the files a student must not
// change: the tests, the provided code, the catalogue and the grader. The
// grader holds the tree against it before it grades, and `make check` holds
// it against the tree so that it never goes stale.
//
// A manifest file has one line per file, sorted by path:
//
//	<64 lowercase hex digits><two spaces><path>
//
// where the path is relative to the repository root, with forward slashes.
// Lines that begin with # are comments, and blank lines are ignored, so
// `sha256sum -c labs/manifest.sha256` run at the root checks it too. Write
// produces the same bytes for the same files, so the file can be committed
// and its diffs read.
package manifest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golabs/internal/atomicfile"
)

// Header is the comment line that Write puts first: what the file is, and
// how to regenerate it.
const Header = "# SHA-256 sums of the kit's protected files, checked before grading. " +
	"Regenerate with make manifest (go run ./grader manifest) and commit it."

// A Manifest maps a file's path, relative to the repository root with
// forward slashes, to the hex SHA-256 sum of its contents.
type Manifest map[string]string

// Compute hashes files, given as slash-separated paths relative to root. A
// file that does not exist is left out, so that Diff reports it missing;
// any other failure to read a file is an error.
func Compute(root string, files []string) (Manifest, error) {
	m := make(Manifest, len(files))
	for _, name := range files {
		if err := checkPath(name); err != nil {
			return nil, err
		}
		sum, err := hashFile(filepath.Join(root, filepath.FromSlash(name)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("hashing %s: %w", name, err)
		}
		m[name] = sum
	}
	return m, nil
}

func hashFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkPath reports whether name can stand in a manifest: a clean relative
// path with forward slashes, which a line of the file can hold as it is.
func checkPath(name string) error {
	switch {
	case name == "" || path.IsAbs(name) || path.Clean(name) != name || name == "." ||
		name == ".." || strings.HasPrefix(name, "../"):
		return fmt.Errorf("path %q: a manifest holds clean paths relative to the repository root, such as \"crawler/crawler_test.go\"", name)
	case strings.ContainsAny(name, "\\\n\r"):
		return fmt.Errorf("path %q: a manifest cannot hold a path with a backslash or a line break: rename the file", name)
	}
	return nil
}

// Paths returns the manifest's paths, sorted.
func (m Manifest) Paths() []string {
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// Format returns the manifest as Write stores it: Header, then one line per
// file, sorted by path.
func (m Manifest) Format() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(Header + "\n")
	for _, p := range m.Paths() {
		if err := checkPath(p); err != nil {
			return nil, err
		}
		if !isSum(m[p]) {
			return nil, fmt.Errorf("%s: %q is not a SHA-256 sum in lowercase hex", p, m[p])
		}
		fmt.Fprintf(&b, "%s  %s\n", m[p], p)
	}
	return b.Bytes(), nil
}

// Hash returns the SHA-256 of the manifest as Format writes it, in hex:
// one sum for every file it lists.
func (m Manifest) Hash() (string, error) {
	data, err := m.Format()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// Write stores the manifest in the file name, replacing it whole: a reader
// never sees half a manifest.
func (m Manifest) Write(name string) error {
	data, err := m.Format()
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return atomicfile.WriteFile(name, data)
}

// Read loads the manifest file name. The error wraps fs.ErrNotExist when
// there is no such file; a malformed line is an error that names the file,
// the line and what is wrong with it.
func Read(name string) (Manifest, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parse(f, name)
}

func parse(r io.Reader, name string) (Manifest, error) {
	m := Manifest{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sum, file, ok := strings.Cut(line, " ")
		if ok {
			// sha256sum writes "  " before the path, or " *" in binary mode.
			file, ok = strings.CutPrefix(file, " ")
			if !ok {
				file, ok = strings.CutPrefix(file, "*")
			}
		}
		switch {
		case !ok || !isSum(sum):
			return nil, fmt.Errorf("%s:%d: malformed line %q: want a SHA-256 sum in lowercase hex, two spaces and a path; regenerate the file with make manifest", name, n, line)
		case checkPath(file) != nil:
			return nil, fmt.Errorf("%s:%d: %v", name, n, checkPath(file))
		case m[file] != "":
			return nil, fmt.Errorf("%s:%d: %s is listed twice: keep one line per file", name, n, file)
		}
		m[file] = sum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return m, nil
}

// isSum reports whether s is a SHA-256 sum in lowercase hex.
func isSum(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Diff compares got with want, path by path: modified lists the paths in
// both whose sums differ, missing those only in want, added those only in
// got. Each list is sorted.
func Diff(want, got Manifest) (modified, missing, added []string) {
	for _, p := range want.Paths() {
		switch sum, ok := got[p]; {
		case !ok:
			missing = append(missing, p)
		case sum != want[p]:
			modified = append(modified, p)
		}
	}
	for _, p := range got.Paths() {
		if _, ok := want[p]; !ok {
			added = append(added, p)
		}
	}
	return modified, missing, added
}
