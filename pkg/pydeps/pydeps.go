// Package pydeps bundles a topology's Python dependencies into its jar.
//
// Resolve turns a requirements.txt into wheels built for the cluster's
// platform and Python version (not the build machine's), keeps them in a
// content-addressed cache so that a repeated build does no network work,
// and Bundle unpacks them deterministically into the files that go under
// resources/_deps/ in the jar. Launcher generates the small Python file a
// ShellComponent runs instead of the user's script, so components import
// the bundled packages with no change to their code and nothing installed
// on the workers. UnknownImports backs `stormpy validate`'s warnings about
// imports nothing provides.
package pydeps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DefaultPlatforms are the wheel platform tags accepted when none are set:
// manylinux2014 (glibc 2.17) on x86_64, which nearly every Linux cluster
// can load, and the older manylinux tags it is compatible with. pip does
// not expand a --platform into the older tags by itself, so each is listed.
var DefaultPlatforms = []string{
	"manylinux2014_x86_64",
	"manylinux_2_17_x86_64",
	"manylinux2010_x86_64",
	"manylinux_2_12_x86_64",
	"manylinux1_x86_64",
	"manylinux_2_5_x86_64",
}

// Options describe the target workers and how to run pip. The zero value
// targets DefaultPlatforms with the local python3's version.
type Options struct {
	// Python is the interpreter that runs pip (default "python3").
	Python string
	// PythonVersion is the workers' Python version, "3.11" or "311"
	// (default: the version of Python).
	PythonVersion string
	// Platforms are the accepted wheel platform tags (default
	// DefaultPlatforms).
	Platforms []string
	// Implementation is the Python implementation tag (default "cp").
	Implementation string
	// ABI is the accepted ABI tag (default Implementation+version, e.g.
	// "cp311"); pure-Python and abi3 wheels are accepted as well.
	ABI string
	// CacheDir holds resolved wheels (default os.UserCacheDir()/stormpy/wheels).
	CacheDir string
	// Refresh resolves again even when the cache holds a resolution.
	Refresh bool
	// Log receives pip's output as it runs; nil keeps it quiet and shows it
	// only in errors.
	Log io.Writer
	// Progress, when set, receives a line when pip starts resolving and
	// one when it is done, since that takes a while; a cache hit prints
	// nothing.
	Progress io.Writer
}

// withDefaults fills in unset options. Finding the local Python's version
// runs the interpreter (no network).
func (o Options) withDefaults(ctx context.Context) (Options, error) {
	if o.Python == "" {
		o.Python = "python3"
	}
	if o.PythonVersion == "" {
		out, err := exec.CommandContext(ctx, o.Python, "-c",
			"import sys; print('%d.%d' % sys.version_info[:2])").Output()
		if err != nil {
			return o, fmt.Errorf("find the version of %s (set the target Python version to skip this): %w", o.Python, err)
		}
		o.PythonVersion = strings.TrimSpace(string(out))
	}
	v, err := normalizeVersion(o.PythonVersion)
	if err != nil {
		return o, err
	}
	o.PythonVersion = v
	if len(o.Platforms) == 0 {
		o.Platforms = DefaultPlatforms
	}
	if o.Implementation == "" {
		o.Implementation = "cp"
	}
	if o.ABI == "" {
		o.ABI = o.Implementation + strings.ReplaceAll(o.PythonVersion, ".", "")
	}
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return o, fmt.Errorf("find the cache directory: %w", err)
		}
		o.CacheDir = filepath.Join(base, "stormpy", "wheels")
	}
	return o, nil
}

// normalizeVersion accepts "3.11", "311" or "3" style versions and returns
// the dotted form pip's --python-version takes.
func normalizeVersion(v string) (string, error) {
	v = strings.TrimSpace(v)
	bad := v == ""
	for _, r := range v {
		if (r < '0' || r > '9') && r != '.' {
			bad = true
		}
	}
	if bad {
		return "", fmt.Errorf("python version %q: want a version like 3.11", v)
	}
	if !strings.Contains(v, ".") && len(v) > 1 {
		v = v[:1] + "." + v[1:]
	}
	return v, nil
}

// major is the major Python version of the target, "2" or "3".
func (o Options) major() string {
	m, _, _ := strings.Cut(o.PythonVersion, ".")
	return m
}

// Resolution is the set of wheels a requirements file resolved to.
type Resolution struct {
	// Key is the cache key: a hash of the requirements and the target.
	Key string
	// Dir is the cache directory holding the wheels.
	Dir string
	// Wheels are sorted by file name.
	Wheels []Wheel
	// Cached says the resolution came from the cache, with no pip run.
	Cached bool
}

// Wheel is one resolved wheel.
type Wheel struct {
	// File is the wheel's file name inside Resolution.Dir.
	File string `json:"file"`
	// Name and Version come from the file name.
	Name    string `json:"name"`
	Version string `json:"version"`
	// SHA256 is the hex digest of the file, checked on every cache hit.
	SHA256 string `json:"sha256"`
}

// Path is the wheel's location on disk.
func (r *Resolution) Path(w Wheel) string { return filepath.Join(r.Dir, w.File) }

// Resolve returns the wheels requirementsFile resolves to for the target
// described by opts: from the cache when it holds this exact combination
// of requirements, target and pip settings, otherwise by running pip and
// storing the result. Packages without a usable wheel are reported all at
// once in an error marked invalid input.
func Resolve(ctx context.Context, requirementsFile string, opts Options) (*Resolution, error) {
	opts, err := opts.withDefaults(ctx)
	if err != nil {
		return nil, err
	}
	key, err := cacheKey(requirementsFile, opts, os.Environ())
	if err != nil {
		return nil, err
	}
	c := cache{dir: opts.CacheDir}
	if !opts.Refresh {
		res, err := c.load(key)
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, os.ErrNotExist) && opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "resolving again: %v\n", err)
		}
	}
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "resolving %s with pip for Python %s on %s (cached afterwards)\n",
			requirementsFile, opts.PythonVersion, opts.Platforms[0])
	}
	start := time.Now()
	res, err := c.store(key, func(dest string) error {
		return download(ctx, requirementsFile, dest, opts)
	})
	if err == nil && opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "resolved %d packages in %s\n", len(res.Wheels), time.Since(start).Round(100*time.Millisecond))
	}
	return res, err
}

// Lookup returns the cached resolution of requirementsFile for opts without
// running pip to resolve (it may run Python to find its version); the
// boolean is false when the cache holds none.
func Lookup(ctx context.Context, requirementsFile string, opts Options) (*Resolution, bool, error) {
	opts, err := opts.withDefaults(ctx)
	if err != nil {
		return nil, false, err
	}
	key, err := cacheKey(requirementsFile, opts, os.Environ())
	if err != nil {
		return nil, false, err
	}
	res, err := cache{dir: opts.CacheDir}.load(key)
	if err != nil {
		return nil, false, nil
	}
	return res, true, nil
}
