package main

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs stormpy in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"stormpy"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// copyProject copies testdata/project to a temporary directory.
func copyProject(t *testing.T) string {
	t.Helper()
	return copyTree(t, filepath.Join("testdata", "project"))
}

// copyTree copies the directory src to a temporary directory.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestValidateCommand(t *testing.T) {
	dir := copyProject(t)
	code, out, errOut := runCLI(t, "validate", filepath.Join(dir, "topology.yaml"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"topology wordcount: valid (3 components, 7 tasks)", "split      bolt   2          4      python3 split_bolt.py", "split/default      count  FIELDS(word)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "validate", dir, "--json")
	if code != 0 || !strings.Contains(out, `"message_type": "topology"`) || !strings.Contains(out, `"numTasks": 4`) {
		t.Errorf("--json: exit %d\n%s", code, out)
	}
}

func TestInvalidSpecWritesNothing(t *testing.T) {
	dir := copyProject(t)
	spec := filepath.Join(dir, "topology.yaml")
	data, _ := os.ReadFile(spec)
	bad := strings.Replace(string(data), "from: split", "from: splitter", 1)
	bad = strings.Replace(bad, "name: wordcount", "name: word.count", 1)
	os.WriteFile(spec, []byte(bad), 0o644)
	code, _, errOut := runCLI(t, "package", spec)
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"2 problems in the topology spec:", spec + ":1:7: the topology name \"word.count\"", spec + ":37:11: stream from unknown component \"splitter\" (did you mean \"split\"?)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "target")); !os.IsNotExist(err) {
		t.Errorf("an invalid spec must not create target/: %v", err)
	}
}

func TestPackageReproducible(t *testing.T) {
	a, b := copyProject(t), copyProject(t)
	// Different modification times must not change the bytes.
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	filepath.Walk(b, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, old, old) })
	code, out, errOut := runCLI(t, "package", a)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "wrote ") || !strings.Contains(out, "wordcount.jar (7 entries") {
		t.Errorf("output = %q", out)
	}
	if code, _, errOut := runCLI(t, "package", b); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ja, _ := os.ReadFile(filepath.Join(a, "target", "wordcount.jar"))
	jb, _ := os.ReadFile(filepath.Join(b, "target", "wordcount.jar"))
	if len(ja) == 0 || !bytes.Equal(ja, jb) {
		t.Fatalf("jars differ (%d vs %d bytes)", len(ja), len(jb))
	}
	zr, err := zip.NewReader(bytes.NewReader(ja), int64(len(ja)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := "META-INF/ META-INF/MANIFEST.MF resources/ resources/count_bolt.py resources/sentence_spout.py resources/split_bolt.py resources/storm.py"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("entries:\n got %s\nwant %s", got, want)
	}
}

func TestPackageDryRunWritesNothing(t *testing.T) {
	dir := copyProject(t)
	code, out, _ := runCLI(t, "package", dir, "--dry-run")
	if code != 0 || !strings.Contains(out, "valid") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "target")); !os.IsNotExist(err) {
		t.Error("--dry-run wrote target/")
	}
}

func TestLauncherInJar(t *testing.T) {
	dir := copyProject(t)
	spec := filepath.Join(dir, "topology.yaml")
	data, _ := os.ReadFile(spec)
	os.WriteFile(spec, bytes.Replace(data, []byte(`["python3", "split_bolt.py"]`), []byte(`["python3", "-u", "split_bolt.py"]`), 1), 0o644)
	out := filepath.Join(t.TempDir(), "x.jar")
	if code, _, errOut := runCLI(t, "package", spec, "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	found := false
	for _, f := range zr.File {
		found = found || f.Name == "resources/_stormpy/launch-split.sh"
	}
	if !found {
		t.Error("the launcher for a 3-element command is not in the jar")
	}
}

func TestUnknownCommand(t *testing.T) {
	code, _, errOut := runCLI(t, "packag")
	if code != 2 || !strings.Contains(errOut, `did you mean "package"?`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

func TestBadConfFlag(t *testing.T) {
	dir := copyProject(t)
	code, _, errOut := runCLI(t, "validate", dir, "-c", "novalue")
	if code != 2 {
		t.Errorf("exit %d, want 2: %s", code, errOut)
	}
}

// TestConfJSONValues checks that -c keeps JSON lists and maps whole:
// commas inside them are not flag separators.
func TestConfJSONValues(t *testing.T) {
	dir := copyProject(t)
	code, out, errOut := runCLI(t, "validate", dir, "--json", "-c", `topology.kryo.register=["a","b"]`, "-c", `my.map={"x":1,"y":[2,3]}`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`"topology.kryo.register": [`, `"a",`, `"b"`, `"my.map": {`, `"x": 1`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}
