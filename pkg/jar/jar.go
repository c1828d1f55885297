// Package jar writes reproducible jar files.
//
// The same entries give the same bytes, whatever the files' times, owners
// or the order they were listed in:
//
//   - META-INF/ and META-INF/MANIFEST.MF come first (JarInputStream only
//     finds a manifest among the first entries), then every other entry
//     sorted by name, with a directory entry for every parent directory so
//     that `jar tf`, unzip and Storm's extractor see a complete tree;
//   - every entry carries the same MS-DOS modification time, 2000-01-01
//     00:00, and no extended-timestamp extra field;
//   - modes are 0644 for files, 0755 for directories and 0755 for files that
//     were executable. Storm's supervisor drops modes when it extracts
//     resources/, so they matter only to people who unzip the jar; keeping the
//     executable bit keeps scripts runnable there;
//   - files are deflated at one fixed level, in parallel, each into its own
//     buffer (a large file into an unlinked temporary file), and written in
//     order, so parallelism never shows in the output. A small file whose
//     deflated form is not smaller is stored instead, as zip does. Sizes and
//     CRCs are in the local headers: no data descriptors.
//
// Memory stays flat in the size of the input: at most a window of small
// files is held at any time; large files are spooled to disk. The
// sha256 of the output is computed while it is written.
//
// The output is reproducible for a given stormpy build: another release of
// the deflate package may deflate differently.
package jar

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
)

// The modification time of every entry: 2000-01-01 00:00:00 in MS-DOS
// form (which has no time zone). Any constant after 1980 would do.
const (
	dosDate uint16 = (2000-1980)<<9 | 1<<5 | 1
	dosTime uint16 = 0
)

// ManifestName is the name of the manifest, which the writer always adds.
const ManifestName = "META-INF/MANIFEST.MF"

// DefaultLevel is the deflate level used when Options.Level is 0, the
// level zip and the JDK's jar use by default. The deflater is
// klauspost/compress's, three times as fast as the standard library's at
// this level for jars within a few per cent of zip's size.
const DefaultLevel = 6

// Entry is one file or directory to put into a jar.
type Entry struct {
	// Name is the slash-separated path inside the jar. A directory's name
	// ends in "/". Parent directories need not be listed.
	Name string
	// Exec marks a file that was executable: it gets mode 0755, not 0644.
	Exec bool
	// Open returns the file's content; nil for a directory. It is called at
	// most once, from any goroutine, shortly before the content is needed,
	// so that no more than a few files are open at a time.
	Open func() (io.ReadCloser, error)
}

// Options tune the writer; the zero value is ready to use.
type Options struct {
	// Version goes into the manifest as "Created-By: stormpy <Version>".
	Version string
	// Level is the deflate level, 1 to 9; 0 means DefaultLevel.
	Level int
	// Workers is how many files are deflated at once; 0 means GOMAXPROCS.
	Workers int
	// SpoolDir holds the deflated forms of large files until they are
	// written; empty means the system's temporary directory (WriteFile
	// uses the jar's directory). Spools are unlinked as soon as created.
	SpoolDir string
}

// Result describes a written jar.
type Result struct {
	// Path is where the jar was written (empty for Write).
	Path string
	// Entries counts every entry, directories and manifest included.
	Entries int
	// Size is the jar's size in bytes.
	Size int64
	// SHA256 is the hex sha256 of the jar's bytes.
	SHA256 string
}

// Manifest returns the manifest the writer puts into every jar. Lines end
// in CRLF and are wrapped at 72 bytes, as the jar specification requires.
func Manifest(version string) []byte {
	createdBy := "stormpy"
	if version != "" {
		createdBy += " " + version
	}
	var b strings.Builder
	for _, h := range [][2]string{{"Manifest-Version", "1.0"}, {"Created-By", createdBy}} {
		line := h[0] + ": " + h[1]
		// Continuation lines start with one space, which counts toward the
		// 72 bytes; never split inside a UTF-8 sequence.
		limit := 72
		for len(line) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			b.WriteString(line[:cut])
			b.WriteString("\r\n ")
			line = line[cut:]
			limit = 71
		}
		b.WriteString(line)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// WriteFile writes a jar to path atomically: into a temporary file next to
// it, synced and then renamed over path. On any error, cancellation
// included, the temporary file is removed and path is left as it was.
func WriteFile(ctx context.Context, path string, entries []Entry, o Options) (res *Result, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create jar: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if o.SpoolDir == "" {
		o.SpoolDir = dir
	}
	res, err = Write(ctx, f, entries, o)
	if err != nil {
		return nil, err
	}
	// CreateTemp makes the file 0600; a jar is no secret.
	if err := f.Chmod(0o644); err != nil {
		return nil, fmt.Errorf("write jar: %w", err)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("write jar: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write jar: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return nil, fmt.Errorf("write jar: %w", err)
	}
	// Make the rename itself durable; not every file system can sync a
	// directory, and the jar is complete either way, so errors are ignored.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	res.Path = path
	return res, nil
}

// Write writes a jar of entries to w and reports its size and sha256.
func Write(ctx context.Context, w io.Writer, entries []Entry, o Options) (*Result, error) {
	list, err := plan(entries)
	if err != nil {
		return nil, err
	}
	level := o.Level
	if level == 0 {
		level = DefaultLevel
	}
	if level < flate.BestSpeed || level > flate.BestCompression {
		return nil, fmt.Errorf("jar: deflate level %d out of range 1..9", level)
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	hc := &hashCounter{w: w, h: sha256.New()}
	bw := bufio.NewWriterSize(hc, 256<<10)
	zw := zip.NewWriter(bw)
	// The manifest is tiny: deflate it here, the way workers do.
	man, deflated := Manifest(o.Version), new(bytes.Buffer)
	crc := newCompressor(level).compress(man, deflated)
	if err := writeDir(zw, "META-INF/"); err != nil {
		return nil, err
	}
	if err := writeBuffered(zw, ManifestName, false, man, deflated.Bytes(), crc); err != nil {
		return nil, err
	}
	count := 2

	p := startPipeline(ctx, list, workers, level, o.SpoolDir)
	defer func() {
		cancel() // workers skip what is left instead of deflating it
		p.stop()
	}()
	for j := range p.order {
		select {
		case <-j.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if j.err != nil {
			return nil, j.err
		}
		if err := p.write(zw, j); err != nil {
			return nil, err
		}
		count++
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("write jar: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("write jar: %w", err)
	}
	return &Result{Entries: count, Size: hc.n, SHA256: hex.EncodeToString(hc.h.Sum(nil))}, nil
}

// plan validates the entries and returns them sorted by name, with every
// implied parent directory added.
func plan(entries []Entry) ([]Entry, error) {
	byName := make(map[string]Entry, len(entries))
	for _, e := range entries {
		if err := checkName(e.Name); err != nil {
			return nil, err
		}
		isDir := strings.HasSuffix(e.Name, "/")
		if isDir && e.Open != nil {
			return nil, fmt.Errorf("jar: directory entry %q has content", e.Name)
		}
		if !isDir && e.Open == nil {
			return nil, fmt.Errorf("jar: file entry %q has no content", e.Name)
		}
		if e.Name == "META-INF/" || e.Name == ManifestName {
			if isDir {
				continue // always written first anyway
			}
			return nil, fmt.Errorf("jar: %s is written by stormpy and cannot be replaced", ManifestName)
		}
		if _, dup := byName[e.Name]; dup {
			return nil, fmt.Errorf("jar: duplicate entry %q", e.Name)
		}
		byName[e.Name] = e
	}
	for name := range byName {
		for dir := parentDir(name); dir != ""; dir = parentDir(dir) {
			if _, ok := byName[dir]; ok {
				break // its parents were added with it, or will be
			}
			byName[dir] = Entry{Name: dir}
		}
	}
	list := make([]Entry, 0, len(byName))
	for name, e := range byName {
		if !strings.HasSuffix(name, "/") {
			if _, clash := byName[name+"/"]; clash {
				return nil, fmt.Errorf("jar: %q is both a file and a directory", name)
			}
		}
		if name == "META-INF/" {
			continue
		}
		list = append(list, e)
	}
	sort.Slice(list, func(i, k int) bool { return list[i].Name < list[k].Name })
	return list, nil
}

// parentDir returns "a/b/" for "a/b/c" and "a/b/c/", and "" at the top.
func parentDir(name string) string {
	i := strings.LastIndexByte(strings.TrimSuffix(name, "/"), '/')
	if i < 0 {
		return ""
	}
	return name[:i+1]
}

func checkName(name string) error {
	bad := func(why string) error { return fmt.Errorf("jar: entry name %q %s", name, why) }
	switch {
	case name == "" || name == "/":
		return bad("is empty")
	case strings.HasPrefix(name, "/"):
		return bad("is absolute")
	case strings.Contains(name, `\`):
		return bad("contains a backslash")
	case !utf8.ValidString(name):
		return bad("is not valid UTF-8")
	case len(name) > 0xffff:
		return bad("is too long")
	}
	for _, seg := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("has an empty, . or .. element")
		}
	}
	return nil
}

func header(name string, mode fs.FileMode) *zip.FileHeader {
	fh := &zip.FileHeader{Name: name, ModifiedDate: dosDate, ModifiedTime: dosTime}
	fh.SetMode(mode)
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			fh.Flags |= 0x800 // the name is UTF-8
			break
		}
	}
	return fh
}

func fileMode(exec bool) fs.FileMode {
	if exec {
		return 0o755
	}
	return 0o644
}

// rawHeader is the header of a file whose content is already deflated,
// with its sizes and CRC in the local header, so no data descriptor
// follows.
func rawHeader(name string, exec bool, method uint16, crc uint32, size, csize int64) *zip.FileHeader {
	fh := header(name, fileMode(exec))
	// CreateRaw writes the versions as given; say what CreateHeader would.
	fh.CreatorVersion |= 20
	fh.ReaderVersion = 20
	fh.Method = method
	fh.CRC32 = crc
	fh.UncompressedSize64 = uint64(size)
	fh.CompressedSize64 = uint64(csize)
	return fh
}

func writeDir(zw *zip.Writer, name string) error {
	if _, err := zw.CreateHeader(header(name, fs.ModeDir|0o755)); err != nil {
		return fmt.Errorf("write jar: %s: %w", name, err)
	}
	return nil
}

// writeBuffered writes a file whose content data was already deflated,
// storing it instead when deflate did not make it smaller.
func writeBuffered(zw *zip.Writer, name string, exec bool, data, deflated []byte, crc uint32) error {
	body, method := deflated, zip.Deflate
	if len(body) >= len(data) {
		body, method = data, zip.Store
	}
	fw, err := zw.CreateRaw(rawHeader(name, exec, method, crc, int64(len(data)), int64(len(body))))
	if err == nil {
		_, err = fw.Write(body)
	}
	if err != nil {
		return fmt.Errorf("write jar: %s: %w", name, err)
	}
	return nil
}

// hashCounter passes writes on while hashing and counting them.
type hashCounter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hc *hashCounter) Write(p []byte) (int, error) {
	n, err := hc.w.Write(p)
	hc.h.Write(p[:n])
	hc.n += int64(n)
	return n, err
}
