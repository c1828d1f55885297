package pack

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

// walker collects the files of the trees that go into a jar.
type walker struct {
	ignore      *Matcher
	project     string // absolute, as given
	projectReal string // links resolved
	outDir      string // the output's directory, links resolved
	outBase     string
	names       map[string]bool
	files       []File
}

// place is where the walk is: a directory on disk (links resolved), the
// path it was reached by (for messages and ignore rules), and its name in
// the jar.
type place struct {
	real    string
	logical string
	ignRel  string // relative to the project; "" when outside it
	name    string // ends in "/"
}

// add records f. Directories may come from more than one tree (an extra
// tree may merge into resources/); files may not.
func (w *walker) add(f File) error {
	if w.names[f.Name] && f.IsDir() {
		return nil
	}
	if w.names[f.Name] {
		return exitcode.Invalid(fmt.Errorf("%s is in the jar twice (from %s and another source); rename one of them", f.Name, w.describe(f)))
	}
	w.names[f.Name] = true
	w.files = append(w.files, f)
	return nil
}

func (w *walker) describe(f File) string {
	if f.Source == "" {
		return "stormpy's generated files"
	}
	return w.display(f.Source)
}

// display shows a path relative to the project when it is inside it.
func (w *walker) display(p string) string {
	if rel, ok := within(w.project, p); ok {
		return filepath.ToSlash(rel)
	}
	return p
}

// within returns p relative to dir when p is dir or inside it.
func within(dir, p string) (string, bool) {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// tree adds the directory root under prefix (which ends in "/"). Links
// may point into the project or into one of bounds.
func (w *walker) tree(root, prefix string, bounds []string) error {
	real, err := filepath.EvalSymlinks(root)
	if errors.Is(err, fs.ErrNotExist) {
		return exitcode.Invalid(fmt.Errorf("%s: no such directory; create it and put what the jar should carry in it: %w", w.display(root), err))
	}
	if err != nil {
		return exitcode.Invalid(fmt.Errorf("read %s: %w", w.display(root), err))
	}
	info, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("read %s: %w", w.display(root), err)
	}
	if !info.IsDir() {
		return exitcode.Invalid(fmt.Errorf("%s is not a directory", w.display(root)))
	}
	at := place{real: real, logical: root, name: prefix}
	if rel, ok := within(w.project, root); ok && rel != "." {
		at.ignRel = filepath.ToSlash(rel)
	}
	if err := w.add(File{Name: prefix, Source: real, ModTime: info.ModTime()}); err != nil {
		return err
	}
	return w.walk(at, append([]string{w.projectReal}, bounds...), map[string]bool{real: true})
}

func (w *walker) walk(at place, bounds []string, stack map[string]bool) error {
	des, err := os.ReadDir(at.real)
	if err != nil {
		return fmt.Errorf("read %s: %w", w.display(at.logical), err)
	}
	for _, de := range des {
		base := de.Name()
		child := place{
			real:    filepath.Join(at.real, base),
			logical: filepath.Join(at.logical, base),
			name:    at.name + base,
		}
		if at.ignRel != "" {
			child.ignRel = at.ignRel + "/" + base
		}
		isLink := de.Type()&fs.ModeSymlink != 0
		isDir := de.IsDir()
		if isLink {
			// Only to apply "dir/" patterns; a link is not followed before
			// the ignore rules have had their say.
			if fi, err := os.Stat(child.real); err == nil {
				isDir = fi.IsDir()
			}
		}
		if builtinIgnored(base, isDir) || (child.ignRel != "" && w.ignore.Match(child.ignRel, isDir)) {
			continue
		}
		if at.real == w.outDir && (base == w.outBase || strings.HasPrefix(base, "."+w.outBase+".tmp-")) {
			continue // the jar being written, or an earlier one
		}
		if strings.Contains(base, `\`) || !utf8.ValidString(base) {
			// Storm's extractor, and zip tools on Windows, would read a
			// backslash as a separator; a jar's names are UTF-8.
			return exitcode.Invalid(fmt.Errorf("%q: a file name with a backslash or that is not UTF-8 cannot go into a jar; rename it or list it in %s",
				w.display(child.logical), IgnoreFile))
		}
		if isLink {
			if err := w.follow(&child, bounds); err != nil {
				return err
			}
		}
		info, err := os.Stat(child.real)
		if err != nil {
			return fmt.Errorf("read %s: %w", w.display(child.logical), err)
		}
		switch {
		case info.IsDir():
			if stack[child.real] {
				return exitcode.Invalid(fmt.Errorf("%s is a symbolic link to one of its own parent directories, %s, which would never end; remove it or list it in %s",
					w.display(child.logical), w.display(child.real), IgnoreFile))
			}
			child.name += "/"
			if err := w.add(File{Name: child.name, Source: child.real, ModTime: info.ModTime()}); err != nil {
				return err
			}
			stack[child.real] = true
			err := w.walk(child, bounds, stack)
			delete(stack, child.real)
			if err != nil {
				return err
			}
		case info.Mode().IsRegular():
			f := File{Name: child.name, Source: child.real, Exec: info.Mode()&0o111 != 0, Size: info.Size(), ModTime: info.ModTime()}
			if err := w.add(f); err != nil {
				return err
			}
		default:
			return exitcode.Invalid(fmt.Errorf("%s is a %s, not a regular file or directory; remove it or list it in %s",
				w.display(child.logical), kind(info.Mode()), IgnoreFile))
		}
	}
	return nil
}

// follow resolves the link at c, refusing it when it leads outside bounds.
func (w *walker) follow(c *place, bounds []string) error {
	target, _ := os.Readlink(c.real)
	resolved, err := filepath.EvalSymlinks(c.real)
	if err != nil {
		return exitcode.Invalid(fmt.Errorf("%s is a broken symbolic link to %s; fix or remove it, or list it in %s",
			w.display(c.logical), target, IgnoreFile))
	}
	for _, b := range bounds {
		if _, ok := within(b, resolved); ok {
			c.real = resolved
			return nil
		}
	}
	return exitcode.Invalid(fmt.Errorf("%s is a symbolic link to %s (%s), outside the project %s; copy what it points to into the project, or list the link in %s",
		w.display(c.logical), target, resolved, w.projectReal, IgnoreFile))
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}
