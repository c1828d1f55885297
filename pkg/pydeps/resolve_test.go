package pydeps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

// These tests resolve real packages from the package index this machine
// reaches, with the real pip; -short skips them.

func needNetwork(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("resolves packages from the index; skipped with -short")
	}
	if exec.Command("python3", "-m", "pip", "--version").Run() != nil {
		t.Skip("python3 -m pip not available")
	}
}

// loggingPython is an interpreter wrapper that appends each invocation's
// pid and arguments to a log, so tests can tell whether pip ran.
func loggingPython(t *testing.T) (python, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "calls.log")
	python = filepath.Join(dir, "python")
	script := fmt.Sprintf("#!/bin/sh\necho \"$$ $*\" >> '%s'\nexec python3 \"$@\"\n", log)
	if err := os.WriteFile(python, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return python, log
}

func localPythonTag(t *testing.T) string {
	out, err := exec.Command("python3", "-c", "import sys; print('%d%d' % sys.version_info[:2])").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func TestResolvePureCompiledAndSdist(t *testing.T) {
	needNetwork(t)
	dir := t.TempDir()
	// six: a pure wheel; msgpack: manylinux wheels with a C extension;
	// docopt: only a source distribution, built into a pure wheel.
	req := writeFile(t, filepath.Join(dir, "requirements.txt"), "six\nmsgpack>=1.0\ndocopt==0.6.2\n")
	python, log := loggingPython(t)
	opts := Options{Python: python, CacheDir: filepath.Join(dir, "cache")}
	var pipOut, progress bytes.Buffer
	opts.Log, opts.Progress = &pipOut, &progress

	start := time.Now()
	first, err := Resolve(context.Background(), req, opts)
	if err != nil {
		t.Fatalf("resolve: %v\n%s", err, pipOut.String())
	}
	t.Logf("first resolve: %v", time.Since(start))
	if first.Cached {
		t.Error("first resolve claims a cache hit")
	}
	if p := progress.String(); !strings.HasPrefix(p, "resolving "+req+" with pip") || !strings.Contains(p, "\nresolved 3 packages in ") {
		t.Errorf("progress:\n%s", p)
	}
	progress.Reset()
	calls, _ := os.ReadFile(log)
	if !strings.Contains(string(calls), "-m pip download") {
		t.Errorf("pip never ran: %s", calls)
	}
	var names []string
	for _, w := range first.Wheels {
		names = append(names, w.Name)
	}
	if want := []string{"docopt", "msgpack", "six"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("wheels %v, want %v", names, want)
	}
	files, err := Bundle(first)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	ext := false
	tag := "cpython-" + localPythonTag(t) + "-x86_64-linux-gnu.so"
	for _, f := range files {
		have[f.Path] = true
		if strings.HasSuffix(f.Path, ".pyc") || strings.Contains(f.Path, "__pycache__") {
			t.Errorf("bytecode in bundle: %s", f.Path)
		}
		if strings.HasPrefix(f.Path, "_deps/msgpack/") && strings.HasSuffix(f.Path, tag) {
			ext = true
		}
	}
	for _, p := range []string{"_deps/six.py", "_deps/docopt.py", "_deps/msgpack/__init__.py"} {
		if !have[p] {
			t.Errorf("bundle lacks %s", p)
		}
	}
	if !ext {
		t.Errorf("bundle lacks msgpack's C extension for %s", tag)
	}
	if mods := Modules(files); !reflect.DeepEqual(mods, []string{"docopt", "msgpack", "six"}) {
		t.Errorf("Modules = %v", mods)
	}

	// Again with the network made unusable: the cache answers, no pip
	// process starts, and the result is the same to the byte.
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
		t.Setenv(k, "http://127.0.0.1:9")
	}
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	second, err := Resolve(context.Background(), req, opts)
	if err != nil {
		t.Fatalf("cached resolve: %v", err)
	}
	t.Logf("cached resolve: %v", time.Since(start))
	calls, _ = os.ReadFile(log)
	if progress.Len() > 0 {
		t.Errorf("a cache hit printed progress: %s", progress.String())
	}
	if !second.Cached || strings.Contains(string(calls), "pip") {
		t.Errorf("second resolve: cached=%v, interpreter calls:\n%s", second.Cached, calls)
	}
	again, err := Bundle(second)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(files, again) || !reflect.DeepEqual(first.Wheels, second.Wheels) {
		t.Error("cached resolution differs from the first")
	}
	if res, ok, err := Lookup(context.Background(), req, opts); err != nil || !ok || res.Key != first.Key {
		t.Errorf("Lookup = %v, %v, %v", res, ok, err)
	}

	t.Run("launcher imports the bundle with site-packages off", func(t *testing.T) {
		res := t.TempDir()
		if err := WriteFiles(res, files); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(res, "uses_deps.py"), `import msgpack, six, docopt
data = msgpack.packb({"k": six.text_type("v")})
assert msgpack.unpackb(data) == {"k": "v"}
print(msgpack.Packer.__module__, six.__file__)
`)
		writeFile(t, filepath.Join(res, LauncherPath("uses-deps")), string(Launcher("uses_deps.py")))
		bare := exec.Command("python3", "-I", "-S", "uses_deps.py")
		bare.Dir = res
		if out, err := bare.CombinedOutput(); err == nil || !strings.Contains(string(out), "ModuleNotFoundError") {
			t.Fatalf("without the launcher the script should not find its packages: %v %s", err, out)
		}
		cmd := exec.Command("python3", "-I", "-S", LauncherPath("uses-deps"))
		cmd.Dir = res
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("launcher: %v\n%s", err, out)
		}
		fields := strings.Fields(string(out))
		if len(fields) != 2 || fields[0] != "msgpack._cmsgpack" || !strings.HasPrefix(fields[1], filepath.Join(res, "_deps")) {
			t.Errorf("script printed %q; want the compiled Packer and six from the bundle", out)
		}
	})
}

func TestResolveReportsEveryMissingWheel(t *testing.T) {
	needNetwork(t)
	dir := t.TempDir()
	// For 32-bit ARM there is no msgpack wheel, and its source builds a
	// platform wheel; the second name exists nowhere. six still resolves.
	// The option line is carried into the runs that look at one package.
	req := writeFile(t, filepath.Join(dir, "requirements.txt"), "--prefer-binary\nsix\nmsgpack\nstormpy-test-no-such-dist-7f3a\n")
	opts := Options{CacheDir: filepath.Join(dir, "cache"), Platforms: []string{"linux_armv7l"}}
	_, err := Resolve(context.Background(), req, opts)
	var missing *MissingWheelsError
	if !errors.As(err, &missing) {
		t.Fatalf("err = %v, want a MissingWheelsError", err)
	}
	if exitcode.Code(err) != exitcode.Usage {
		t.Errorf("exit code %d, want %d", exitcode.Code(err), exitcode.Usage)
	}
	var names []string
	for _, p := range missing.Packages {
		names = append(names, p.Name)
		if !strings.Contains(p.Reason, "no wheel for the target") {
			t.Errorf("%s: reason %q", p.Name, p.Reason)
		}
	}
	if want := []string{"msgpack", "stormpy-test-no-such-dist-7f3a"}; !reflect.DeepEqual(names, want) {
		t.Errorf("missing %v, want %v\n%v", names, want, err)
	}
	if !strings.Contains(err.Error(), "linux_armv7l") {
		t.Errorf("error does not name the target: %v", err)
	}
	entries, _ := os.ReadDir(opts.CacheDir)
	if len(entries) != 0 {
		t.Errorf("a failed resolution left %d cache entries", len(entries))
	}
}

func TestResolveStopsOnCancel(t *testing.T) {
	needNetwork(t)
	dir := t.TempDir()
	req := writeFile(t, filepath.Join(dir, "requirements.txt"), "six\n")
	python, log := loggingPython(t)
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel as soon as pip has started.
	go func() {
		for ctx.Err() == nil {
			if b, _ := os.ReadFile(log); bytes.Contains(b, []byte("-m pip")) {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	defer cancel()
	_, err := Resolve(ctx, req, Options{Python: python, PythonVersion: "3.11", CacheDir: filepath.Join(dir, "cache")})
	if !errors.Is(err, context.Canceled) || exitcode.Code(err) != exitcode.Interrupted {
		t.Fatalf("err = %v (exit %d), want cancellation", err, exitcode.Code(err))
	}
	b, _ := os.ReadFile(log)
	pid, _, _ := strings.Cut(string(b), " ")
	if _, err := os.Stat("/proc/" + pid); err == nil {
		t.Errorf("pip (pid %s) still runs after cancellation", pid)
	}
}

// TestResolveForPython27 resolves for another target than the local
// python3 (Python 2.7, ABI cp27mu) and runs the launcher under Python 2.7
// with site-packages off: the compiled wheel pip picked for that target
// must load there.
func TestResolveForPython27(t *testing.T) {
	needNetwork(t)
	py := python27()
	if py == nil {
		t.Skip("no Python 2.7 on this machine")
	}
	dir := t.TempDir()
	req := writeFile(t, filepath.Join(dir, "requirements.txt"), "six==1.17.0\nmsgpack==0.6.2\n")
	res, err := Resolve(context.Background(), req, Options{PythonVersion: "2.7", ABI: "cp27mu", CacheDir: filepath.Join(dir, "cache")})
	if err != nil {
		t.Fatal(err)
	}
	files, err := Bundle(res)
	if err != nil {
		t.Fatal(err)
	}
	resources := t.TempDir()
	if err := WriteFiles(resources, files); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(resources, "old.py"), "import msgpack, six\nprint msgpack.Packer.__module__, six.PY2\n")
	writeFile(t, filepath.Join(resources, LauncherPath("old")), string(Launcher("old.py")))
	cmd := exec.Command(py[0], append(py[1:], "-E", "-s", "-S", LauncherPath("old"))...)
	cmd.Dir = resources
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "msgpack._cmsgpack True" {
		t.Errorf("Python 2.7 launcher: %v\n%s", err, out)
	}
}
