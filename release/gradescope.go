package main

import (
	"archive/zip"
	"bytes"
	"embed"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
	"text/template"
	"time"
)

// The autograder's scripts: templates filled with the Go version and the
// catalogue's student files, and the helper that completes results.json.
//
//go:embed gradescope/setup.sh gradescope/run_autograder gradescope/finish/main.go
var gradescopeFS embed.FS

// autograderData fills the scripts' templates.
type autograderData struct {
	GoVersion string // the Go release setup.sh installs: "1.25.0"
}

// goVersion returns the go directive of a go.mod file as a release that
// has a tarball: "1.25" becomes "1.25.0".
func goVersion(gomod []byte) (string, error) {
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "go" {
			v := f[1]
			if !regexp.MustCompile(`^1\.\d+(\.\d+)?$`).MatchString(v) {
				return "", fmt.Errorf("go.mod: go %s is not a Go release such as 1.25 or 1.25.3", v)
			}
			if strings.Count(v, ".") == 1 {
				v += ".0"
			}
			return v, nil
		}
	}
	return "", fmt.Errorf("go.mod has no go directive: add one, such as go 1.25")
}

// autograderFiles renders the scripts for the pristine tree t.
func autograderFiles(t tree) (tree, error) {
	v, err := goVersion(t["go.mod"].data)
	if err != nil {
		return nil, err
	}
	d := autograderData{GoVersion: v}
	out := tree{}
	for name, mode := range map[string]os.FileMode{"setup.sh": 0o755, "run_autograder": 0o755} {
		text, err := gradescopeFS.ReadFile("gradescope/" + name)
		if err != nil {
			return nil, err
		}
		tmpl, err := template.New(name).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return nil, fmt.Errorf("template %s: %v", name, err)
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, d); err != nil {
			return nil, fmt.Errorf("template %s: %v", name, err)
		}
		out[name] = file{data: b.Bytes(), mode: mode}
	}
	finish, err := gradescopeFS.ReadFile("gradescope/finish/main.go")
	if err != nil {
		return nil, err
	}
	out["finish.go"] = file{data: finish, mode: 0o644}
	return out, nil
}

// autograderTree returns the whole content of the autograder zip: the
// scripts at the top, the pristine tree under kit/.
func autograderTree(root, lang string) (tree, error) {
	src, err := readTracked(root)
	if err != nil {
		return nil, err
	}
	kit, err := treeFor(root, src, pristineTree, lang)
	if err != nil {
		return nil, err
	}
	out, err := autograderFiles(kit)
	if err != nil {
		return nil, err
	}
	for name, f := range kit {
		out["kit/"+name] = f
	}
	return out, nil
}

// writeZip stores the tree as a zip archive in w.
func (t tree) writeZip(w io.Writer) error {
	zw := zip.NewWriter(w)
	for _, name := range t.paths() {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
		h.SetMode(t[name].mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(t[name].data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// gradescopeZip writes the autograder zip to o.gradescope. Before, it
// proves the pristine tree: the manifest is computed for it, and it builds
// and vets with the hidden tests.
func gradescopeZip(o options, w io.Writer) error {
	t, err := autograderTree(o.root, o.lang)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "autograder-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kit := tree{}
	for name, f := range t {
		if rest, ok := strings.CutPrefix(name, "kit/"); ok {
			kit[rest] = f
		}
	}
	if err := kit.write(dir); err != nil {
		return err
	}
	if err := writeManifest(dir, kit); err != nil {
		return err
	}
	manifest, err := os.ReadFile(path.Join(dir, "labs/manifest.sha256"))
	if err != nil {
		return err
	}
	t["kit/labs/manifest.sha256"] = file{data: manifest, mode: 0o644}
	if !o.noVerify {
		for _, args := range [][]string{{"build", "./..."}, {"vet", "-tags", "private", "./..."}} {
			if _, err := goCmd(dir, 5*time.Minute, args...); err != nil {
				return fmt.Errorf("the pristine tree does not pass go %s: %v", args[0], err)
			}
			fmt.Fprintf(w, "  ok    go %s in the pristine tree\n", strings.Join(args, " "))
		}
	}
	var b bytes.Buffer
	if err := t.writeZip(&b); err != nil {
		return err
	}
	if err := os.WriteFile(o.gradescope, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %v", o.gradescope, err)
	}
	fmt.Fprintf(w, "release: wrote %s (%d files, %d KiB): upload it as the autograder of a Gradescope programming assignment\n",
		o.gradescope, len(t), (b.Len()+1023)/1024)
	return nil
}
