package project

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/stormpy/stormpy/pkg/config"
	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/pydeps"
	"github.com/stormpy/stormpy/pkg/spec"
)

// opener opens one file of the bundle; files stream from the cached
// wheels into the jar, so memory does not grow with the dependencies.
type opener = func() (io.ReadCloser, error)

// RequirementsFile is the file next to the spec whose packages are bundled
// into the jar when present.
const RequirementsFile = "requirements.txt"

// findRequirements returns the requirements file to bundle: the one named,
// none for "-", or else the spec directory's requirements.txt if there is
// one.
func findRequirements(dir, named string) (string, error) {
	switch named {
	case "-":
		return "", nil
	case "":
		path := filepath.Join(dir, RequirementsFile)
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			return path, nil
		}
		return "", nil
	}
	if st, err := os.Stat(named); err != nil || st.IsDir() {
		return "", exitcode.Invalid(fmt.Errorf("--requirements %s: no such file", named))
	}
	return named, nil
}

// targetFromConfig fills the target settings the caller left unset from
// the python section of the stormpy.yaml next to the spec.
func (p *Project) targetFromConfig() error {
	f, err := config.Load(p.Dir)
	if err != nil {
		return err
	}
	py := f.Python
	if p.deps.PythonVersion == "" {
		p.deps.PythonVersion = py.Version
	}
	if len(p.deps.Platforms) == 0 {
		p.deps.Platforms = py.Platforms
	}
	if p.deps.Implementation == "" {
		p.deps.Implementation = py.Implementation
	}
	if p.deps.ABI == "" {
		p.deps.ABI = py.ABI
	}
	return nil
}

// useLaunchers points every Python component at a generated launcher that
// puts the bundled packages first on sys.path and runs the component's
// script, so scripts import them unchanged on workers with nothing
// installed. Components that run another program are left alone.
func (p *Project) useLaunchers() {
	t := p.Topology
	for _, c := range t.Components {
		if c.Shell == nil {
			continue
		}
		launch, script, ok := pydeps.LaunchCommand(c.ID, c.Shell.Command)
		if !ok {
			continue
		}
		t.Files[pydeps.LauncherPath(c.ID)] = pydeps.Launcher(script)
		t.Relaunch(c, launch)
	}
}

// bundle resolves the requirements, from the cache when it can, and
// returns the files of resources/_deps; nil without requirements.
func (p *Project) bundle(ctx context.Context) (map[string]opener, error) {
	if p.Requirements == "" || p.bundled != nil {
		return p.bundled, nil
	}
	res, err := pydeps.Resolve(ctx, p.Requirements, p.deps)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", p.Requirements, err)
	}
	return p.keep(res)
}

// cachedBundle is bundle without running pip: the files when the cache
// already holds the resolution, else nil.
func (p *Project) cachedBundle() map[string]opener {
	if p.Requirements == "" || p.bundled != nil {
		return p.bundled
	}
	res, ok, err := pydeps.Lookup(context.Background(), p.Requirements, p.deps)
	if err != nil || !ok {
		return nil
	}
	files, _ := p.keep(res)
	return files
}

func (p *Project) keep(res *pydeps.Resolution) (map[string]opener, error) {
	files, err := pydeps.Bundle(res)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", p.Requirements, err)
	}
	p.bundled = make(map[string]opener, len(files))
	for _, f := range files {
		p.bundled[f.Path] = f.Open
	}
	p.resolution = res
	p.modules = pydeps.Modules(files)
	return p.bundled, nil
}

// Bundled is the resolution of the bundled requirements once known (after
// Package or Stage, or found in the cache by Load), or nil.
func (p *Project) Bundled() *pydeps.Resolution { return p.resolution }

// checkImports adds a warning for every import in a Python component's
// script that neither the standard library, resources/, nor the
// requirements provide. With a cached resolution it knows the modules the
// packages really install; otherwise it matches distribution names.
func (p *Project) checkImports(ctx context.Context, python string) {
	if python == "" {
		python = "python3"
	}
	if _, err := exec.LookPath(python); err != nil {
		return // the spec's compile check has said so already
	}
	var scripts []string
	seen := map[string]bool{}
	for _, c := range p.Topology.Components {
		if c.Shell == nil {
			continue
		}
		_, script, ok := pydeps.LaunchCommand(c.ID, c.Shell.Command)
		path := filepath.Join(p.ResourcesDir, script)
		if st, err := os.Stat(path); !ok || seen[path] || err != nil || st.IsDir() {
			continue
		}
		seen[path] = true
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		scripts = append(scripts, path)
	}
	// The jar carries stormpy's storm.py when resources/ has none.
	check := pydeps.ImportCheck{Python: python, Resources: p.ResourcesDir, Scripts: scripts, Modules: []string{"storm"}}
	if p.Requirements != "" {
		if p.cachedBundle() != nil {
			check.Modules = append(check.Modules, p.modules...)
		} else if names, err := pydeps.RequirementNames(p.Requirements); err == nil {
			check.Requirements = names
		}
	}
	warns, err := pydeps.UnknownImports(ctx, check)
	if err != nil {
		p.Spec.Warnings = append(p.Spec.Warnings, &spec.Error{Pos: spec.Pos{File: p.SpecPath}, Msg: "imports not checked: " + err.Error()})
		return
	}
	for _, w := range warns {
		p.Spec.Warnings = append(p.Spec.Warnings, &spec.Error{
			Pos: spec.Pos{File: shortPath(w.File), Line: w.Line, Col: w.Col}, Msg: w.Message, Hint: w.Hint})
	}
}

// shortPath shows a path relative to the working directory when that is
// shorter, as people type it.
func shortPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && len(rel) < len(p) {
			return rel
		}
	}
	return p
}
