package jar

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func bytesEntry(name string, data []byte) Entry {
	return Entry{Name: name, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}}
}

// text returns n bytes of compressible, source-like text.
func text(seed int64, n int) []byte {
	words := []string{"def ", "return ", "self", ".emit(", "tuple", "word", "count", "\n", "    ", "if ", "for ", " in ", "(", ")", ":", "1", "0"}
	r := rand.New(rand.NewSource(seed))
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[r.Intn(len(words))])
	}
	return b.Bytes()[:n]
}

// noise returns n incompressible bytes.
func noise(seed int64, n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// sample is a tree with every kind of entry: nested files listed without
// their directories, an explicit empty directory, an executable, an
// incompressible file, an empty file, and a file larger than a worker's
// buffer.
func sample() []Entry {
	exe := bytesEntry("resources/bin/run.sh", []byte("#!/bin/sh\nexec python3 \"$@\"\n"))
	exe.Exec = true
	return []Entry{
		bytesEntry("resources/wordcount/split.py", text(1, 5000)),
		bytesEntry("resources/wordcount/count.py", text(2, 7000)),
		bytesEntry("resources/storm.py", text(3, 20000)),
		{Name: "resources/empty-dir/"},
		exe,
		bytesEntry("resources/data/blob.bin", noise(4, 3000)),
		bytesEntry("resources/data/empty.txt", nil),
		bytesEntry("resources/data/big.txt", text(5, maxBuffered+12345)),
		bytesEntry("resources/wordcount-extra.py", text(6, 100)),
	}
}

func writeBytes(t testing.TB, entries []Entry, o Options) ([]byte, *Result) {
	t.Helper()
	var buf bytes.Buffer
	res, err := Write(context.Background(), &buf, entries, o)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), res
}

// describe lists a jar's entries the way the golden file shows them.
func describe(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range zr.File {
		method := map[uint16]string{zip.Store: "stored", zip.Deflate: "deflated"}[f.Method]
		fmt.Fprintf(&b, "%-32s %v %-8s %7d extra=%d dd=%v time=%04x/%04x\n", f.Name, f.Mode(), method,
			f.UncompressedSize64, len(f.Extra), f.Flags&0x8 != 0, f.ModifiedDate, f.ModifiedTime)
	}
	return b.String()
}

func TestWriteGolden(t *testing.T) {
	data, res := writeBytes(t, sample(), Options{Version: "1.2.3"})
	got := describe(t, data) + "sha256 " + res.SHA256 + "\n"
	golden := filepath.Join("testdata", "sample.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("jar differs from %s (run go test -update if the change is intended):\n got:\n%s\nwant:\n%s", golden, got, want)
	}
}

func TestWriteContentRoundTrip(t *testing.T) {
	entries := sample()
	data, res := writeBytes(t, entries, Options{Version: "1.2.3"})
	if res.Size != int64(len(data)) {
		t.Errorf("Size = %d, jar has %d bytes", res.Size, len(data))
	}
	if sum := sha256.Sum256(data); res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 = %s, jar hashes to %x", res.SHA256, sum)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries != len(zr.File) {
		t.Errorf("Entries = %d, jar has %d", res.Entries, len(zr.File))
	}
	want := map[string][]byte{ManifestName: []byte("Manifest-Version: 1.0\r\nCreated-By: stormpy 1.2.3\r\n\r\n")}
	for _, e := range entries {
		if e.Open != nil {
			r, _ := e.Open()
			want[e.Name], _ = io.ReadAll(r)
		}
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r) // checks the CRC too
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if !bytes.Equal(got, want[f.Name]) {
			t.Errorf("%s: content differs (%d bytes, want %d)", f.Name, len(got), len(want[f.Name]))
		}
		delete(want, f.Name)
	}
	if len(want) != 0 {
		t.Errorf("missing from jar: %v", want)
	}
}

func TestWriteIsReproducible(t *testing.T) {
	a, _ := writeBytes(t, sample(), Options{Version: "v"})
	shuffled := sample()
	rand.New(rand.NewSource(7)).Shuffle(len(shuffled), func(i, k int) { shuffled[i], shuffled[k] = shuffled[k], shuffled[i] })
	for _, workers := range []int{1, 2, 7} {
		b, _ := writeBytes(t, shuffled, Options{Version: "v", Workers: workers})
		if !bytes.Equal(a, b) {
			t.Errorf("workers=%d: output differs from the first run", workers)
		}
	}
	c, _ := writeBytes(t, sample(), Options{Version: "w"})
	if bytes.Equal(a, c) {
		t.Error("the version does not show in the jar")
	}
}

func TestPlanRejects(t *testing.T) {
	file := func(name string) Entry { return bytesEntry(name, []byte("x")) }
	tests := []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"empty name", []Entry{file("")}, "is empty"},
		{"absolute", []Entry{file("/etc/passwd")}, "is absolute"},
		{"dot dot", []Entry{file("resources/../x")}, "element"},
		{"dot", []Entry{file("resources/./x")}, "element"},
		{"double slash", []Entry{file("resources//x")}, "element"},
		{"backslash", []Entry{file(`resources\x`)}, "backslash"},
		{"invalid utf8", []Entry{file("resources/\xff")}, "UTF-8"},
		{"duplicate", []Entry{file("a/b"), file("a/b")}, "duplicate"},
		{"file and dir", []Entry{file("a/b"), file("a/b/c")}, "both a file and a directory"},
		{"manifest", []Entry{file(ManifestName)}, "cannot be replaced"},
		{"dir with content", []Entry{file("a/")}, "has content"},
		{"file without content", []Entry{{Name: "a"}}, "no content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Write(context.Background(), io.Discard, tt.entries, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestManifestWrapsLongLines(t *testing.T) {
	v := strings.Repeat("é", 60) // 120 bytes, never split inside a rune
	m := string(Manifest(v))
	if !strings.HasSuffix(m, "\r\n\r\n") {
		t.Errorf("manifest does not end with an empty line: %q", m)
	}
	var joined strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(m, "\r\n\r\n"), "\r\n") {
		if len(line) > 72 {
			t.Errorf("line %d is %d bytes long", i, len(line))
		}
		if strings.Contains(line, "\n") || strings.Contains(line, "\r") {
			t.Errorf("line %d has a bare line break", i)
		}
		if strings.HasPrefix(line, " ") {
			joined.WriteString(line[1:])
		} else {
			joined.WriteString("\n" + line)
		}
	}
	if want := "\nManifest-Version: 1.0\nCreated-By: stormpy " + v; joined.String() != want {
		t.Errorf("unwrapped manifest = %q, want %q", joined.String(), want)
	}
}

// failingReader fails after some bytes, like a file on a dying disk.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}
func (f *failingReader) Close() error { return nil }

func TestWriteFileLeavesNothingOnError(t *testing.T) {
	for _, size := range []int{100, maxBuffered + 100} { // buffered and streamed
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "topo.jar")
			if err := os.WriteFile(path, []byte("previous jar"), 0o644); err != nil {
				t.Fatal(err)
			}
			entries := append(sample(), Entry{Name: "resources/zz/broken.py", Open: func() (io.ReadCloser, error) {
				return &failingReader{n: size}, nil
			}})
			_, err := WriteFile(context.Background(), path, entries, Options{})
			if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "broken.py") {
				t.Fatalf("err = %v, want the reader's error naming the file", err)
			}
			assertOnly(t, dir, "topo.jar")
			if b, _ := os.ReadFile(path); string(b) != "previous jar" {
				t.Errorf("the previous jar was replaced: %q", b)
			}
		})
	}
}

func TestWriteFileCancelled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	entries := sample()
	entries = append(entries, Entry{Name: "resources/zz", Open: func() (io.ReadCloser, error) {
		cancel()
		return io.NopCloser(strings.NewReader("late")), nil
	}})
	_, err := WriteFile(ctx, filepath.Join(dir, "x.jar"), entries, Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	assertOnly(t, dir)
}

func TestWriteFileOpenError(t *testing.T) {
	dir := t.TempDir()
	entries := append(sample(), Entry{Name: "resources/gone.py", Open: func() (io.ReadCloser, error) {
		return nil, os.ErrNotExist
	}})
	_, err := WriteFile(context.Background(), filepath.Join(dir, "x.jar"), entries, Options{})
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "resources/gone.py") {
		t.Fatalf("err = %v, want ErrNotExist naming the entry", err)
	}
	assertOnly(t, dir)
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, de := range des {
		got = append(got, de.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("directory holds %v, want %v", got, names)
	}
}

func TestWriteFileResult(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.jar")
	res, err := WriteFile(context.Background(), path, sample(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if res.Path != path || res.Size != int64(len(data)) || res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("result %+v does not describe the file (%d bytes, sha256 %x)", res, len(data), sum)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("jar mode = %v, want 0644", fi.Mode())
	}
	assertOnly(t, filepath.Dir(path), "x.jar") // no temporary file, no spool
}

// TestJDKAndUnzipRead checks that the tools users and Storm rely on read
// the jar: the JDK's jar (which lists through java.util.zip like Storm's
// extractor) and Info-ZIP's unzip.
func TestJDKAndUnzipRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.jar")
	if _, err := WriteFile(context.Background(), path, sample(), Options{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	var want []string
	for _, f := range zr.File {
		want = append(want, f.Name)
	}
	ran := false
	if jarTool, err := exec.LookPath("jar"); err == nil {
		ran = true
		out, err := exec.Command(jarTool, "tf", path).CombinedOutput()
		if err != nil {
			t.Fatalf("jar tf: %v\n%s", err, out)
		}
		if got := strings.Fields(string(out)); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("jar tf lists\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// jar xf extracts through ZipInputStream, the streaming reader that
		// cares about the manifest's position and data descriptors.
		x := t.TempDir()
		cmd := exec.Command(jarTool, "xf", path)
		cmd.Dir = x
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("jar xf: %v\n%s", err, out)
		}
		if got, _ := os.ReadFile(filepath.Join(x, "resources/data/big.txt")); !bytes.Equal(got, text(5, maxBuffered+12345)) {
			t.Error("jar xf extracted the large file wrongly")
		}
	}
	if unzip, err := exec.LookPath("unzip"); err == nil {
		ran = true
		out, err := exec.Command(unzip, "-t", path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "No errors detected") {
			t.Errorf("unzip -t: %v\n%s", err, out)
		}
		x := t.TempDir()
		if out, err := exec.Command(unzip, "-q", path, "-d", x).CombinedOutput(); err != nil {
			t.Fatalf("unzip: %v\n%s", err, out)
		}
		fi, err := os.Stat(filepath.Join(x, "resources/bin/run.sh"))
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("unzip gave run.sh mode %v (%v), want 0755", fi.Mode(), err)
		}
	}
	if !ran {
		t.Skip("neither the JDK's jar nor unzip is installed")
	}
}

func TestEntryOrder(t *testing.T) {
	data, _ := writeBytes(t, sample(), Options{})
	zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if names[0] != "META-INF/" || names[1] != ManifestName {
		t.Fatalf("jar starts with %v", names[:2])
	}
	if !sort.StringsAreSorted(names[2:]) {
		t.Errorf("entries are not sorted: %v", names[2:])
	}
	seen := map[string]bool{}
	for _, n := range names {
		if p := parentDir(n); p != "" && !seen[p] {
			t.Errorf("%s comes before (or without) its directory %s", n, p)
		}
		seen[n] = true
	}
}

// TestJarInputStreamReadsIt reads the jar with java.util.jar's streaming
// reader, which finds the manifest only among the first entries and
// checks every entry's CRC and sizes as it goes.
func TestJarInputStreamReadsIt(t *testing.T) {
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java is not installed")
	}
	path := filepath.Join(t.TempDir(), "x.jar")
	entries := sample()
	if _, err := WriteFile(context.Background(), path, entries, Options{Version: "1.2.3"}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(java, filepath.Join("testdata", "ReadJar.java"), path).CombinedOutput()
	if err != nil {
		t.Fatalf("java ReadJar: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		"manifest Created-By: stormpy 1.2.3\n",
		"manifest Manifest-Version: 1.0\n",
		"entry resources/data/big.txt " + fmt.Sprint(maxBuffered+12345) + "\n",
		"entry resources/data/blob.bin 3000\n",
		"entry resources/bin/ 0\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("JarInputStream output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "entry META-INF/MANIFEST.MF") {
		t.Errorf("JarInputStream did not take the manifest as the manifest:\n%s", got)
	}
}
