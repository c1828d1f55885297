package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyRunProject copies testdata/runproject, a word count with working
// Python components, to a temporary directory.
func copyRunProject(t *testing.T) string {
	t.Helper()
	return copyTree(t, filepath.Join("testdata", "runproject"))
}

func TestRunCommand(t *testing.T) {
	dir := copyRunProject(t)
	code, out, errOut := runCLI(t, "run", filepath.Join(dir, "topology.yaml"), "--duration", "3s")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{`summary of "runwords"`, "acking on", "[count:", "the=50"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Every sentence is split and every word counted: 100 sentences of 6 or 8 words.
	if !strings.Contains(out, "700") {
		t.Errorf("summary does not show 700 words counted:\n%s", out)
	}
}

func TestRunCommandOverridesAndDebug(t *testing.T) {
	dir := copyRunProject(t)
	// A spec path relative to the working directory, as people type it.
	t.Chdir(filepath.Dir(dir))
	code, out, errOut := runCLI(t, "run", filepath.Join(filepath.Base(dir), "topology.yaml"), "-d", "2s", "-c", "topology.acker.executors=0", "--debug")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"acking off", "DEBUG [sentences:", `emit default ["the cow jumped over the moon"]`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestRunCommandRefusesJava(t *testing.T) {
	dir := copyRunProject(t)
	spec := filepath.Join(dir, "topology.yaml")
	b, _ := os.ReadFile(spec)
	java := strings.Replace(string(b), `    className: org.apache.storm.flux.wrappers.bolts.FluxShellBolt
    constructorArgs:
      - ["python3", "count.py"]
      - ["word", "count"]`, `    className: org.apache.storm.testing.TestWordCounter`, 1)
	if java == string(b) {
		t.Fatal("spec edit did not apply")
	}
	if err := os.WriteFile(spec, []byte(java), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "run", spec, "--duration", "1s")
	if code != 2 || !strings.Contains(errOut, "count (org.apache.storm.testing.TestWordCounter)") || !strings.Contains(errOut, "cannot run locally") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestRunCommandCrashingBolt(t *testing.T) {
	dir := copyRunProject(t)
	count := filepath.Join(dir, "resources", "count.py")
	b, _ := os.ReadFile(count)
	// An exception outside process() is not caught by BasicBolt: the
	// child reports it and exits, as it would kill a Storm worker.
	crash := strings.Replace(string(b), "        self.counts = {}\n", "        self.counts = {}\n        raise ValueError(\"no moons here\")\n", 1)
	if crash == string(b) {
		t.Fatal("count.py edit did not apply")
	}
	if err := os.WriteFile(count, []byte(crash), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "run", filepath.Join(dir, "topology.yaml"), "--duration", "20s")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{`component "count"`, "exited with status 1", "no moons here"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if !strings.Contains(out, `summary of "runwords"`) {
		t.Errorf("no summary after the crash:\n%s", out)
	}
}
