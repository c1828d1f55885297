package pydeps

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type zipEntry struct {
	name  string
	data  string
	mode  fs.FileMode
	store bool // stored uncompressed instead of deflated
}

// writeWheel writes a wheel holding entries, stamped with modified, and
// returns its Wheel record.
func writeWheel(t *testing.T, dir, file string, modified time.Time, entries []zipEntry) Wheel {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: modified}
		if e.store {
			h.Method = zip.Store
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.data))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	name, version, _, err := parseWheelName(file)
	if err != nil {
		t.Fatal(err)
	}
	return Wheel{File: file, Name: name, Version: version}
}

func TestParseWheelName(t *testing.T) {
	tests := []struct {
		file, name, version string
		tags                [3]string
		bad                 bool
	}{
		{file: "six-1.17.0-py2.py3-none-any.whl", name: "six", version: "1.17.0", tags: [3]string{"py2.py3", "none", "any"}},
		{file: "msgpack-1.0.8-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", name: "msgpack", version: "1.0.8",
			tags: [3]string{"cp311", "cp311", "manylinux_2_17_x86_64.manylinux2014_x86_64"}},
		{file: "six-1.17.0.tar.gz", bad: true},
		{file: "six-py3-none-any.whl", bad: true},
	}
	for _, tc := range tests {
		name, version, tags, err := parseWheelName(tc.file)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: no error", tc.file)
			}
			continue
		}
		if err != nil || name != tc.name || version != tc.version || tags != tc.tags {
			t.Errorf("%s: got %q %q %q %v", tc.file, name, version, tags, err)
		}
	}
}

func TestWheelTarget(t *testing.T) {
	tests := []struct {
		entry, want string
		bad         bool
	}{
		{entry: "six.py", want: "six.py"},
		{entry: "pkg/sub/mod.py", want: "pkg/sub/mod.py"},
		{entry: "pkg-1.0.data/purelib/pure/x.py", want: "pure/x.py"},
		{entry: "pkg-1.0.data/platlib/fast.cpython-311-x86_64-linux-gnu.so", want: "fast.cpython-311-x86_64-linux-gnu.so"},
		{entry: "pkg-1.0.data/scripts/tool", want: ""},
		{entry: "pkg-1.0.data/headers/x.h", want: ""},
		{entry: "pkg-1.0.data/data/share/x", want: ""},
		{entry: "pkg/__pycache__/mod.cpython-311.pyc", want: ""},
		{entry: "pkg/mod.pyc", want: ""},
		{entry: "pkg-1.0.dist-info/RECORD", want: "pkg-1.0.dist-info/RECORD"},
		{entry: "../evil.py", bad: true},
		{entry: "pkg/../../evil.py", bad: true},
		{entry: "pkg-1.0.data/purelib/../../evil.py", bad: true},
		{entry: "/etc/passwd", bad: true},
		{entry: `pkg\..\..\evil.py`, bad: true},
		{entry: "C:/evil.py", bad: true},
	}
	for _, tc := range tests {
		got, err := wheelTarget(tc.entry)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: accepted as %q", tc.entry, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.entry, got, err, tc.want)
		}
	}
}

func TestBundleIsDeterministic(t *testing.T) {
	entries := []zipEntry{
		{name: "alpha/__init__.py", data: "A = 1\n"},
		{name: "alpha/__pycache__/__init__.cpython-311.pyc", data: "junk"},
		{name: "alpha/tool.sh", data: "#!/bin/sh\n", mode: 0o755},
		{name: "alpha-1.0.data/purelib/beta.py", data: "B = 2\n"},
		{name: "alpha-1.0.data/platlib/gamma.cpython-311-x86_64-linux-gnu.so", data: "\x7fELF"},
		{name: "alpha-1.0.data/scripts/alpha", data: "#!python\n", mode: 0o755},
		{name: "alpha-1.0.dist-info/METADATA", data: "Name: alpha\n"},
	}
	reversed := make([]zipEntry, len(entries))
	for i, e := range entries {
		reversed[len(entries)-1-i] = e
	}
	bundle := func(es []zipEntry, when time.Time) []File {
		dir := t.TempDir()
		w := writeWheel(t, dir, "alpha-1.0-py3-none-any.whl", when, es)
		files, err := Bundle(&Resolution{Dir: dir, Wheels: []Wheel{w}})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	a := bundle(entries, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	b := bundle(reversed, time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
	if !reflect.DeepEqual(contents(t, a), contents(t, b)) {
		t.Fatalf("bundles differ with entry order and time:\n%v\n%v", contents(t, a), contents(t, b))
	}
	var got []string
	for _, f := range a {
		got = append(got, f.Path+" "+f.Mode.String())
	}
	want := []string{
		"_deps/alpha-1.0.dist-info/METADATA -rw-r--r--",
		"_deps/alpha/__init__.py -rw-r--r--",
		"_deps/alpha/tool.sh -rwxr-xr-x",
		"_deps/beta.py -rw-r--r--",
		"_deps/gamma.cpython-311-x86_64-linux-gnu.so -rw-r--r--",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bundle:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if mods := Modules(a); !reflect.DeepEqual(mods, []string{"alpha", "beta", "gamma"}) {
		t.Errorf("Modules = %v", mods)
	}
}

func TestBundleRefusesEscapesAndConflicts(t *testing.T) {
	dir := t.TempDir()
	evil := writeWheel(t, dir, "evil-1.0-py3-none-any.whl", time.Now(), []zipEntry{
		{name: "evil/__init__.py"}, {name: "../../outside.py", data: "x"},
	})
	_, err := Bundle(&Resolution{Dir: dir, Wheels: []Wheel{evil}})
	if err == nil || !strings.Contains(err.Error(), "escapes") || !strings.Contains(err.Error(), "evil-1.0") {
		t.Errorf("escaping entry: err = %v", err)
	}

	one := writeWheel(t, dir, "one-1.0-py3-none-any.whl", time.Now(), []zipEntry{{name: "shared/__init__.py", data: "1"}})
	same := writeWheel(t, dir, "same-1.0-py3-none-any.whl", time.Now(), []zipEntry{{name: "shared/__init__.py", data: "1"}})
	other := writeWheel(t, dir, "other-1.0-py3-none-any.whl", time.Now(), []zipEntry{{name: "shared/__init__.py", data: "2"}})
	if _, err := Bundle(&Resolution{Dir: dir, Wheels: []Wheel{one, same}}); err != nil {
		t.Errorf("identical files from two wheels: %v", err)
	}
	_, err = Bundle(&Resolution{Dir: dir, Wheels: []Wheel{one, other}})
	if err == nil || !strings.Contains(err.Error(), "shared/__init__.py") {
		t.Errorf("conflicting files: err = %v", err)
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	files := []File{
		{Path: "_deps/pkg/__init__.py", Mode: 0o644, Data: []byte("x = 1\n")},
		{Path: "_deps/pkg/run.sh", Mode: 0o755, Data: []byte("#!/bin/sh\n")},
	}
	if err := WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		fi, err := os.Stat(filepath.Join(dir, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != f.Mode {
			t.Errorf("%s: mode %v, want %v", f.Path, fi.Mode().Perm(), f.Mode)
		}
	}
}

// contents reads every file of a bundle: path, mode and bytes.
func contents(t *testing.T, files []File) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f.Path+" "+f.Mode.String()+" "+string(data))
	}
	return out
}

// TestBundleDetectsDamage checks that a wheel changed on disk after
// resolution fails the read instead of making a silently bad jar.
func TestBundleDetectsDamage(t *testing.T) {
	dir := t.TempDir()
	// Stored, not deflated: only the CRC check can notice a changed byte.
	w := writeWheel(t, dir, "alpha-1.0-py3-none-any.whl", time.Now(), []zipEntry{{name: "alpha.py", data: "A = 1 + 1\n", store: true}})
	files, err := Bundle(&Resolution{Dir: dir, Wheels: []Wheel{w}})
	if err != nil || len(files) != 1 {
		t.Fatalf("Bundle: %v %v", files, err)
	}
	if got := contents(t, files)[0]; got != "_deps/alpha.py -rw-r--r-- A = 1 + 1\n" {
		t.Fatalf("content = %q", got)
	}
	path := filepath.Join(dir, "alpha-1.0-py3-none-any.whl")
	data, _ := os.ReadFile(path)
	off := files[0].entry.offset
	if data[off] != 'A' {
		t.Fatalf("entry data not at the recorded offset: %q", data[off:off+4])
	}
	data[off] = 'B'
	os.WriteFile(path, data, 0o644)
	rc, err := files[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, err := io.ReadAll(rc); !errors.Is(err, zip.ErrChecksum) {
		t.Errorf("read of a damaged entry: %q, %v; want a checksum error", got, err)
	}
}
