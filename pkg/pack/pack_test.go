package pack

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

// write creates files under root: a name ending in "/" is a directory, a
// value starting with "->" a symbolic link, "exec:" an executable.
func write(t testing.TB, root string, tree map[string]string) {
	t.Helper()
	for name, content := range tree {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasPrefix(content, "->"):
			err = os.Symlink(strings.TrimPrefix(content, "->"), p)
		case strings.HasPrefix(content, "exec:"):
			err = os.WriteFile(p, []byte(content), 0o755)
		default:
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// project is a word-count-like project with everything that must stay out.
func project(t testing.TB) string {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"topology.yaml":                      "name: wc\n",
		".stormpyignore":                     "# local junk\n*.log\n!keep.log\nbuild/\n/resources/scratch\n",
		"resources/split.py":                 "import storm\n",
		"resources/count.py":                 "import storm\n",
		"resources/run.sh":                   "exec:#!/bin/sh\n",
		"resources/lib/util.py":              "def f(): pass\n",
		"resources/lib/__pycache__/util.pyc": "bytecode",
		"resources/old.pyc":                  "bytecode",
		"resources/.git/config":              "[core]",
		"resources/debug.log":                "noise",
		"resources/keep.log":                 "kept",
		"resources/build/out.txt":            "built",
		"resources/scratch/x":                "scratch",
		"resources/sub/scratch/y":            "not anchored here",
		"resources/empty/":                   "",
		"target/old.jar":                     "not in resources anyway",
	})
	return dir
}

func names(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

func TestFilesLeavesOutWhatItShould(t *testing.T) {
	dir := project(t)
	files, err := Files(Options{ProjectDir: dir, StormPy: []byte("# stormpy's storm.py\n")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"resources/",
		"resources/count.py",
		"resources/empty/",
		"resources/keep.log",
		"resources/lib/",
		"resources/lib/util.py",
		"resources/run.sh",
		"resources/split.py",
		"resources/storm.py",
		"resources/sub/",
		"resources/sub/scratch/",
		"resources/sub/scratch/y",
	}
	if got := names(files); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range files {
		if f.Exec != (f.Name == "resources/run.sh") {
			t.Errorf("%s: Exec = %v", f.Name, f.Exec)
		}
	}
}

func TestStormPyBundledUnlessTheProjectHasOne(t *testing.T) {
	ours := []byte("# stormpy's storm.py\n")
	dir := project(t)
	check := func(want string) {
		t.Helper()
		files, err := Files(Options{ProjectDir: dir, StormPy: ours})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f.Name == "resources/storm.py" {
				r, _ := f.Open()
				got, _ := io.ReadAll(r)
				r.Close()
				if string(got) != want {
					t.Errorf("storm.py = %q, want %q", got, want)
				}
				return
			}
		}
		t.Error("no resources/storm.py")
	}
	check(string(ours))
	write(t, dir, map[string]string{"resources/storm.py": "# the user's own\n"})
	check("# the user's own\n")
}

func TestGeneratedAndExtraTrees(t *testing.T) {
	dir := project(t)
	deps := t.TempDir()
	write(t, deps, map[string]string{
		"six.py":                        "six",
		"pkg/__init__.py":               "",
		"pkg/__pycache__/x.cpython.pyc": "bytecode",
		"pkg/link.py":                   "->__init__.py",
	})
	files, err := Files(Options{
		ProjectDir: dir,
		Generated:  map[string][]byte{"_launch/split.sh": []byte("exec python3 split.py\n")},
		ExtraTrees: map[string]string{"resources/_deps": deps},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(names(files), " ")
	for _, want := range []string{"resources/_launch/split.sh", "resources/_deps/", "resources/_deps/six.py", "resources/_deps/pkg/__init__.py", "resources/_deps/pkg/link.py"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("%s missing from %s", want, got)
		}
	}
	if strings.Contains(got, "__pycache__") {
		t.Errorf("bytecode from an extra tree got in: %s", got)
	}

	opened := 0
	o := Options{ProjectDir: dir, Output: filepath.Join(t.TempDir(), "x.jar"), Streamed: map[string]func() (io.ReadCloser, error){
		"_deps/big/data.bin": func() (io.ReadCloser, error) {
			opened++
			return io.NopCloser(strings.NewReader("streamed content")), nil
		},
	}}
	files, err = Files(o)
	if err != nil || opened != 0 {
		t.Fatalf("Files with a streamed file: err %v, opened %d times", err, opened)
	}
	if _, err := Package(context.Background(), o); err != nil || opened != 1 {
		t.Fatalf("Package with a streamed file: err %v, opened %d times", err, opened)
	}
	zr, err := zip.OpenReader(o.Output)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	r, err := zr.Open("resources/_deps/big/data.bin")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(r); string(got) != "streamed content" {
		t.Errorf("streamed file holds %q", got)
	}

	_, err = Files(Options{ProjectDir: dir, Generated: map[string][]byte{"split.py": []byte("x")}})
	if !errors.Is(err, exitcode.ErrInvalid) || !strings.Contains(err.Error(), "resources/split.py is in the jar twice") {
		t.Errorf("a generated file over the project's: err = %v", err)
	}
	_, err = Files(Options{ProjectDir: dir, Generated: map[string][]byte{"../evil": []byte("x")}})
	if err == nil || !strings.Contains(err.Error(), "clean relative") {
		t.Errorf("a generated file outside resources/: err = %v", err)
	}
}

func TestSymlinks(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, map[string]string{"secret.txt": "s3cret"})
	tests := []struct {
		name    string
		tree    map[string]string
		wantErr string // empty: no error
		present []string
	}{
		{"file link inside the project", map[string]string{
			"shared/util.py": "u", "resources/util.py": "->../shared/util.py",
		}, "", []string{"resources/util.py"}},
		{"directory link inside the project", map[string]string{
			"shared/a.py": "a", "shared/sub/b.py": "b", "resources/lib": "->../shared",
		}, "", []string{"resources/lib/", "resources/lib/a.py", "resources/lib/sub/b.py"}},
		{"link outside the project", map[string]string{
			"resources/secret.txt": "->" + filepath.Join(outside, "secret.txt"),
		}, "resources/secret.txt is a symbolic link to " + filepath.Join(outside, "secret.txt"), nil},
		{"relative link escaping the project", map[string]string{
			"resources/up": "->../..",
		}, "resources/up is a symbolic link to ../.. (", nil},
		{"ignored link outside the project", map[string]string{
			".stormpyignore": "secret.txt\n", "resources/secret.txt": "->" + filepath.Join(outside, "secret.txt"), "resources/a.py": "a",
		}, "", []string{"resources/a.py"}},
		{"broken link", map[string]string{
			"resources/gone.py": "->nowhere.py",
		}, "resources/gone.py is a broken symbolic link to nowhere.py", nil},
		{"link loop", map[string]string{
			"resources/sub/loop": "->..",
		}, "resources/sub/loop is a symbolic link to one of its own parent directories", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tt.tree)
			files, err := Files(Options{ProjectDir: dir})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if exitcode.Code(err) != exitcode.Usage {
					t.Errorf("exit code %d, want %d", exitcode.Code(err), exitcode.Usage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := " " + strings.Join(names(files), " ") + " "
			for _, p := range tt.present {
				if !strings.Contains(got, " "+p+" ") {
					t.Errorf("%s missing from%s", p, got)
				}
			}
			if strings.Contains(got, "secret") {
				t.Errorf("a file from outside the project got in:%s", got)
			}
		})
	}
}

func TestSpecialFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"resources/a.py": "a"})
	if err := syscall.Mkfifo(filepath.Join(dir, "resources", "pipe"), 0o644); err != nil {
		t.Skip("cannot make a fifo:", err)
	}
	_, err := Files(Options{ProjectDir: dir})
	if !errors.Is(err, exitcode.ErrInvalid) || !strings.Contains(err.Error(), "resources/pipe is a named pipe") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnjarrableNamesAreRefused(t *testing.T) {
	for _, name := range []string{`back\\slash.py`, "latin1-\xe9.py"} {
		dir := t.TempDir()
		write(t, dir, map[string]string{"resources/a.py": "a", "resources/" + name: "x"})
		_, err := Files(Options{ProjectDir: dir})
		if !errors.Is(err, exitcode.ErrInvalid) || !strings.Contains(err.Error(), "cannot go into a jar") {
			t.Errorf("%q: err = %v", name, err)
		}
		write(t, dir, map[string]string{".stormpyignore": "back*\nlatin1-*\n"})
		if _, err := Files(Options{ProjectDir: dir}); err != nil {
			t.Errorf("%q, ignored: err = %v", name, err)
		}
	}
}

func TestBadIgnoreFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{".stormpyignore": "ok\n[oops\n", "resources/a.py": "a"})
	_, err := Files(Options{ProjectDir: dir})
	if !errors.Is(err, exitcode.ErrInvalid) || !strings.Contains(err.Error(), ".stormpyignore:2:") {
		t.Fatalf("err = %v", err)
	}
}

func TestResourcesDirOptions(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"src/a.py": "a", "afile": "x"})
	files, err := Files(Options{ProjectDir: dir, ResourcesDir: filepath.Join(dir, "src")})
	if err != nil || strings.Join(names(files), " ") != "resources/ resources/a.py" {
		t.Errorf("ResourcesDir src: %v, %v", names(files), err)
	}
	_, err = Files(Options{ProjectDir: dir, StormPy: []byte("x")})
	if !errors.Is(err, exitcode.ErrInvalid) || !strings.Contains(err.Error(), "resources: no such directory; create it") {
		t.Errorf("no resources dir: %v", err)
	}
	_, err = Files(Options{ProjectDir: dir, ResourcesDir: filepath.Join(dir, "afile")})
	if !errors.Is(err, exitcode.ErrInvalid) || !strings.Contains(err.Error(), "afile is not a directory") {
		t.Errorf("resources dir is a file: %v", err)
	}
}

// TestRelativePaths packages with every path relative to the working
// directory, the way the CLI passes them.
func TestRelativePaths(t *testing.T) {
	dir := project(t)
	deps := filepath.Join(dir, "deps")
	write(t, deps, map[string]string{"six.py": "six"})
	t.Chdir(filepath.Dir(dir))
	rel := filepath.Base(dir)
	files, err := Files(Options{
		ProjectDir:   rel,
		ResourcesDir: filepath.Join(rel, "resources"),
		ExtraTrees:   map[string]string{"resources/_deps": filepath.Join(rel, "deps")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := " " + strings.Join(names(files), " ") + " "
	for _, want := range []string{"resources/split.py", "resources/lib/util.py", "resources/_deps/six.py"} {
		if !strings.Contains(got, " "+want+" ") {
			t.Errorf("%s missing from%s", want, got)
		}
	}
	if strings.Contains(got, "debug.log") {
		t.Errorf(".stormpyignore was not applied:%s", got)
	}
}

func TestOutputInsideResourcesIsLeftOut(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"a.py": "a", "x.jar": "an old jar", ".x.jar.tmp-123": "a dead temp file"})
	o := Options{ProjectDir: dir, ResourcesDir: dir, Output: filepath.Join(dir, "x.jar")}
	files, err := Files(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(files), " "); got != "resources/ resources/a.py" {
		t.Errorf("files = %s", got)
	}
}

func TestPackageIsReproducible(t *testing.T) {
	a := project(t)
	o := Options{ProjectDir: a, Output: filepath.Join(t.TempDir(), "target", "wc.jar"), StormPy: []byte("# storm.py\n"), Version: "0.1.0"}
	first, err := Package(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	second, err := Package(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if first.SHA256 != second.SHA256 {
		t.Errorf("two runs differ: %s, %s", first.SHA256, second.SHA256)
	}

	// The same project elsewhere, every file with another time.
	b := filepath.Join(t.TempDir(), "elsewhere")
	copyTree(t, a, b)
	old := time.Date(2011, 3, 4, 5, 6, 7, 0, time.UTC)
	filepath.WalkDir(b, func(p string, _ fs.DirEntry, _ error) error { return os.Chtimes(p, old, old) })
	o.ProjectDir = b
	o.Output = filepath.Join(t.TempDir(), "wc.jar")
	third, err := Package(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if third.SHA256 != first.SHA256 {
		t.Errorf("a copy with other times gives another jar: %s, %s", third.SHA256, first.SHA256)
	}
	if first.Entries != 14 { // META-INF/, the manifest, and Files' twelve
		t.Errorf("Entries = %d, want 14", first.Entries)
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		info, _ := d.Info()
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// The group and other bits differ from the original's on purpose.
		return os.WriteFile(dst, data, info.Mode().Perm()&0o700)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPackageCancelled(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wc.jar")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Package(ctx, Options{ProjectDir: project(t), Output: out})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	des, _ := os.ReadDir(filepath.Dir(out))
	if len(des) != 0 {
		t.Errorf("left behind: %v", des)
	}
}

func TestStageMatchesTheJar(t *testing.T) {
	dir := project(t)
	o := Options{ProjectDir: dir, Output: filepath.Join(t.TempDir(), "wc.jar"), StormPy: []byte("# storm.py\n"),
		Generated: map[string][]byte{"_launch/a.sh": []byte("x")}}
	if _, err := Package(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	stage := filepath.Join(t.TempDir(), "stage")
	if err := Stage(context.Background(), o, stage); err != nil {
		t.Fatal(err)
	}

	zr, err := zip.OpenReader(o.Output)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	inJar := map[string]bool{}
	for _, f := range zr.File {
		rel, ok := strings.CutPrefix(f.Name, "resources/")
		if !ok || rel == "" {
			continue
		}
		inJar[strings.TrimSuffix(rel, "/")] = true
		p := filepath.Join(stage, filepath.FromSlash(rel))
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: not staged: %v", f.Name, err)
			continue
		}
		if fi.Mode() != f.Mode() {
			t.Errorf("%s: staged mode %v, jar mode %v", f.Name, fi.Mode(), f.Mode())
		}
		if fi.IsDir() {
			continue
		}
		r, _ := f.Open()
		want, _ := io.ReadAll(r)
		got, _ := os.ReadFile(p)
		if string(got) != string(want) {
			t.Errorf("%s: staged %q, jar has %q", f.Name, got, want)
		}
	}
	filepath.WalkDir(stage, func(p string, _ fs.DirEntry, _ error) error {
		rel, _ := filepath.Rel(stage, p)
		if rel != "." && !inJar[filepath.ToSlash(rel)] {
			t.Errorf("%s is staged but not in the jar", rel)
		}
		return nil
	})

	if err := Stage(context.Background(), o, stage); !errors.Is(err, exitcode.ErrInvalid) {
		t.Errorf("staging into a non-empty directory: err = %v", err)
	}
}

func TestStageLeavesNothingOnError(t *testing.T) {
	dir := project(t)
	stage := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Stage(ctx, Options{ProjectDir: dir}, stage); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if des, _ := os.ReadDir(stage); len(des) != 0 {
		t.Errorf("left behind: %v", des)
	}
}
