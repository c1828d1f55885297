package scaffold

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/spec"
)

var exampleDir = filepath.Join("..", "..", "examples", "wordcount")

func TestCreateWritesTheExample(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wordcount")
	if err := Create(dir, "wordcount"); err != nil {
		t.Fatal(err)
	}
	// Rendered with the example's name, the template is the example.
	for _, f := range []string{"topology.yaml", "resources/sentence_spout.py", "resources/split_bolt.py", "resources/count_bolt.py"} {
		want, err := os.ReadFile(filepath.Join(exampleDir, f))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from examples/wordcount/%s; keep templates/project in step with the example", f, f)
		}
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	want := ".gitignore README.md resources/count_bolt.py resources/sentence_spout.py resources/split_bolt.py topology.yaml"
	if got := strings.Join(files, " "); got != want {
		t.Errorf("files = %s, want %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "resources", "storm.py")); err == nil {
		t.Error("the project has its own storm.py; the packager bundles stormpy's")
	}
}

func TestCreatedProjectValidates(t *testing.T) {
	for _, name := range []string{"demo", `odd "name" #1 ü`} {
		dir := filepath.Join(t.TempDir(), "p")
		if err := Create(dir, name); err != nil {
			t.Fatal(err)
		}
		s, err := spec.Load(filepath.Join(dir, "topology.yaml"), spec.Options{ResourcesDir: filepath.Join(dir, "resources")})
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if s.Name != name {
			t.Errorf("spec name = %q, want %q", s.Name, name)
		}
		readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(readme), "# "+name+"\n") || strings.Contains(string(readme), "{{") {
			t.Errorf("README not rendered for %q:\n%s", name, readme)
		}
	}
}

func TestCreateRefusesAnExistingDirectory(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "topology.yaml")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Create(dir, "demo")
	if !errors.Is(err, exitcode.ErrInvalid) || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v, want an invalid-input error saying the directory exists", err)
	}
	if b, _ := os.ReadFile(keep); string(b) != "mine" {
		t.Error("an existing file was overwritten")
	}
	// An existing file in the way is refused too, and left alone.
	err = Create(keep, "demo")
	if !errors.Is(err, exitcode.ErrInvalid) {
		t.Fatalf("err = %v, want invalid input", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatal(err)
	}
}

func TestCreateRefusesNamesStormRefuses(t *testing.T) {
	for _, name := range []string{"", "  ", "a/b", "a.b", "a:b", `a\b`} {
		dir := filepath.Join(t.TempDir(), "p")
		err := Create(dir, name)
		if !errors.Is(err, exitcode.ErrInvalid) {
			t.Errorf("Create(%q) = %v, want an invalid-input error", name, err)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("Create(%q) left %s behind", name, dir)
		}
	}
}

func TestCreateMakesMissingParents(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "demo")
	if err := Create(dir, "demo"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "topology.yaml")); err != nil {
		t.Fatal(err)
	}
}
