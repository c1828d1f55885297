package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBundledDependencies submits a topology whose bolt imports packages
// that only the jar carries (resources/_deps, resolved from
// requirements.txt for the workers' platform), run by an interpreter that
// has none of them, and checks every tuple was processed with the bundled
// C extension loaded.
func TestBundledDependencies(t *testing.T) {
	c := needCluster(t)
	const name = "e2e-deps"
	c.killIfRunning(t, name)

	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command("python3", "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("create a bare virtual environment: %v\n%s", err, out)
	}
	python := filepath.Join(venv, "bin", "python")
	for _, mod := range []string{"six", "msgpack", "docopt"} {
		if exec.Command(python, "-c", "import "+mod).Run() == nil {
			t.Fatalf("the workers' interpreter imports %s by itself; the test would prove nothing", mod)
		}
	}
	props := filepath.Join(t.TempDir(), "worker.properties")
	if err := os.WriteFile(props, []byte("python="+python+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	proj := copyProject(t, filepath.Join("testdata", "deps"))
	out := t.TempDir()
	r := c.must(t, proj, "package", "--filter", props)
	if !strings.Contains(r.stdout, "bundled 3 Python packages") {
		t.Fatalf("package did not bundle the requirements:\n%s", r)
	}
	c.must(t, proj, "submit", "--filter", props, "-c", "stormpy.e2e.out.dir="+out)
	t.Cleanup(func() { c.run(t, proj, "kill", name, "--wait", "0") })

	packed := filepath.Join(out, "packed.txt")
	eventually(t, "every number packed", pollTimeout, func() (bool, string) {
		tp := c.info(t, name)
		if errs := tp.componentErrors(); len(errs) > 0 {
			t.Fatalf("components reported errors:\n%s", strings.Join(errs, "\n"))
		}
		n := len(readLines(t, packed))
		return n >= 20, fmt.Sprintf("%d lines in packed.txt; %+v", n, tp)
	})
	var got []string
	for _, l := range readLines(t, packed) {
		f := strings.Fields(l)
		if len(f) != 5 || f[2] != "msgpack._cmsgpack" || f[3] != "bundle" || f[4] != "docopt" {
			t.Errorf("packed.txt line %q: want the bundled msgpack C extension, six and docopt", l)
		}
		if len(f) > 0 {
			got = append(got, f[0])
		}
	}
	slices.Sort(got)
	got = slices.Compact(got)
	if len(got) != 20 {
		t.Errorf("numbers processed: %v, want 0 to 19 once each", got)
	}

	c.must(t, proj, "kill", name, "--wait", "0")
	c.waitGone(t, name)
}
