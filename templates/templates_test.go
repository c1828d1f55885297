package templates

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The template's components and the repository's example must not drift
// apart: the example is what the demo, the tests and the benchmarks run.
func TestComponentsMatchTheExample(t *testing.T) {
	example := filepath.Join("..", "examples", "wordcount", "resources")
	want, err := filepath.Glob(filepath.Join(example, "*.py"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := fs.Glob(Project, "project/resources/*")
	if err != nil {
		t.Fatal(err)
	}
	var wantNames, gotNames []string
	for _, p := range want {
		wantNames = append(wantNames, filepath.Base(p))
	}
	for _, p := range got {
		gotNames = append(gotNames, filepath.Base(p))
	}
	slices.Sort(wantNames)
	slices.Sort(gotNames)
	if len(wantNames) == 0 || !slices.Equal(wantNames, gotNames) {
		t.Fatalf("template components %q, example components %q", gotNames, wantNames)
	}
	for _, name := range wantNames {
		a, err := os.ReadFile(filepath.Join(example, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := fs.ReadFile(Project, "project/resources/"+name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("templates/project/resources/%s differs from examples/wordcount/resources/%s; change both", name, name)
		}
	}
}

func TestDotfilesAreEmbedded(t *testing.T) {
	b, err := fs.ReadFile(Project, "project/.gitignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"target/", "__pycache__/"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf(".gitignore lacks %s", want)
		}
	}
}
