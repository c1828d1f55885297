package pydeps

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

// MissingWheel is a package for which no wheel usable on the target exists.
type MissingWheel struct {
	Name   string
	Reason string
}

// MissingWheelsError lists every package that kept a resolution from
// succeeding for lack of a wheel for the target.
type MissingWheelsError struct {
	// Target describes the target, e.g.
	// "Python 3.11, cp/cp311, on manylinux2014_x86_64".
	Target   string
	Packages []MissingWheel
}

func (e *MissingWheelsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no usable wheel for %d package(s) on the target (%s):", len(e.Packages), e.Target)
	for _, p := range e.Packages {
		fmt.Fprintf(&b, "\n  %s: %s", p.Name, p.Reason)
	}
	b.WriteString("\npin versions that publish wheels for the target, choose other packages, or set the target's Python version and platforms in stormpy.yaml")
	return b.String()
}

// resolver runs pip for one resolution and remembers what it learnt, so
// that a package is built or diagnosed only once.
type resolver struct {
	opts    Options
	dir     string // where pip runs: the requirements file's directory
	scratch string // pip's TMPDIR and build output, removed afterwards
	built   string // pure-Python wheels built from sdists (--find-links)
	// options are the requirements file's option lines (index URLs,
	// find-links, constraints with absolute paths), repeated for the pip
	// runs that look at one requirement alone.
	options []string
	tried   map[string]bool
	missing map[string]string // normalized name → reason
	names   map[string]string // normalized name → name as pip printed it
}

// download resolves requirementsFile into wheels saved in dest.
func download(ctx context.Context, requirementsFile, dest string, opts Options) error {
	// Local paths in the file are relative to it, whatever directory
	// stormpy runs in.
	requirementsFile, err := filepath.Abs(requirementsFile)
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "stormpy-pydeps-")
	if err != nil {
		return fmt.Errorf("create scratch directory: %w", err)
	}
	defer os.RemoveAll(scratch)
	r := &resolver{
		opts:    opts,
		dir:     filepath.Dir(requirementsFile),
		scratch: scratch,
		built:   filepath.Join(scratch, "built"),
		tried:   map[string]bool{},
		missing: map[string]string{},
		names:   map[string]string{},
	}
	if err := os.Mkdir(r.built, 0o755); err != nil {
		return err
	}
	lines, err := requirementLines(requirementsFile)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if opt := fileOption(l.text, r.dir); opt != "" {
			r.options = append(r.options, opt)
		}
	}
	err = r.fetch(ctx, []string{"-r", requirementsFile}, dest)
	if err == nil || ctx.Err() != nil || len(r.missing) == 0 {
		return err
	}
	// pip stops at the first package it cannot satisfy; resolve each
	// top-level requirement alone to find every other one, so the user
	// learns about all of them at once.
	for _, l := range lines {
		if strings.HasPrefix(l.text, "-") {
			continue
		}
		probe, err := os.MkdirTemp(scratch, "probe-")
		if err != nil {
			return err
		}
		alone, err := r.alone(l.text)
		if err != nil {
			return err
		}
		_ = r.fetch(ctx, alone, probe)
		if ctx.Err() != nil {
			return fmt.Errorf("resolve requirements: %w", ctx.Err())
		}
	}
	return exitcode.Invalid(r.missingError())
}

func (r *resolver) target() string {
	return fmt.Sprintf("Python %s, %s/%s, on %s", r.opts.PythonVersion, r.opts.Implementation, r.opts.ABI, strings.Join(r.opts.Platforms, ", "))
}

func (r *resolver) missingError() error {
	e := &MissingWheelsError{Target: r.target()}
	for n, reason := range r.missing {
		e.Packages = append(e.Packages, MissingWheel{Name: r.names[n], Reason: reason})
	}
	sort.Slice(e.Packages, func(i, j int) bool { return e.Packages[i].Name < e.Packages[j].Name })
	return e
}

// alone returns pip arguments for req by itself under the requirements
// file's options: a scratch requirements file holding both.
func (r *resolver) alone(req string) ([]string, error) {
	if len(r.options) == 0 {
		return []string{req}, nil
	}
	f, err := os.CreateTemp(r.scratch, "req-*.txt")
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintf(f, "%s\n%s\n", strings.Join(r.options, "\n"), req)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("write scratch requirements: %w", err)
	}
	return []string{"-r", f.Name()}, nil
}

// fileOption returns a requirements line that is a global option to carry
// over to another file (with a constraints file made absolute, as it is
// relative to dir), or "" for a requirement or an include.
func fileOption(l, dir string) string {
	if !strings.HasPrefix(l, "-") {
		return ""
	}
	for _, p := range []string{"-r", "--requirement", "-e", "--editable"} {
		if strings.HasPrefix(l, p) {
			return ""
		}
	}
	if inc := includedFile(l); inc != "" {
		if !filepath.IsAbs(inc) {
			inc = filepath.Join(dir, inc)
		}
		return "--constraint " + inc
	}
	return l
}

// targetArgs restrict pip to wheels for the target.
func (r *resolver) targetArgs() []string {
	args := []string{"--only-binary=:all:", "--python-version", r.opts.PythonVersion,
		"--implementation", r.opts.Implementation, "--abi", r.opts.ABI,
		"--find-links", r.built}
	for _, p := range r.opts.Platforms {
		args = append(args, "--platform", p)
	}
	return args
}

// fetch runs pip download for reqArgs, building pure-Python wheels from
// source distributions for the packages that lack a wheel and retrying,
// until pip succeeds or makes no more progress.
func (r *resolver) fetch(ctx context.Context, reqArgs []string, dest string) error {
	for {
		args := append([]string{"download", "--dest", dest}, r.targetArgs()...)
		out, err := r.pip(ctx, append(args, reqArgs...)...)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("resolve requirements: %w", ctx.Err())
		}
		progress := false
		for _, u := range unsatisfied(out) {
			if r.tried[u.req] {
				continue
			}
			r.tried[u.req] = true
			name := reqName(u.req)
			if name == "" {
				continue
			}
			if _, known := r.missing[normalizeName(name)]; known {
				continue
			}
			if u.conflict && r.hasWheel(ctx, u.req) {
				// A genuine version conflict, not a missing wheel.
				continue
			}
			ok, reason := r.buildPure(ctx, u.req, u.versions)
			if ctx.Err() != nil {
				return fmt.Errorf("resolve requirements: %w", ctx.Err())
			}
			if ok {
				progress = true
				continue
			}
			r.missing[normalizeName(name)] = reason
			r.names[normalizeName(name)] = name
		}
		if !progress {
			if len(r.missing) > 0 {
				return r.missingError()
			}
			return pipFailure(out, err)
		}
	}
}

// hasWheel says whether req alone has a wheel for the target.
func (r *resolver) hasWheel(ctx context.Context, req string) bool {
	dir, err := os.MkdirTemp(r.scratch, "has-")
	if err != nil {
		return false
	}
	alone, err := r.alone(req)
	if err != nil {
		return false
	}
	args := append([]string{"download", "--no-deps", "--dest", dir}, r.targetArgs()...)
	_, err = r.pip(ctx, append(args, alone...)...)
	return err == nil
}

// buildPure builds req's source distribution into a wheel and keeps it if
// it is pure Python for the target's major version; otherwise it returns
// why not.
func (r *resolver) buildPure(ctx context.Context, req, versions string) (bool, string) {
	noWheel := "no wheel for the target"
	if versions != "" && versions != "none" {
		noWheel = fmt.Sprintf("no wheel for the target matches %s (versions with one: %s)", req, versions)
	}
	dir, err := os.MkdirTemp(r.scratch, "wheel-")
	if err != nil {
		return false, noWheel
	}
	alone, err := r.alone(req)
	if err != nil {
		return false, noWheel
	}
	out, err := r.pip(ctx, append([]string{"wheel", "--no-deps", "--no-binary", reqName(req), "--wheel-dir", dir}, alone...)...)
	if err != nil {
		if s := pipErrorLine(out); strings.Contains(s, "No matching distribution") || strings.Contains(s, "Could not find a version") {
			return false, noWheel + ", and no source distribution to build one from"
		}
		return false, noWheel + "; building its source distribution failed: " + pipErrorLine(out)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".whl") {
			continue
		}
		_, _, tags, err := parseWheelName(e.Name())
		if err != nil || !pureFor(tags, r.opts.major()) {
			return false, fmt.Sprintf("%s; its source distribution builds %s, which is not pure Python for Python %s", noWheel, e.Name(), r.opts.major())
		}
		if err := os.Rename(filepath.Join(dir, e.Name()), filepath.Join(r.built, e.Name())); err != nil {
			return false, noWheel + "; keeping the built wheel failed: " + err.Error()
		}
		return true, ""
	}
	return false, noWheel + "; building its source distribution produced no wheel"
}

// pureFor says whether a wheel's tags (python-abi-platform) install on any
// platform with the given major Python version.
func pureFor(tags [3]string, major string) bool {
	if tags[1] != "none" || tags[2] != "any" {
		return false
	}
	for _, py := range strings.Split(tags[0], ".") {
		if py == "py"+major || (strings.HasPrefix(py, "py"+major) && len(py) > 3) {
			return true
		}
	}
	return false
}

// pip runs python -m pip with args and returns its combined output, which
// also goes to opts.Log when set.
func (r *resolver) pip(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, r.opts.Python, append([]string{"-m", "pip"}, args...)...)
	var buf bytes.Buffer
	var w io.Writer = &buf
	if r.opts.Log != nil {
		w = io.MultiWriter(&buf, r.opts.Log)
	}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(),
		"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PIP_PROGRESS_BAR=off",
		"TMPDIR="+r.scratch)
	setProcAttrs(cmd)
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return buf.String(), fmt.Errorf("run %s -m pip: %w", r.opts.Python, err)
	}
	return buf.String(), err
}

// pipFailure is the error for a pip run that failed for a reason other
// than missing wheels; it carries the end of pip's output.
func pipFailure(out string, err error) error {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > 25 {
		lines = lines[len(lines)-25:]
	}
	e := fmt.Errorf("pip could not resolve the requirements (%w):\n%s", err, strings.Join(lines, "\n"))
	if strings.Contains(out, "ResolutionImpossible") || strings.Contains(out, "No matching distribution") ||
		strings.Contains(out, "Invalid requirement") {
		return exitcode.Invalid(e)
	}
	return e
}

// pipErrorLine returns pip's last "ERROR:" line, or its last line.
func pipErrorLine(out string) string {
	last := ""
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		t := strings.TrimSpace(sc.Text())
		if t == "" {
			continue
		}
		if s, ok := strings.CutPrefix(t, "ERROR: "); ok {
			last = s
		} else if last == "" || !strings.HasPrefix(last, "ERROR") {
			last = t
		}
	}
	return last
}

// unsatisfiedReq is a requirement pip could not satisfy: one it found no
// candidate for, or one a conflict report names.
type unsatisfiedReq struct {
	req      string
	versions string // pip's "(from versions: …)" list
	conflict bool
}

// unsatisfied extracts the requirements pip could not satisfy from its
// output: "Could not find a version that satisfies the requirement R
// (from versions: …)" lines, and the "X depends on R" lines of a
// ResolutionImpossible report, which is how pip reports a dependency
// without a usable wheel.
func unsatisfied(out string) []unsatisfiedReq {
	var res []unsatisfiedReq
	inConflict := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		t := strings.TrimSpace(sc.Text())
		const notFound = "Could not find a version that satisfies the requirement "
		if i := strings.Index(t, notFound); i >= 0 {
			rest := t[i+len(notFound):]
			u := unsatisfiedReq{req: rest}
			if j := strings.Index(rest, " (from "); j >= 0 {
				u.req = rest[:j]
			}
			if _, v, ok := strings.Cut(rest, "(from versions: "); ok {
				u.versions = strings.TrimSuffix(v, ")")
			}
			res = append(res, u)
			continue
		}
		if strings.HasPrefix(t, "The conflict is caused by:") {
			inConflict = true
			continue
		}
		if inConflict {
			if t == "" || strings.HasPrefix(t, "To fix this") {
				inConflict = false
				continue
			}
			if _, req, ok := strings.Cut(t, " depends on "); ok {
				res = append(res, unsatisfiedReq{req: strings.TrimSpace(req), conflict: true})
			}
		}
	}
	return res
}

// reqName returns the project name at the start of a PEP 508 requirement.
func reqName(req string) string {
	for i, r := range req {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return req[:i]
		}
	}
	return req
}

// normalizeName is PEP 503's normalized project name.
func normalizeName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}
