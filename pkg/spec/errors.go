package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/stormpy/stormpy/pkg/suggest"
)

// Pos is a position in a spec file; Line and Col are 1-based.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is one problem found in a spec, at a position, with an optional
// hint saying what to do about it.
type Error struct {
	Pos  Pos
	Msg  string
	Hint string
}

func (e *Error) Error() string {
	s := e.Pos.String() + ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// problems collects every Error found during parsing and validation, so
// that a user sees all of them at once.
type problems struct {
	errs     []*Error
	warnings []*Error
}

func (p *problems) warn(pos Pos, hint string, format string, args ...any) {
	p.warnings = append(p.warnings, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (p *problems) add(pos Pos, hint string, format string, args ...any) {
	p.errs = append(p.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// err returns the collected problems sorted by position as one
// *multierror.Error, or nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i].Pos, p.errs[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	var m *multierror.Error
	for _, e := range p.errs {
		m = multierror.Append(m, e)
	}
	m.ErrorFormat = formatList
	return m
}

// formatList prints one problem per line, with a count when there are
// several, which reads better in a terminal than multierror's bullets.
func formatList(errs []error) string {
	lines := make([]string, 0, len(errs)+1)
	if len(errs) > 1 {
		lines = append(lines, fmt.Sprintf("%d problems in the topology spec:", len(errs)))
	}
	for _, e := range errs {
		lines = append(lines, e.Error())
	}
	return strings.Join(lines, "\n")
}

// Problems returns the individual spec problems inside err, or nil when
// err holds none.
func Problems(err error) []*Error {
	var out []*Error
	if m, ok := err.(*multierror.Error); ok {
		for _, e := range m.Errors {
			if se, ok := e.(*Error); ok {
				out = append(out, se)
			}
		}
		return out
	}
	if se, ok := err.(*Error); ok {
		return []*Error{se}
	}
	return nil
}

func didYouMean(s string, candidates []string) string {
	if c := suggest.Closest(s, candidates); c != "" {
		return "did you mean " + quote(c) + "?"
	}
	return ""
}

func quote(s string) string { return "\"" + s + "\"" }
