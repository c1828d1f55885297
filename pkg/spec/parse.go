package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

// Options control how a spec is loaded.
type Options struct {
	// Filters are Flux's ${...} substitutions.
	Filters Filters
	// Name, when set, overrides the spec's name (submit --name).
	Name string
	// ResourcesDir, when set, enables the checks that each component's
	// script exists there and, for Python, compiles.
	ResourcesDir string
	// Python is the interpreter for compile checks: "python3" when empty;
	// "-" turns the compile check off.
	Python string
	// ReadFile reads the spec and its includes; os.ReadFile when nil.
	ReadFile func(string) ([]byte, error)
}

// maxIncludeDepth bounds nested includes; Flux itself stops at one level.
const maxIncludeDepth = 8

// Load reads, parses and validates the spec at path with its includes.
// The error, when not nil, is classified exitcode.ErrInvalid and lists
// every problem found, each as FILE:LINE:COL: message.
func Load(path string, opts Options) (*Spec, error) {
	read := opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	data, err := read(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, exitcode.Invalid(fmt.Errorf("%s: no such file; run stormpy in a project directory or pass the path of its topology.yaml", path))
		}
		return nil, exitcode.Invalid(fmt.Errorf("read spec: %w", err))
	}
	return Parse(path, data, opts)
}

// Parse parses and validates a spec's text; file names it in messages and
// anchors relative includes.
func Parse(file string, data []byte, opts Options) (*Spec, error) {
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	p := &problems{}
	l := &loader{opts: opts, p: p, active: map[string]bool{}}
	raw := l.parseFile(file, data, 0)
	s := merge(raw, l.included)
	s.File = file
	s.Sources = l.sources
	if opts.Name != "" {
		s.Name = opts.Name
	}
	s.Warnings = append(s.Warnings, p.warnings...)
	validate(s, raw, opts, p)
	if err := p.err(); err != nil {
		return nil, exitcode.Invalid(err)
	}
	return s, nil
}

type loader struct {
	opts     Options
	p        *problems
	active   map[string]bool
	included []included
	sources  []string
}

type included struct {
	raw      *rawSpec
	override bool
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (l *loader) parseFile(file string, data []byte, depth int) *rawSpec {
	abs, _ := filepath.Abs(file)
	l.active[abs] = true
	l.sources = append(l.sources, file)
	defer delete(l.active, abs)

	data = l.opts.Filters.substitute(file, data, l.p)
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		l.p.add(yamlErrPos(file, err), "", "%s", yamlErrMsg(err))
		return &rawSpec{file: file, failed: true}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.p.add(Pos{File: file, Line: extra.Line, Col: 1}, "keep one topology per file", "the spec has more than one YAML document")
	}
	d := &decoder{file: file, p: l.p}
	raw := d.document(&root)
	for _, inc := range raw.includes {
		path := inc.file
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(file), path)
		}
		incAbs, _ := filepath.Abs(path)
		if l.active[incAbs] {
			l.p.add(inc.pos, "remove the include that closes the cycle", "include cycle: %s includes itself", inc.file)
			continue
		}
		if depth+1 > maxIncludeDepth {
			l.p.add(inc.pos, "", "includes are nested more than %d levels deep", maxIncludeDepth)
			continue
		}
		incData, err := l.opts.ReadFile(path)
		if err != nil {
			l.p.add(inc.pos, "the path is relative to the including file", "cannot read include %s: %v", inc.file, unwrapPathErr(err))
			continue
		}
		child := l.parseFile(path, incData, depth+1)
		l.included = append(l.included, included{raw: child, override: inc.override})
	}
	return raw
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func yamlErrPos(file string, err error) Pos {
	if m := yamlLine.FindStringSubmatch(firstLine(err.Error())); m != nil {
		n, _ := strconv.Atoi(m[1])
		return Pos{File: file, Line: n, Col: 1}
	}
	return Pos{File: file, Line: 1, Col: 1}
}

func yamlErrMsg(err error) string {
	msg := firstLine(err.Error())
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return "invalid YAML: " + m[2]
	}
	return "invalid YAML: " + msg
}

func firstLine(s string) string {
	if i := bytes.IndexByte([]byte(s), '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// merge combines a spec with its includes the way Flux does: included
// components and config keys are added when absent, or replace existing
// ones when the include says `override: true`; included streams are added.
func merge(top *rawSpec, incs []included) *Spec {
	s := &Spec{Name: top.name, NamePos: top.namePos, Config: top.config}
	s.Spouts = append(s.Spouts, top.spouts...)
	s.Bolts = append(s.Bolts, top.bolts...)
	s.Streams = append(s.Streams, top.streams...)
	for _, inc := range incs {
		r := inc.raw
		if !top.hasName && r.hasName && s.Name == "" {
			s.Name, s.NamePos = r.name, r.namePos
		}
		if len(r.config) > 0 && s.Config == nil {
			s.Config = map[string]any{}
		}
		for k, v := range r.config {
			if _, ok := s.Config[k]; !ok || inc.override {
				s.Config[k] = v
			}
		}
		s.Spouts = mergeComponents(s.Spouts, r.spouts, inc.override)
		s.Bolts = mergeComponents(s.Bolts, r.bolts, inc.override)
		s.Streams = append(s.Streams, r.streams...)
	}
	return s
}

func mergeComponents(have, add []*Component, override bool) []*Component {
	for _, c := range add {
		replaced := false
		for i, h := range have {
			if h.ID == c.ID && c.ID != "" {
				if override {
					have[i] = c
				}
				replaced = true
				break
			}
		}
		if !replaced {
			have = append(have, c)
		}
	}
	return have
}
