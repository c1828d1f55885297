package pydeps

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCacheKey(t *testing.T) {
	dir := t.TempDir()
	opts := Options{PythonVersion: "3.11", Platforms: DefaultPlatforms, Implementation: "cp", ABI: "cp311"}
	key := func(req string, o Options, env ...string) string {
		t.Helper()
		k, err := cacheKey(writeFile(t, filepath.Join(dir, "requirements.txt"), req), o, env)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := key("six==1.17.0\nmsgpack==1.0.8\n", opts)

	same := []struct {
		name string
		req  string
		env  []string
	}{
		{"comments and blank lines", "# deps\n\nsix==1.17.0   # pinned\n  msgpack==1.0.8\n\n", nil},
		{"continuation", "six==\\\n1.17.0\nmsgpack==1.0.8", nil},
		{"network settings", "six==1.17.0\nmsgpack==1.0.8\n", []string{"PIP_DEFAULT_TIMEOUT=5", "HOME=/elsewhere"}},
	}
	for _, tc := range same {
		if k := key(tc.req, opts, tc.env...); k != base {
			t.Errorf("%s changed the key", tc.name)
		}
	}

	other := opts
	other.PythonVersion = "3.12"
	arm := opts
	arm.Platforms = []string{"manylinux2014_aarch64"}
	differ := []struct {
		name string
		req  string
		opts Options
		env  []string
	}{
		{"a version", "six==1.16.0\nmsgpack==1.0.8\n", opts, nil},
		{"the python version", "six==1.17.0\nmsgpack==1.0.8\n", other, nil},
		{"the platform", "six==1.17.0\nmsgpack==1.0.8\n", arm, nil},
		{"the index", "six==1.17.0\nmsgpack==1.0.8\n", opts, []string{"PIP_INDEX_URL=http://127.0.0.1:9/simple"}},
	}
	for _, tc := range differ {
		if k := key(tc.req, tc.opts, tc.env...); k == base {
			t.Errorf("changing %s kept the key", tc.name)
		}
	}

	// An included file's content is part of the key.
	writeFile(t, filepath.Join(dir, "base.txt"), "six==1.17.0\n")
	withInclude := key("-r base.txt\nmsgpack==1.0.8\n", opts)
	writeFile(t, filepath.Join(dir, "base.txt"), "six==1.16.0\n")
	if key("-r base.txt\nmsgpack==1.0.8\n", opts) == withInclude {
		t.Error("editing an included file kept the key")
	}
	if _, err := cacheKey(filepath.Join(dir, "missing.txt"), opts, nil); err == nil {
		t.Error("missing requirements file: no error")
	}
}

func TestRequirementLines(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "r.txt"),
		"# top\nsix  # why\n\nrequests[socks]>=2 ; python_version >= \"3\"\nfoo @ https://example.invalid/foo.whl#sha256=ab\n-r other.txt\nlong\\\n-name\n")
	lines, err := requirementLines(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []line{{2, "six"}, {4, `requests[socks]>=2 ; python_version >= "3"`},
		{5, "foo @ https://example.invalid/foo.whl#sha256=ab"}, {6, "-r other.txt"}, {7, "long-name"}}
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("got %v\nwant %v", lines, want)
	}
	for in, want := range map[string]string{
		"-r other.txt": "other.txt", "--requirement=a/b.txt": "a/b.txt", "-c c.txt": "c.txt",
		"--constraint c.txt": "c.txt", "-rx.txt": "x.txt", "--requirementsx": "", "six": "",
	} {
		if got := includedFile(in); got != want {
			t.Errorf("includedFile(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCacheStoreAndLoad(t *testing.T) {
	c := cache{dir: t.TempDir()}
	if _, err := c.load("k1"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("empty cache: %v", err)
	}
	fill := func(dest string) error {
		writeWheel(t, dest, "b-2.0-py3-none-any.whl", time.Unix(0, 0), []zipEntry{{name: "b.py", data: "b"}})
		writeWheel(t, dest, "a-1.0-py3-none-any.whl", time.Unix(0, 0), []zipEntry{{name: "a.py", data: "a"}})
		return nil
	}
	res, err := c.store("k1", fill)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cached || len(res.Wheels) != 2 || res.Wheels[0].Name != "a" || res.Wheels[1].Version != "2.0" {
		t.Fatalf("stored %+v", res)
	}
	again, err := c.load("k1")
	if err != nil || !again.Cached || !reflect.DeepEqual(again.Wheels, res.Wheels) {
		t.Fatalf("load: %+v, %v", again, err)
	}
	// A failed fill leaves nothing behind.
	if _, err := c.store("k2", func(string) error { return errors.New("boom") }); err == nil {
		t.Fatal("failed fill: no error")
	}
	entries, _ := os.ReadDir(c.dir)
	if len(entries) != 1 {
		t.Errorf("cache holds %d entries after a failed fill, want 1", len(entries))
	}
	// A wheel changed on disk is noticed, and storing again repairs it.
	writeFile(t, filepath.Join(c.dir, "k1", "a-1.0-py3-none-any.whl"), "tampered")
	if _, err := c.load("k1"); err == nil {
		t.Fatal("tampered wheel: no error")
	}
	if _, err := c.store("k1", fill); err != nil {
		t.Fatalf("repair: %v", err)
	}
	if _, err := c.load("k1"); err != nil {
		t.Fatalf("after repair: %v", err)
	}
}
