// Package project ties a topology spec to its resources directory and its
// jar: it loads and validates the spec, builds the topology model, and
// packages or stages exactly what the cluster will run. The commands
// package, submit and run all start here, so they agree on every detail.
package project

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/pack"
	"github.com/stormpy/stormpy/pkg/pydeps"
	"github.com/stormpy/stormpy/pkg/spec"
	"github.com/stormpy/stormpy/pkg/topology"
	"github.com/stormpy/stormpy/resources"
)

// DefaultSpec is the spec file looked for when none is named.
const DefaultSpec = "topology.yaml"

// Options say which spec to load and how.
type Options struct {
	// SpecPath is the spec file, or a directory holding topology.yaml;
	// empty means ./topology.yaml.
	SpecPath string
	// Filter is a .properties file for ${key} substitution.
	Filter string
	// EnvFilter enables ${ENV-NAME} substitution.
	EnvFilter bool
	// Overrides are typed -c key=value settings over the spec's config.
	Overrides map[string]any
	// Name overrides the topology name.
	Name string
	// Python is the interpreter for compile checks ("-" skips them).
	Python string
	// Version is stormpy's version, written into the jar's manifest.
	Version string
	// Requirements is a requirements.txt whose packages go into the jar
	// under resources/_deps; empty means the spec directory's
	// requirements.txt when there is one, "-" means none.
	Requirements string
	// Deps describe the workers' platform and Python version for the
	// bundled packages.
	Deps pydeps.Options
}

// Project is a loaded, validated topology project.
type Project struct {
	// Dir is the directory of the spec.
	Dir string
	// SpecPath is the spec file.
	SpecPath string
	// ResourcesDir is Dir/resources, the tree the jar carries.
	ResourcesDir string
	// Spec is the parsed spec, Topology the model built from it.
	Spec     *spec.Spec
	Topology *topology.Topology
	// JarPath is where Package writes: Dir/target/<name>.jar.
	JarPath string
	// Requirements is the requirements file whose packages are bundled,
	// or "".
	Requirements string

	filter  string
	version string

	deps       pydeps.Options
	bundled    map[string]opener // resources/_deps, once resolved
	resolution *pydeps.Resolution
	modules    []string // top-level modules the bundle provides
}

// Load reads and validates a project. Invalid input returns an error
// classified exitcode.ErrInvalid that lists every problem.
func Load(ctx context.Context, o Options) (*Project, error) {
	specPath := o.SpecPath
	if specPath == "" {
		specPath = DefaultSpec
	}
	if st, err := os.Stat(specPath); err == nil && st.IsDir() {
		specPath = filepath.Join(specPath, DefaultSpec)
	}
	dir := filepath.Dir(specPath)
	p := &Project{
		Dir:          dir,
		SpecPath:     specPath,
		ResourcesDir: filepath.Join(dir, "resources"),
		filter:       o.Filter,
		version:      o.Version,
		deps:         o.Deps,
	}
	if st, err := os.Stat(p.ResourcesDir); err != nil || !st.IsDir() {
		if _, serr := os.Stat(specPath); serr == nil {
			return nil, exitcode.Invalid(fmt.Errorf("%s: no resources directory next to the spec; create it and put the components' scripts in it", p.ResourcesDir))
		}
	}
	sopts := spec.Options{Name: o.Name, ResourcesDir: p.ResourcesDir, Python: o.Python, Filters: spec.Filters{Env: o.EnvFilter}}
	if o.Filter != "" {
		props, err := spec.LoadProperties(o.Filter)
		if err != nil {
			return nil, exitcode.Invalid(fmt.Errorf("--filter %s: %w", o.Filter, err))
		}
		sopts.Filters.Properties, sopts.Filters.PropertiesFile = props, o.Filter
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s, err := spec.Load(specPath, sopts)
	if err != nil {
		return nil, err
	}
	t, err := topology.Build(s, o.Overrides)
	if err != nil {
		return nil, exitcode.Invalid(err)
	}
	p.Spec, p.Topology = s, t
	p.JarPath = filepath.Join(dir, "target", t.Name+".jar")
	if p.Requirements, err = findRequirements(dir, o.Requirements); err != nil {
		return nil, err
	}
	if p.Requirements != "" {
		if err := p.targetFromConfig(); err != nil {
			return nil, err
		}
		p.useLaunchers()
	}
	if o.Python != "-" {
		p.checkImports(ctx, o.Python)
	}
	return p, nil
}

// packOptions describes the jar; deps are the bundled packages' files,
// which go in with the generated ones.
func (p *Project) packOptions(out string, deps map[string]opener) pack.Options {
	// pack resolves a relative ResourcesDir against ProjectDir, while ours
	// is relative to the working directory: hand it an absolute one.
	resDir, err := filepath.Abs(p.ResourcesDir)
	if err != nil {
		resDir = p.ResourcesDir
	}
	return pack.Options{
		ProjectDir:   p.Dir,
		ResourcesDir: resDir,
		Output:       out,
		Generated:    p.Topology.Files,
		Streamed:     deps,
		StormPy:      resources.StormPy,
		Version:      p.version,
	}
}

// Package writes the jar to JarPath.
func (p *Project) Package(ctx context.Context) (*pack.Result, error) {
	return p.PackageTo(ctx, p.JarPath)
}

// PackageTo writes the jar to out, atomically, resolving the requirements
// first.
func (p *Project) PackageTo(ctx context.Context, out string) (*pack.Result, error) {
	deps, err := p.bundle(ctx)
	if err != nil {
		return nil, err
	}
	return pack.Package(ctx, p.packOptions(out, deps))
}

// Stage writes exactly the jar's resources/ tree into dir, so that a local
// run executes what the cluster would.
func (p *Project) Stage(ctx context.Context, dir string) error {
	deps, err := p.bundle(ctx)
	if err != nil {
		return err
	}
	return pack.Stage(ctx, p.packOptions("", deps), dir)
}

// Files lists the jar's entries besides the manifest. The bundled packages
// are listed only when their resolution is cached: Files never runs pip.
func (p *Project) Files() ([]pack.File, error) {
	return pack.Files(p.packOptions("", p.cachedBundle()))
}

// JarStale reports whether JarPath is missing or older than any input: the
// spec and its includes, the filter file, or a file of the resources tree.
func (p *Project) JarStale() (bool, error) {
	st, err := os.Stat(p.JarPath)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	built := st.ModTime()
	inputs := append([]string{}, p.Spec.Sources...)
	if p.filter != "" {
		inputs = append(inputs, p.filter)
	}
	if p.Requirements != "" {
		inputs = append(inputs, p.Requirements)
	}
	for _, in := range inputs {
		if ist, err := os.Stat(in); err == nil && ist.ModTime().After(built) {
			return true, nil
		}
	}
	files, err := p.Files()
	if err != nil {
		return false, err
	}
	for _, f := range files {
		if f.ModTime.After(built) {
			return true, nil
		}
	}
	// A file removed from resources/ leaves no newer time behind; compare
	// the jar's file names too.
	return !sameFiles(p.JarPath, files), nil
}

// sameFiles reports whether the jar holds exactly the given files.
func sameFiles(jarPath string, files []pack.File) bool {
	zr, err := zip.OpenReader(jarPath)
	if err != nil {
		return false
	}
	defer zr.Close()
	want := map[string]bool{}
	for _, f := range files {
		if !f.IsDir() {
			want[f.Name] = true
		}
	}
	n := 0
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") || strings.HasPrefix(f.Name, "META-INF/") {
			continue
		}
		if !want[f.Name] {
			return false
		}
		n++
	}
	return n == len(want)
}
