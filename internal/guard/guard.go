// Package guard checks a student's files, before they are graded, for code
// that could subvert grading rather than solve the lab.
//
// The grader trusts only results that a test reports from its own process,
// and it kills a test that runs past its limit; what remains is code that
// ends the process on its own terms (os.Exit, syscall.Exit) after printing
// lines that look like a pass, code that changes which tests run (os.Args,
// the flag and testing packages), code that writes to descriptors it was
// not given, code that steps outside the language's safety (unsafe, cgo,
// //go:linkname), and code that touches other processes. None of it is
// needed to solve a lab, so guard rejects it, naming the file and line. The
// grader does not rely on guard alone: each of these is also defended
// against at run time (package gradehook, the sandbox), and guard only
// makes the refusal early and clear.
//
// The check is syntactic (go/parser, no type checking), so it also runs on
// files that do not compile. It resolves renamed imports; it refuses dot
// imports of the packages it watches. A lab that needs something on the list
// (say, os/exec for a lab about processes) allows it in its catalogue entry.
package guard

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// A Finding is one construct that grading does not accept.
type Finding struct {
	Pos  token.Position
	What string // the construct, e.g. `import "unsafe"` or `os.Exit`
	Why  string // why it is refused
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s is not allowed in a submission: %s", f.Pos, f.What, f.Why)
}

// forbiddenImports are packages a student file may not import, with why.
var forbiddenImports = map[string]string{
	"unsafe":    "it steps outside Go's memory safety",
	"C":         "cgo steps outside Go's memory safety",
	"syscall":   "it can end the process or write to descriptors behind the test framework's back",
	"os/exec":   "a submission may not start other programs",
	"os/signal": "a submission may not intercept signals",
	"plugin":    "a submission may not load code at run time",
	"testing":   "the tests are the grader's: code under test has no business with the test framework",
	"flag":      "the test binary's flags choose which tests run: a submission may not parse or set them",
}

// forbiddenPrefixes are import path prefixes a student file may not import.
var forbiddenPrefixes = map[string]string{
	"golang.org/x/sys/": "it can end the process or write to descriptors behind the test framework's back",
	"internal/":         "it is internal to the Go toolchain",
}

// forbiddenPaths are file system paths a student string may not name.
var forbiddenPaths = []string{"/proc/", "/dev/fd"}

// forbiddenNames are package members a student file may not use, with why.
var forbiddenNames = map[string]map[string]string{
	"runtime/debug": {
		"WriteHeapDump": "it writes the process's memory, and the test harness's secret in it, to a file",
	},
	"os": {
		"Exit":         "it ends the process before the test can report its result: return an error or panic instead",
		"NewFile":      "a submission may not open raw file descriptors",
		"FindProcess":  "a submission may not touch other processes",
		"StartProcess": "a submission may not start other programs",
		"Args":         "the test binary's arguments choose which tests run: a submission may not read or change them",
	},
}

// Check parses each file and returns what it finds, sorted by position.
// modulePath is the module's path: importing the module's own internal
// packages (the test infrastructure) is refused. allow lists import paths
// and qualified names ("os.Exit") that this lab permits. An error means a
// file could not be read or parsed at all.
func Check(files []string, modulePath string, allow []string) ([]Finding, error) {
	allowed := make(map[string]bool, len(allow))
	for _, a := range allow {
		allowed[a] = true
	}
	fset := token.NewFileSet()
	var out []Finding
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("guard: %w", err)
		}
		out = append(out, checkFile(fset, f, modulePath, allowed)...)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Pos, out[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Offset < b.Offset
	})
	return out, nil
}

func checkFile(fset *token.FileSet, f *ast.File, modulePath string, allowed map[string]bool) []Finding {
	var out []Finding
	add := func(pos token.Pos, what, why string) {
		out = append(out, Finding{Pos: fset.Position(pos), What: what, Why: why})
	}

	// Directives: only //go:build is a student's business.
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:") && !strings.HasPrefix(c.Text, "//go:build") {
				directive := strings.Fields(c.Text)[0]
				if !allowed[directive] {
					add(c.Pos(), directive, "compiler directives can reach into other packages' internals")
				}
			}
			if strings.HasPrefix(c.Text, "//line ") || strings.HasPrefix(c.Text, "/*line ") {
				add(c.Pos(), "//line", "it makes error positions lie")
			}
		}
	}

	// Imports, with the local name each watched package is known by.
	local := make(map[string]string) // local name -> import path, for watched packages
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		if why, bad := importWhy(path, modulePath); bad && !allowed[path] {
			add(imp.Pos(), fmt.Sprintf("import %q", path), why)
			continue
		}
		if _, watched := forbiddenNames[path]; watched {
			name := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			if name == "." {
				add(imp.Pos(), fmt.Sprintf("import . %q", path), "a dot import hides which package a name comes from; "+
					"import it by name")
				continue
			}
			local[name] = path
		}
	}

	// Uses of watched names, called or not (a method value escapes too), and
	// paths into the process's own descriptors and memory.
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			for _, p := range forbiddenPaths {
				if strings.Contains(lit.Value, p) && !allowed[p] {
					add(lit.Pos(), fmt.Sprintf("the path %q", p), "a submission may not reach into the "+
						"process's descriptors or memory")
				}
			}
			return true
		}
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		path, ok := local[id.Name]
		if !ok {
			return true
		}
		qualified := path + "." + sel.Sel.Name
		if why, bad := forbiddenNames[path][sel.Sel.Name]; bad && !allowed[qualified] {
			add(sel.Pos(), qualified, why)
		}
		return true
	})
	return out
}

// importWhy reports whether importing path is refused, and why.
func importWhy(path, modulePath string) (string, bool) {
	if why, ok := forbiddenImports[path]; ok {
		return why, true
	}
	for prefix, why := range forbiddenPrefixes {
		if strings.HasPrefix(path, prefix) {
			return why, true
		}
	}
	if modulePath != "" && (strings.HasPrefix(path, modulePath+"/internal/") || path == modulePath+"/internal") {
		return "it is the kit's test infrastructure, which grades your code", true
	}
	return "", false
}
