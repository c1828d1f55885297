package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// depsProject writes a topology whose bolt imports third-party packages:
// msgpack (a manylinux wheel with a C extension), six (a pure wheel) and
// docopt (only a source distribution). Its components run under python,
// the interpreter of a fresh virtual environment that has none of them,
// like a worker with nothing installed.
func depsProject(t *testing.T, python string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"requirements.txt": "six\nmsgpack>=1.0\ndocopt==0.6.2\n",
		"topology.yaml": `name: depsdemo
spouts:
  - id: numbers
    className: org.apache.storm.flux.wrappers.spouts.FluxShellSpout
    constructorArgs: [["` + python + `", "numbers.py"], ["n"]]
bolts:
  - id: pack
    className: org.apache.storm.flux.wrappers.bolts.FluxShellBolt
    constructorArgs: [["` + python + `", "-u", "pack.py"], ["size"]]
streams:
  - from: numbers
    to: pack
    grouping: {type: SHUFFLE}
`,
		"resources/numbers.py": `import storm


class Numbers(storm.Spout):
    def initialize(self, conf, context):
        self.n = 0

    def nextTuple(self):
        if self.n < 20:
            storm.emit([self.n], id=self.n)
            self.n += 1


Numbers().run()
`,
		"resources/pack.py": `import os

import docopt
import msgpack
import six
import storm


class Pack(storm.BasicBolt):
    def initialize(self, conf, context):
        bundle = os.path.join(os.getcwd(), "_deps")
        storm.logInfo("bundled: %s %s %s" % (
            msgpack.Packer.__module__,
            "six-from-bundle" if six.__file__.startswith(bundle) else six.__file__,
            docopt.__name__))

    def process(self, tup):
        storm.emit([len(msgpack.packb({"n": tup.values[0]}))])


Pack().run()
`,
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// bareVenv creates a virtual environment without pip or any package and
// returns its interpreter.
func bareVenv(t *testing.T) string {
	t.Helper()
	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command("python3", "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Skipf("cannot create a virtual environment: %v\n%s", err, out)
	}
	python := filepath.Join(venv, "bin", "python")
	for _, mod := range []string{"six", "msgpack", "docopt"} {
		if exec.Command(python, "-c", "import "+mod).Run() == nil {
			t.Fatalf("the bare environment imports %s; the test would prove nothing", mod)
		}
	}
	return python
}

// pipEnv passes the caller's pip settings (index, certificates) through
// runBin's clean environment.
func pipEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PIP_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

func TestBundledDependenciesRunAndPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("resolves packages from the index; skipped with -short")
	}
	python := bareVenv(t)
	dir := depsProject(t, python)
	env := pipEnv("XDG_CACHE_HOME=" + t.TempDir())

	// stormpy run: the components import the bundle from the staged tree.
	r := runBin(t, dir, env, "run", "--duration", "3s")
	if r.code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "bundled: msgpack._cmsgpack six-from-bundle docopt") {
		t.Errorf("the bolt did not import the bundled packages:\n%s\n%s", r.stdout, r.stderr)
	}

	// stormpy package: the same tree in the jar; with the network made
	// unusable a second build comes from the cache, byte for byte.
	r = runBin(t, dir, env, "package")
	if r.code != 0 || !strings.Contains(r.stdout, "bundled 3 Python packages") {
		t.Fatalf("package: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	jar := filepath.Join(dir, "target", "depsdemo.jar")
	first, err := os.ReadFile(jar)
	if err != nil {
		t.Fatal(err)
	}
	offline := append(env, "HTTPS_PROXY=http://127.0.0.1:9", "HTTP_PROXY=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9", "http_proxy=http://127.0.0.1:9")
	// --requirements names a copy elsewhere: same content, same cache entry.
	other := filepath.Join(t.TempDir(), "deps.txt")
	data, _ := os.ReadFile(filepath.Join(dir, "requirements.txt"))
	os.WriteFile(other, data, 0o644)
	r = runBin(t, dir, offline, "package", "--requirements", other)
	if r.code != 0 || !strings.Contains(r.stdout, "from the cache") {
		t.Fatalf("cached package: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	second, _ := os.ReadFile(jar)
	if string(first) != string(second) {
		t.Error("the jar built from the cache differs from the first")
	}

	zr, err := zip.OpenReader(jar)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
		if strings.HasSuffix(f.Name, ".pyc") {
			t.Errorf("bytecode in the jar: %s", f.Name)
		}
	}
	for _, want := range []string{
		"resources/_deps/six.py", "resources/_deps/docopt.py", "resources/_deps/msgpack/__init__.py",
		"resources/_stormpy/launch_numbers.py", "resources/_stormpy/launch_pack.py",
		// [python, -u, script] is three elements: an sh launcher runs the
		// Python launcher with -u.
		"resources/_stormpy/launch-pack.sh",
	} {
		if !names[want] {
			t.Errorf("jar lacks %s", want)
		}
	}

	// --requirements - packages without them: no launchers, no bundle.
	r = runBin(t, dir, env, "package", "--requirements", "-", "-o", filepath.Join(t.TempDir(), "plain.jar"))
	if r.code != 0 || strings.Contains(r.stdout, "bundled") {
		t.Errorf("--requirements -: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestValidateWarnsAboutUnknownImports(t *testing.T) {
	dir := depsProject(t, "python3")
	// Without a resolution, requirement names stand for modules; docopt
	// is missing from this list, and nothing provides notthere.
	os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("six\nmsgpack\n"), 0o644)
	script := filepath.Join(dir, "resources", "pack.py")
	data, _ := os.ReadFile(script)
	os.WriteFile(script, append([]byte("import notthere\n"), data...), 0o644)
	r := runBin(t, dir, []string{"XDG_CACHE_HOME=" + t.TempDir()}, "validate")
	if r.code != 0 {
		t.Fatalf("validate: exit %d\n%s", r.code, r.stderr)
	}
	var warns []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "warning: ") {
			warns = append(warns, l)
		}
	}
	want := []string{
		`warning: ` + filepath.Join("resources", "pack.py") + `:1:1: import of "notthere"`,
		`warning: ` + filepath.Join("resources", "pack.py") + `:4:1: import of "docopt"`,
	}
	if len(warns) != len(want) {
		t.Fatalf("warnings:\n%s", r.stderr)
	}
	for i := range want {
		if !strings.HasPrefix(warns[i], want[i]) {
			t.Errorf("warning %q, want prefix %q", warns[i], want[i])
		}
	}
}
