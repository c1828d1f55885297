package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestInitCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	code, out, errOut := runCLI(t, "init", "demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`created demo: topology "demo"`, "cd demo\n", "stormpy package     # write target/demo.jar"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"topology.yaml", ".gitignore", "README.md", "resources/sentence_spout.py", "resources/split_bolt.py", "resources/count_bolt.py"} {
		if _, err := os.Stat(filepath.Join("demo", f)); err != nil {
			t.Error(err)
		}
	}
	before, _ := os.ReadFile(filepath.Join("demo", "topology.yaml"))
	os.WriteFile(filepath.Join("demo", "topology.yaml"), append(before, "# edited\n"...), 0o644)

	code, _, errOut = runCLI(t, "init", "demo")
	if code != 2 || !strings.Contains(errOut, "demo already exists") {
		t.Errorf("init over an existing project: exit %d, stderr %q; want 2 and a clear message", code, errOut)
	}
	if after, _ := os.ReadFile(filepath.Join("demo", "topology.yaml")); !strings.HasSuffix(string(after), "# edited\n") {
		t.Error("init overwrote an existing project")
	}
}

func TestInitDirFlagAfterName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my projects", "wc")
	code, out, errOut := runCLI(t, "init", "wordcount", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "cd '"+dir+"'\n") {
		t.Errorf("the cd line is not quoted for the shell:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "topology.yaml")); err != nil {
		t.Fatal(err)
	}
}

func TestInitUsageErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"init"}, {"init", "a", "b"}, {"init", "word.count"}, {"init", "a/b"}, {"init", ""}} {
		code, _, errOut := runCLI(t, args...)
		if code != 2 || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 with a message", args, code, errOut)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("failed inits left %d entries behind", len(entries))
	}
}

// What `stormpy init` writes must validate and package without edits.
func TestInitProjectValidatesAndPackages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if code, _, errOut := runCLI(t, "init", "demo", "--dir", dir); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "validate", filepath.Join(dir, "topology.yaml"))
	if code != 0 {
		t.Fatalf("validate: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "topology demo: valid (3 components, 5 tasks)") {
		t.Errorf("validate output:\n%s", out)
	}
	jar := filepath.Join(t.TempDir(), "demo.jar")
	if code, _, errOut := runCLI(t, "package", dir, "--output", jar); code != 0 {
		t.Fatalf("package: exit %d: %s", code, errOut)
	}
	names := jarEntries(t, jar)
	for _, want := range []string{"resources/storm.py", "resources/sentence_spout.py", "resources/split_bolt.py", "resources/count_bolt.py"} {
		if !slices.Contains(names, want) {
			t.Errorf("jar lacks %s; it has %q", want, names)
		}
	}
}

func TestExampleWordcountValidatesAndPackages(t *testing.T) {
	example, err := filepath.Abs(filepath.Join("..", "..", "examples", "wordcount"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "validate", filepath.Join(example, "topology.yaml"))
	if code != 0 {
		t.Fatalf("validate: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"topology wordcount: valid (3 components, 5 tasks)", "split/default", "FIELDS(word)"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	jar := filepath.Join(t.TempDir(), "wordcount.jar")
	if code, _, errOut := runCLI(t, "package", example, "--output", jar); code != 0 {
		t.Fatalf("package: exit %d: %s", code, errOut)
	}
	names := jarEntries(t, jar)
	for _, want := range []string{"resources/storm.py", "resources/sentence_spout.py", "resources/split_bolt.py", "resources/count_bolt.py"} {
		if !slices.Contains(names, want) {
			t.Errorf("jar lacks %s; it has %q", want, names)
		}
	}
}

func jarEntries(t *testing.T, path string) []string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names
}
