// Package pack turns a project directory into the file list of its jar and
// writes the jar (through package jar) or stages the same tree on disk for
// the local runner.
//
// What goes in:
//   - the resources directory, under resources/ in the jar (the prefix
//     Storm's supervisors extract and run shell components in);
//   - generated files (launchers and the like), under resources/, given as
//     bytes or as functions that open them;
//   - stormpy's multilang module at resources/storm.py, unless the project
//     ships its own;
//   - extra directory trees, such as bundled dependencies, under a prefix
//     of the caller's choice.
//
// What stays out, always: __pycache__ directories, *.pyc files and .git;
// then whatever the project's .stormpyignore lists. Its patterns are
// relative to the project directory, like a .gitignore there: "*.log" or
// "data/" match at any depth, "/resources/tmp" only there. They apply to
// the resources directory and to extra trees inside the project.
//
// Symbolic links are followed when they point inside the project (for an
// extra tree: inside that tree or the project), and refused, with exit
// status 2, when they point outside it, since the jar would otherwise carry
// files from elsewhere on the machine. A left-out link is not looked at.
package pack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/jar"
)

// Options say what to package and where to.
type Options struct {
	// ProjectDir holds topology.yaml and .stormpyignore.
	ProjectDir string
	// ResourcesDir is the tree that becomes resources/ in the jar; empty
	// means ProjectDir/resources. Like every path here, a relative one is
	// relative to the working directory.
	ResourcesDir string
	// Output is the jar to write.
	Output string
	// Generated files, by path relative to resources/. They must not
	// collide with the project's files.
	Generated map[string][]byte
	// Streamed files, by path relative to resources/, like Generated but
	// opened only while the jar is written, so that a large bundle (files
	// read straight out of cached wheels, say) need not sit in memory.
	Streamed map[string]func() (io.ReadCloser, error)
	// ExtraTrees maps a slash-separated prefix inside the jar (such as
	// "resources/_deps") to a directory whose tree goes there. A tree may
	// merge into resources/, but no file may come from two places.
	ExtraTrees map[string]string
	// StormPy is the multilang module bundled as resources/storm.py when
	// the project has none; nil bundles nothing.
	StormPy []byte
	// Version is stormpy's version, for the manifest.
	Version string
}

// Result describes a written jar.
type Result = jar.Result

// File is one entry of the jar.
type File struct {
	// Name is the path in the jar; a directory's ends in "/".
	Name string
	// Source is the file or directory on disk, links resolved; empty for a
	// generated file.
	Source string
	// Data is a generated file's content.
	Data []byte
	// Exec is true for a file that is executable on disk.
	Exec bool
	// Size is the file's size in bytes; -1 for a streamed file.
	Size int64
	// ModTime is the source's modification time (zero for generated files),
	// for staleness checks; it does not go into the jar.
	ModTime time.Time

	open func() (io.ReadCloser, error) // a streamed file's
}

// IsDir reports whether f is a directory.
func (f File) IsDir() bool { return strings.HasSuffix(f.Name, "/") }

// Open returns f's content.
func (f File) Open() (io.ReadCloser, error) {
	if f.open != nil {
		return f.open()
	}
	if f.Source == "" {
		return io.NopCloser(bytes.NewReader(f.Data)), nil
	}
	return os.Open(f.Source)
}

// Package writes the project's jar to o.Output, atomically.
func Package(ctx context.Context, o Options) (*Result, error) {
	if o.Output == "" {
		return nil, errors.New("package: no output path")
	}
	files, err := Files(o)
	if err != nil {
		return nil, err
	}
	entries := make([]jar.Entry, len(files))
	for i, f := range files {
		entries[i] = jar.Entry{Name: f.Name, Exec: f.Exec}
		if !f.IsDir() {
			entries[i].Open = f.Open
		}
	}
	if err := os.MkdirAll(filepath.Dir(o.Output), 0o755); err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	return jar.WriteFile(ctx, o.Output, entries, jar.Options{Version: o.Version})
}

// Files lists what the jar will hold besides its manifest, sorted by name.
// Parent directories of generated files and extra trees may be missing;
// the jar writer adds them.
func Files(o Options) ([]File, error) {
	project, err := filepath.Abs(o.ProjectDir)
	if err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	projectReal, err := filepath.EvalSymlinks(project)
	if err != nil {
		return nil, exitcode.Invalid(fmt.Errorf("project directory: %w", err))
	}
	ign, err := readIgnore(project)
	if err != nil {
		return nil, err
	}
	w := &walker{ignore: ign, project: project, projectReal: projectReal, names: map[string]bool{}}
	if o.Output != "" {
		if w.outDir, err = realDir(o.Output); err != nil {
			return nil, err
		}
		w.outBase = filepath.Base(o.Output)
	}

	res := filepath.Join(project, "resources")
	if o.ResourcesDir != "" {
		if res, err = filepath.Abs(o.ResourcesDir); err != nil {
			return nil, fmt.Errorf("package: %w", err)
		}
	}
	if err := w.tree(res, "resources/", nil); err != nil {
		return nil, err
	}

	prefixes := make([]string, 0, len(o.ExtraTrees))
	for p := range o.ExtraTrees {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	for _, p := range prefixes {
		dir, err := filepath.Abs(o.ExtraTrees[p])
		if err != nil {
			return nil, fmt.Errorf("package: %w", err)
		}
		prefix := strings.Trim(p, "/")
		if err := checkRel(prefix); err != nil {
			return nil, fmt.Errorf("extra tree %q: %w", p, err)
		}
		bound, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil, fmt.Errorf("extra tree %s: %w", dir, err)
		}
		if err := w.tree(dir, prefix+"/", []string{bound}); err != nil {
			return nil, err
		}
	}

	gen := make([]string, 0, len(o.Generated)+len(o.Streamed))
	for name := range o.Generated {
		gen = append(gen, name)
	}
	for name := range o.Streamed {
		if _, dup := o.Generated[name]; dup {
			return nil, fmt.Errorf("generated file %q is both in Generated and in Streamed", name)
		}
		gen = append(gen, name)
	}
	sort.Strings(gen)
	for _, name := range gen {
		if err := checkRel(name); err != nil {
			return nil, fmt.Errorf("generated file %q: %w", name, err)
		}
		f := File{Name: "resources/" + name, Data: o.Generated[name], Size: int64(len(o.Generated[name]))}
		if open, ok := o.Streamed[name]; ok {
			f.open, f.Size = open, -1
		}
		if err := w.add(f); err != nil {
			return nil, err
		}
	}
	if o.StormPy != nil && !w.names["resources/storm.py"] {
		w.add(File{Name: "resources/storm.py", Data: o.StormPy, Size: int64(len(o.StormPy))})
	}

	sort.Slice(w.files, func(i, k int) bool { return w.files[i].Name < w.files[k].Name })
	return w.files, nil
}

func readIgnore(project string) (*Matcher, error) {
	f, err := os.Open(filepath.Join(project, IgnoreFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", IgnoreFile, err)
	}
	defer f.Close()
	m, err := ParseIgnore(f, IgnoreFile)
	if err != nil {
		return nil, exitcode.Invalid(err)
	}
	return m, nil
}

// realDir returns the output's directory with links resolved, so that the
// walk can recognise the jar (and its temporary file) when the output lies
// inside the tree being packaged.
func realDir(output string) (string, error) {
	dir, err := filepath.Abs(filepath.Dir(output))
	if err != nil {
		return "", fmt.Errorf("package: %w", err)
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return real, nil
	}
	return dir, nil // not there yet, so nothing in the tree can be in it
}

func checkRel(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") {
		return errors.New("must be a clean relative slash-separated path")
	}
	return nil
}

// builtinIgnored reports what never goes into a jar, whatever the ignore
// file says.
func builtinIgnored(name string, isDir bool) bool {
	return name == ".git" || (isDir && name == "__pycache__") || (!isDir && strings.HasSuffix(name, ".pyc"))
}
