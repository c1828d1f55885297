package pydeps

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// BundleDir is the directory under resources/ that holds the unpacked
// dependencies; launchers put it on sys.path.
const BundleDir = "_deps"

// File is one file of the bundle.
type File struct {
	// Path is slash-separated and relative to resources/, e.g.
	// "_deps/six.py".
	Path string
	// Mode is 0644, or 0755 for files the wheel marks executable.
	Mode fs.FileMode
	// Data is the content of a file built in memory; nil for a file of a
	// wheel, which Open reads from the cached wheel when it is needed, so a
	// bundle never has to fit in memory.
	Data []byte
	// Source names where the file came from ("six-1.17.0-py2.py3-none-any.whl").
	Source string

	wheel string // the wheel on disk
	entry *entry
}

// entry locates a file's bytes inside its wheel.
type entry struct {
	name         string
	method       uint16
	offset       int64
	compressed   int64
	uncompressed uint64
	crc          uint32
}

// Open returns the file's content.
func (f File) Open() (io.ReadCloser, error) {
	if f.entry == nil {
		return io.NopCloser(bytes.NewReader(f.Data)), nil
	}
	return openEntry(f.wheel, f.entry)
}

// openEntry reads one entry of a wheel without re-reading the wheel's
// central directory: it opens the file and decompresses the entry's bytes
// at their recorded offset.
func openEntry(wheel string, zf *entry) (io.ReadCloser, error) {
	fh, err := os.Open(wheel)
	if err != nil {
		return nil, err
	}
	raw := io.NewSectionReader(fh, zf.offset, zf.compressed)
	var r io.Reader
	switch zf.method {
	case zip.Store:
		r = raw
	case zip.Deflate:
		fr := flate.NewReader(raw)
		r = fr
	default:
		fh.Close()
		return nil, fmt.Errorf("wheel %s: %s: unsupported compression method %d", filepath.Base(wheel), zf.name, zf.method)
	}
	return &entryReader{r: r, f: fh, crc: crc32.NewIEEE(), want: zf.crc, size: zf.uncompressed, name: zf.name}, nil
}

// entryReader checks the entry's size and CRC as it is read, as
// archive/zip does, so a damaged cache never makes a silently bad jar.
type entryReader struct {
	r    io.Reader
	f    *os.File
	crc  hash.Hash32
	want uint32
	size uint64
	n    uint64
	name string
}

func (e *entryReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.crc.Write(p[:n])
	e.n += uint64(n)
	if err == io.EOF && (e.n != e.size || e.crc.Sum32() != e.want) {
		return n, fmt.Errorf("%s: %w", e.name, zip.ErrChecksum)
	}
	return n, err
}

func (e *entryReader) Close() error { return e.f.Close() }

var errNotWheel = errors.New("not a wheel file name")

// parseWheelName splits a wheel file name
// ({name}-{version}(-{build})?-{python}-{abi}-{platform}.whl).
func parseWheelName(file string) (name, version string, tags [3]string, err error) {
	base, ok := strings.CutSuffix(file, ".whl")
	parts := strings.Split(base, "-")
	if !ok || (len(parts) != 5 && len(parts) != 6) {
		return "", "", tags, fmt.Errorf("%s: %w", file, errNotWheel)
	}
	copy(tags[:], parts[len(parts)-3:])
	return parts[0], parts[1], tags, nil
}

// Bundle unpacks the resolution's wheels into the files of BundleDir, as
// pip would install them into site-packages: .data/purelib and platlib
// merged into the top, scripts, headers and data dropped (nothing on a
// worker runs them), compiled bytecode dropped (the workers' Python
// writes its own). The result is sorted by path and depends only on the
// wheels' contents, never on timestamps or the order of zip entries.
func Bundle(res *Resolution) ([]File, error) {
	byPath := map[string]File{}
	for _, w := range res.Wheels {
		if err := unpackWheel(res.Path(w), byPath); err != nil {
			return nil, err
		}
	}
	files := make([]File, 0, len(byPath))
	for _, f := range byPath {
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

func unpackWheel(wheelPath string, byPath map[string]File) error {
	wheel := filepath.Base(wheelPath)
	zr, err := zip.OpenReader(wheelPath)
	if err != nil {
		return fmt.Errorf("open wheel %s: %w", wheel, err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue
		}
		rel, err := wheelTarget(zf.Name)
		if err != nil {
			return fmt.Errorf("wheel %s: %w", wheel, err)
		}
		if rel == "" {
			continue
		}
		mode := fs.FileMode(0o644)
		if zf.Mode()&0o111 != 0 {
			mode = 0o755
		}
		p := BundleDir + "/" + rel
		if prev, ok := byPath[p]; ok {
			// Size and CRC-32 from the wheels' directories tell equal files
			// apart without reading them.
			if prev.entry.crc == zf.CRC32 && prev.entry.uncompressed == zf.UncompressedSize64 {
				continue
			}
			return fmt.Errorf("wheels %s and %s both install %s with different contents; remove one of the packages from the requirements", prev.Source, wheel, rel)
		}
		off, err := zf.DataOffset()
		if err != nil {
			return fmt.Errorf("wheel %s: %s: %w", wheel, zf.Name, err)
		}
		if zf.Method != zip.Store && zf.Method != zip.Deflate {
			return fmt.Errorf("wheel %s: %s: unsupported compression method %d", wheel, zf.Name, zf.Method)
		}
		byPath[p] = File{Path: p, Mode: mode, Source: wheel, wheel: wheelPath, entry: &entry{
			name: zf.Name, method: zf.Method, offset: off,
			compressed: int64(zf.CompressedSize64), uncompressed: zf.UncompressedSize64, crc: zf.CRC32,
		}}
	}
	return nil
}

// wheelTarget maps a wheel entry to its path in the bundle, "" for entries
// that are not installed, and an error for entries that would land
// outside it.
func wheelTarget(name string) (string, error) {
	if strings.Contains(name, "\\") || strings.Contains(name, "\x00") || path.IsAbs(name) ||
		(len(name) > 1 && name[1] == ':') {
		return "", fmt.Errorf("refusing entry %q: not a relative path", name)
	}
	// No legitimate wheel has ".." in a path; refusing them all is simpler
	// to trust than working out which ones stay inside.
	for _, p := range strings.Split(name, "/") {
		if p == ".." {
			return "", fmt.Errorf("refusing entry %q: it escapes the install directory", name)
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", nil
	}
	parts := strings.Split(clean, "/")
	if strings.HasSuffix(parts[0], ".data") {
		if len(parts) < 3 || (parts[1] != "purelib" && parts[1] != "platlib") {
			return "", nil
		}
		parts = parts[2:]
		clean = strings.Join(parts, "/")
	}
	for _, p := range parts {
		if p == "__pycache__" {
			return "", nil
		}
	}
	if strings.HasSuffix(clean, ".pyc") || strings.HasSuffix(clean, ".pyo") {
		return "", nil
	}
	return clean, nil
}

// Modules returns the top-level module and package names the bundle
// provides, sorted.
func Modules(files []File) []string {
	seen := map[string]bool{}
	for _, f := range files {
		rel, ok := strings.CutPrefix(f.Path, BundleDir+"/")
		if !ok {
			continue
		}
		first, rest, isDir := strings.Cut(rel, "/")
		var mod string
		switch {
		case isDir && rest != "":
			if strings.HasSuffix(first, ".dist-info") || strings.HasSuffix(first, ".data") || strings.HasSuffix(first, ".egg-info") {
				continue
			}
			mod = first
		case strings.HasSuffix(first, ".py"):
			mod = strings.TrimSuffix(first, ".py")
		case strings.HasSuffix(first, ".so") || strings.HasSuffix(first, ".pyd"):
			mod, _, _ = strings.Cut(first, ".")
		default:
			continue
		}
		if mod != "" {
			seen[mod] = true
		}
	}
	mods := make([]string, 0, len(seen))
	for m := range seen {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	return mods
}

// WriteFiles writes files under dir (the resources/ directory of a local
// run), creating directories as needed.
func WriteFiles(dir string, files []File) error {
	for _, f := range files {
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("write bundle: %w", err)
		}
		if err := writeBundleFile(dst, f); err != nil {
			return fmt.Errorf("write bundle: %w", err)
		}
	}
	return nil
}

func writeBundleFile(dst string, f File) error {
	src, err := f.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, f.Mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, src); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
