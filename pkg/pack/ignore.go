package pack

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"strings"
)

// IgnoreFile is the name of the file in a project directory that lists
// what to leave out of the jar, in .gitignore syntax.
const IgnoreFile = ".stormpyignore"

// Matcher decides which paths an ignore file leaves out. It follows
// .gitignore semantics for what people write in practice:
//
//   - blank lines and lines starting with # are skipped; trailing spaces are
//     dropped; a backslash escapes a leading # or !, or a trailing space;
//   - "!pattern" re-includes what an earlier pattern left out (but nothing
//     inside a directory that is left out, since it is never read);
//   - "pattern/" matches directories only;
//   - a pattern with a slash at the start or in the middle is anchored to
//     the directory of the ignore file; without one it matches a name at any
//     depth;
//   - "*" and "?" match within one path element, "[a-z]" a class; "**/"
//     at the start, "/**" at the end and "/**/" in the middle match any
//     number of directories.
//
// The last matching pattern wins.
type Matcher struct {
	rules []rule
}

type rule struct {
	negate  bool
	dirOnly bool
	elems   []string // the pattern split at "/"; "**" is an element of its own
}

// ParseIgnore reads patterns from r; name is used in error messages.
func ParseIgnore(r io.Reader, name string) (*Matcher, error) {
	m := &Matcher{}
	sc := bufio.NewScanner(r)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		rl, ok, err := parseRule(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lineNo, err)
		}
		if ok {
			m.rules = append(m.rules, rl)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return m, nil
}

func parseRule(line string) (rule, bool, error) {
	// Trailing spaces go, unless the last one is escaped.
	for strings.HasSuffix(line, " ") && !strings.HasSuffix(line, `\ `) {
		line = line[:len(line)-1]
	}
	if line == "" || strings.HasPrefix(line, "#") {
		return rule{}, false, nil
	}
	var r rule
	switch {
	case strings.HasPrefix(line, "!"):
		r.negate = true
		line = line[1:]
	case strings.HasPrefix(line, `\!`), strings.HasPrefix(line, `\#`):
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		r.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if line == "" {
		return rule{}, false, fmt.Errorf("pattern %q matches nothing", "/")
	}
	anchored := strings.Contains(line, "/")
	line = strings.TrimPrefix(line, "/")
	r.elems = strings.Split(line, "/")
	if !anchored {
		r.elems = append([]string{"**"}, r.elems...)
	}
	// "**/**" means what "**" means; collapsing them keeps matching from
	// trying every split of a path between them.
	elems := r.elems[:0]
	for _, e := range r.elems {
		if e == "**" && len(elems) > 0 && elems[len(elems)-1] == "**" {
			continue
		}
		elems = append(elems, e)
	}
	r.elems = elems
	for i, e := range r.elems {
		if e == "" {
			return rule{}, false, fmt.Errorf("pattern %q has an empty path element", line)
		}
		if strings.Contains(e, "**") && e != "**" {
			// Like git: "**" next to other characters is two plain stars.
			r.elems[i] = strings.ReplaceAll(e, "**", "*")
		}
		if _, err := path.Match(r.elems[i], ""); err != nil {
			return rule{}, false, fmt.Errorf("bad pattern %q: %w", line, err)
		}
	}
	return r, true, nil
}

// Match reports whether the slash-separated path rel (relative to the
// ignore file's directory) is left out. isDir says whether it is a
// directory. Callers do not descend into left-out directories.
func (m *Matcher) Match(rel string, isDir bool) bool {
	if m == nil {
		return false
	}
	elems := strings.Split(rel, "/")
	ignored := false
	for _, r := range m.rules {
		if r.dirOnly && !isDir {
			continue
		}
		if matchElems(r.elems, elems) {
			ignored = !r.negate
		}
	}
	return ignored
}

// matchElems matches a pattern's elements against a path's, with "**"
// standing for any number (zero included) of path elements. A trailing
// "**" must match at least one, as in git, where "dir/**" matches what is
// inside dir but not dir itself.
func matchElems(pat, elems []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			if len(pat) == 1 {
				return len(elems) > 0
			}
			for i := 0; i <= len(elems); i++ {
				if matchElems(pat[1:], elems[i:]) {
					return true
				}
			}
			return false
		}
		if len(elems) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], elems[0]); !ok {
			return false
		}
		pat, elems = pat[1:], elems[1:]
	}
	return len(elems) == 0
}
