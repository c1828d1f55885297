package project

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

func newProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", "..", "cmd", "stormpy", "testdata", "project")
	os.MkdirAll(filepath.Join(dir, "resources"), 0o755)
	for _, f := range []string{"topology.yaml", "resources/sentence_spout.py", "resources/split_bolt.py", "resources/count_bolt.py"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	return dir
}

func TestJarStale(t *testing.T) {
	ctx := context.Background()
	dir := newProject(t)
	p, err := Load(ctx, Options{SpecPath: dir})
	if err != nil {
		t.Fatal(err)
	}
	if p.JarPath != filepath.Join(dir, "target", "wordcount.jar") {
		t.Errorf("JarPath = %s", p.JarPath)
	}
	stale, err := p.JarStale()
	if err != nil || !stale {
		t.Fatalf("missing jar: stale=%v err=%v", stale, err)
	}
	if _, err := p.Package(ctx); err != nil {
		t.Fatal(err)
	}
	if stale, _ := p.JarStale(); stale {
		t.Fatal("fresh jar reported stale")
	}
	future := time.Now().Add(time.Hour)
	script := filepath.Join(dir, "resources", "split_bolt.py")
	os.Chtimes(script, future, future)
	if stale, _ := p.JarStale(); !stale {
		t.Error("a newer resource must make the jar stale")
	}
	p.Package(ctx)
	os.Chtimes(p.JarPath, future.Add(time.Hour), future.Add(time.Hour))
	os.WriteFile(filepath.Join(dir, "resources", "extra.txt"), []byte("x"), 0o644)
	os.Chtimes(filepath.Join(dir, "resources", "extra.txt"), time.Unix(0, 0), time.Unix(0, 0))
	if stale, _ := p.JarStale(); !stale {
		t.Error("an added file must make the jar stale even with an old time")
	}
}

func TestStage(t *testing.T) {
	dir := newProject(t)
	p, err := Load(context.Background(), Options{SpecPath: filepath.Join(dir, "topology.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	stage := t.TempDir()
	if err := p.Stage(context.Background(), stage); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"storm.py", "split_bolt.py", "count_bolt.py", "sentence_spout.py"} {
		if _, err := os.Stat(filepath.Join(stage, f)); err != nil {
			t.Errorf("staged tree lacks %s: %v", f, err)
		}
	}
}

func TestMissingResources(t *testing.T) {
	dir := newProject(t)
	os.RemoveAll(filepath.Join(dir, "resources"))
	_, err := Load(context.Background(), Options{SpecPath: dir})
	if !errors.Is(err, exitcode.ErrInvalid) {
		t.Fatalf("err = %v, want invalid input", err)
	}
}

// TestRelativeSpecPath packages a project named by a relative path from
// another directory, as `stormpy package examples/wordcount/topology.yaml`
// does from the repository root.
func TestRelativeSpecPath(t *testing.T) {
	dir := newProject(t)
	parent := filepath.Dir(dir)
	wd, _ := os.Getwd()
	if err := os.Chdir(parent); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	p, err := Load(context.Background(), Options{SpecPath: filepath.Join(filepath.Base(dir), "topology.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.Files()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if !f.IsDir() {
			names = append(names, f.Name)
		}
	}
	if got := strings.Join(names, " "); got != "resources/count_bolt.py resources/sentence_spout.py resources/split_bolt.py resources/storm.py" {
		t.Errorf("files = %s", got)
	}
}
