package pydeps

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed importscan.py
var importScan string

// ImportCheck describes the scripts UnknownImports looks at and what
// provides modules to them.
type ImportCheck struct {
	// Python parses the scripts (default "python3"); it also decides what
	// the standard library is.
	Python string
	// Resources is the resources/ directory; modules and packages in it,
	// or next to a script, count as provided.
	Resources string
	// Scripts are the components' scripts, relative to Resources or
	// absolute.
	Scripts []string
	// Modules are the top-level modules the bundled requirements provide
	// (Modules of a resolved Bundle).
	Modules []string
	// Requirements are distribution names from a requirements file that
	// has not been resolved; a module counts as provided when its name
	// matches one after normalisation (case, "-", "_" and "." alike).
	Requirements []string
}

// Warning is a problem found at a position in a file.
type Warning struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Module  string `json:"module,omitempty"`
	Message string `json:"message"`
	// Hint says what to do about it.
	Hint string `json:"hint,omitempty"`
}

func (w Warning) String() string {
	s := fmt.Sprintf("%s:%d:%d: %s", w.File, w.Line, w.Col, w.Message)
	if w.Hint != "" {
		s += " (" + w.Hint + ")"
	}
	return s
}

type scanReport struct {
	Files []struct {
		File    string `json:"file"`
		Error   string `json:"error"`
		Line    int    `json:"line"`
		Col     int    `json:"col"`
		Imports []struct {
			Module  string `json:"module"`
			Line    int    `json:"line"`
			Col     int    `json:"col"`
			Stdlib  bool   `json:"stdlib"`
			Guarded bool   `json:"guarded"`
		} `json:"imports"`
	} `json:"files"`
}

// UnknownImports warns about absolute imports in the scripts that neither
// the standard library, resources/, nor the requirements provide: on the
// workers they would fail with an ImportError. Imports guarded by a try
// that catches ImportError, and those under `if TYPE_CHECKING:`, are
// optional and skipped. A script Python cannot parse gets a warning too.
func UnknownImports(ctx context.Context, c ImportCheck) ([]Warning, error) {
	if len(c.Scripts) == 0 {
		return nil, nil
	}
	python := c.Python
	if python == "" {
		python = "python3"
	}
	paths := make([]string, len(c.Scripts))
	for i, s := range c.Scripts {
		paths[i] = s
		if !filepath.IsAbs(s) {
			paths[i] = filepath.Join(c.Resources, s)
		}
	}
	// -E -s (what -I implies, but Python 2.7 knows them too) keep the
	// user's PYTHON* variables and site-packages out of what counts as the
	// standard library.
	cmd := exec.CommandContext(ctx, python, append([]string{"-E", "-s", "-c", importScan}, paths...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	setProcAttrs(cmd)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("check imports: %w", ctx.Err())
		}
		return nil, fmt.Errorf("check imports with %s: %w: %s", python, err, strings.TrimSpace(stderr.String()))
	}
	var rep scanReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return nil, fmt.Errorf("check imports: read %s's report: %w", python, err)
	}
	provided := map[string]bool{}
	for _, m := range c.Modules {
		provided[m] = true
	}
	reqs := map[string]bool{}
	for _, r := range c.Requirements {
		reqs[moduleKey(r)] = true
		// zope.interface, backports.zoneinfo: namespace packages whose
		// distribution name starts with the module imported.
		if ns, _, ok := strings.Cut(r, "."); ok {
			reqs[moduleKey(ns)] = true
		}
	}
	var warns []Warning
	for i, f := range rep.Files {
		shown := c.Scripts[i]
		if f.Error != "" {
			warns = append(warns, Warning{File: shown, Line: f.Line, Col: f.Col,
				Message: fmt.Sprintf("imports not checked: %s cannot parse the script: %s", python, f.Error)})
			continue
		}
		local := map[string]bool{}
		for _, im := range f.Imports {
			m := im.Module
			if im.Stdlib || im.Guarded || provided[m] || reqs[moduleKey(m)] {
				continue
			}
			if _, ok := local[m]; !ok {
				local[m] = localModule(m, c.Resources, filepath.Dir(paths[i]))
			}
			if local[m] {
				continue
			}
			warns = append(warns, Warning{File: shown, Line: im.Line, Col: im.Col, Module: m,
				Message: fmt.Sprintf("import of %q: not in the standard library, in resources/, or in the requirements", m),
				Hint:    "add its package to requirements.txt, or put it in resources/"})
		}
	}
	sort.SliceStable(warns, func(i, j int) bool {
		a, b := warns[i], warns[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return warns, nil
}

// moduleKey folds the differences between a distribution name and the
// module it usually installs ("Foo-Bar" → "foo_bar").
func moduleKey(s string) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToLower(s))
}

// localModule says whether a module or package named m sits in one of dirs.
func localModule(m string, dirs ...string) bool {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(d, m)); err == nil && fi.IsDir() {
			return true
		}
		matches, _ := filepath.Glob(filepath.Join(d, m+".*"))
		for _, p := range matches {
			ext := filepath.Ext(p)
			if ext == ".py" || ext == ".so" || ext == ".pyd" || ext == ".pyc" {
				return true
			}
		}
	}
	return false
}

// RequirementNames returns the distribution names a requirements file (and
// the files it includes with -r) asks for, for checks that run without
// resolving it.
func RequirementNames(requirementsFile string) ([]string, error) {
	var names []string
	var walk func(path string, depth int) error
	walk = func(path string, depth int) error {
		if depth > 10 {
			return fmt.Errorf("requirements %s: includes nested too deeply", path)
		}
		lines, err := requirementLines(path)
		if err != nil {
			return err
		}
		for _, l := range lines {
			t := l.text
			if strings.HasPrefix(t, "-") {
				if inc := includedFile(t); inc != "" && (strings.HasPrefix(t, "-r") || strings.HasPrefix(t, "--requirement")) {
					if !filepath.IsAbs(inc) {
						inc = filepath.Join(filepath.Dir(path), inc)
					}
					if err := walk(inc, depth+1); err != nil {
						return err
					}
				}
				continue
			}
			if strings.Contains(t, "://") && !strings.Contains(t, " @ ") {
				if _, egg, ok := strings.Cut(t, "#egg="); ok {
					names = append(names, reqName(egg))
				}
				continue
			}
			if n := reqName(t); n != "" {
				names = append(names, n)
			}
		}
		return nil
	}
	if err := walk(requirementsFile, 0); err != nil {
		return nil, err
	}
	return names, nil
}
