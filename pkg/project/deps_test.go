package project

import (
	"archive/zip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/pydeps"
)

func TestRequirementsSwitchComponentsToLaunchers(t *testing.T) {
	ctx := context.Background()
	dir := newProject(t)
	os.WriteFile(filepath.Join(dir, RequirementsFile), []byte("six\n"), 0o644)
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // nothing cached: Load must not resolve

	p, err := Load(ctx, Options{SpecPath: dir, Python: "-"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Requirements != filepath.Join(dir, RequirementsFile) {
		t.Errorf("Requirements = %q", p.Requirements)
	}
	for _, c := range p.Topology.Components {
		if c.Shell.ExecutionCommand != "python3" || c.Shell.Script != pydeps.LauncherPath(c.ID) {
			t.Errorf("%s runs %q", c.ID, c.Shell.Argv())
		}
		if _, ok := p.Topology.Files[pydeps.LauncherPath(c.ID)]; !ok {
			t.Errorf("no launcher for %s", c.ID)
		}
	}
	if p.Bundled() != nil {
		t.Error("Load resolved the requirements")
	}

	p, err = Load(ctx, Options{SpecPath: dir, Python: "-", Requirements: "-"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Topology.Components {
		if strings.HasPrefix(c.Shell.Script, "_stormpy/") {
			t.Errorf("with --requirements -, %s still runs %q", c.ID, c.Shell.Argv())
		}
	}

	_, err = Load(ctx, Options{SpecPath: dir, Python: "-", Requirements: filepath.Join(dir, "nope.txt")})
	if !errors.Is(err, exitcode.ErrInvalid) {
		t.Errorf("missing --requirements file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "stormpy.yaml"), []byte("python:\n  version: new\n"), 0o644)
	_, err = Load(ctx, Options{SpecPath: dir, Python: "-"})
	if !errors.Is(err, exitcode.ErrInvalid) || !strings.Contains(err.Error(), "stormpy.yaml:2:12") {
		t.Errorf("bad python section: %v", err)
	}
}

// TestTargetFromStormpyYAML bundles msgpack for the Python version that
// stormpy.yaml names, whatever the local one is.
func TestTargetFromStormpyYAML(t *testing.T) {
	if testing.Short() {
		t.Skip("resolves packages from the index; skipped with -short")
	}
	ctx := context.Background()
	dir := newProject(t)
	os.WriteFile(filepath.Join(dir, RequirementsFile), []byte("msgpack>=1.0\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "stormpy.yaml"), []byte("python:\n  version: 3.10\n"), 0o644)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	p, err := Load(ctx, Options{SpecPath: dir})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Package(ctx)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var ext []string
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "resources/_deps/msgpack/") && strings.HasSuffix(f.Name, ".so") {
			ext = append(ext, f.Name)
		}
	}
	if len(ext) != 1 || !strings.Contains(ext[0], "cpython-310-") {
		t.Errorf("msgpack extensions in the jar: %q, want one for CPython 3.10", ext)
	}
	if stale, err := p.JarStale(); err != nil || stale {
		t.Errorf("fresh jar with bundled packages: stale=%v err=%v", stale, err)
	}
}
