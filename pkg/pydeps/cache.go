package pydeps

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// cacheFormat changes whenever the layout of a cache entry or the meaning
// of a key changes, so old entries are simply never found again.
const cacheFormat = "stormpy-pydeps-1"

// pipEnv lists the pip settings that change which wheels a resolution picks
// (as opposed to how pip talks to the network, like timeouts or proxies).
var pipEnv = []string{
	"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_FIND_LINKS",
	"PIP_CONSTRAINT", "PIP_PRE", "PIP_ONLY_BINARY", "PIP_NO_BINARY",
	"PIP_PREFER_BINARY", "PIP_UPGRADE_STRATEGY",
}

// cacheKey hashes everything that decides the outcome of a resolution: the
// requirements (comments and blank lines dropped, included files followed),
// the target, and pip's resolution settings from environ.
func cacheKey(requirementsFile string, opts Options, environ []string) (string, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n", cacheFormat)
	if err := writeNormalized(&b, requirementsFile, 0); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "--target\npython=%s\nimplementation=%s\nabi=%s\n", opts.PythonVersion, opts.Implementation, opts.ABI)
	for _, p := range opts.Platforms {
		fmt.Fprintf(&b, "platform=%s\n", p)
	}
	b.WriteString("--env\n")
	env := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, k := range pipEnv {
		if v, ok := env[k]; ok {
			fmt.Fprintf(&b, "%s=%s\n", k, v)
		}
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:16]), nil
}

// writeNormalized writes the logical lines of a requirements file without
// comments, and, in place of -r/-c options, the normalized content of the
// files they include, so that an edit to an included file changes the key.
func writeNormalized(w io.Writer, path string, depth int) error {
	if depth > 10 {
		return fmt.Errorf("requirements %s: includes nested too deeply", path)
	}
	lines, err := requirementLines(path)
	if err != nil {
		return err
	}
	for _, l := range lines {
		fmt.Fprintf(w, "%s\n", l.text)
		if inc := includedFile(l.text); inc != "" {
			if !filepath.IsAbs(inc) {
				inc = filepath.Join(filepath.Dir(path), inc)
			}
			if err := writeNormalized(w, inc, depth+1); err != nil {
				return err
			}
			fmt.Fprintf(w, "--end %s\n", l.text)
		}
	}
	return nil
}

// line is one logical line of a requirements file.
type line struct {
	num  int // where it starts, 1-based
	text string
}

// requirementLines reads a requirements file the way pip does: backslash
// continuations joined, comments (a # at the start or after whitespace)
// dropped, blank lines skipped.
func requirementLines(path string) ([]line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read requirements: %w", err)
	}
	defer f.Close()
	var out []line
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		t := sc.Text()
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(t, "\\") {
			cur.WriteString(strings.TrimSuffix(t, "\\"))
			continue
		}
		cur.WriteString(t)
		s := stripComment(cur.String())
		cur.Reset()
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, line{num: start, text: s})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read requirements %s: %w", path, err)
	}
	if s := strings.TrimSpace(stripComment(cur.String())); s != "" {
		out = append(out, line{num: start, text: s})
	}
	return out, nil
}

func stripComment(s string) string {
	if strings.HasPrefix(strings.TrimSpace(s), "#") {
		return ""
	}
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
}

// includedFile returns the file a -r/-c line includes, or "".
func includedFile(l string) string {
	for _, opt := range []string{"--requirement", "--constraint", "-r", "-c"} {
		rest, ok := strings.CutPrefix(l, opt)
		if !ok {
			continue
		}
		if strings.HasPrefix(opt, "--") && rest != "" && rest[0] != '=' && rest[0] != ' ' && rest[0] != '\t' {
			continue
		}
		return strings.TrimSpace(strings.TrimPrefix(rest, "="))
	}
	return ""
}

// manifest is the record of a cache entry, written last so that its
// presence means the entry is complete.
type manifest struct {
	Format string  `json:"format"`
	Key    string  `json:"key"`
	Wheels []Wheel `json:"wheels"`
}

const manifestName = "manifest.json"

// cache stores one directory of wheels per key.
type cache struct{ dir string }

// load returns the entry for key after checking every wheel's digest; an
// error wrapping os.ErrNotExist means there is none.
func (c cache) load(key string) (*Resolution, error) {
	dir := filepath.Join(c.dir, key)
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("cache entry %s: %w", key, err)
	}
	if m.Format != cacheFormat || m.Key != key {
		return nil, fmt.Errorf("cache entry %s: unexpected format %q", key, m.Format)
	}
	for _, w := range m.Wheels {
		sum, err := fileSHA256(filepath.Join(dir, w.File))
		if err != nil {
			return nil, fmt.Errorf("cache entry %s: %w", key, err)
		}
		if sum != w.SHA256 {
			return nil, fmt.Errorf("cache entry %s: %s changed on disk", key, w.File)
		}
	}
	return &Resolution{Key: key, Dir: dir, Wheels: m.Wheels, Cached: true}, nil
}

// store fills a fresh directory with fill, records its wheels and moves
// it into place atomically, so that concurrent builds and interrupted ones
// never leave a half-written entry behind.
func (c cache) store(key string, fill func(dest string) error) (*Resolution, error) {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("create cache: %w", err)
	}
	tmp, err := os.MkdirTemp(c.dir, ".tmp-"+key+"-")
	if err != nil {
		return nil, fmt.Errorf("create cache entry: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := fill(tmp); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil, fmt.Errorf("read resolved wheels: %w", err)
	}
	m := manifest{Format: cacheFormat, Key: key, Wheels: []Wheel{}}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".whl") {
			continue
		}
		name, version, _, err := parseWheelName(e.Name())
		if err != nil {
			return nil, err
		}
		sum, err := fileSHA256(filepath.Join(tmp, e.Name()))
		if err != nil {
			return nil, err
		}
		m.Wheels = append(m.Wheels, Wheel{File: e.Name(), Name: name, Version: version, SHA256: sum})
	}
	sort.Slice(m.Wheels, func(i, j int) bool { return m.Wheels[i].File < m.Wheels[j].File })
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, manifestName), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write cache manifest: %w", err)
	}
	final := filepath.Join(c.dir, key)
	if err := os.Rename(tmp, final); err != nil {
		// Another build stored the same key first, or a damaged entry is
		// in the way: keep a good one, replace a bad one.
		if res, lerr := c.load(key); lerr == nil {
			res.Cached = false
			return res, nil
		}
		if rerr := os.RemoveAll(final); rerr != nil {
			return nil, fmt.Errorf("replace cache entry: %w", rerr)
		}
		if err := os.Rename(tmp, final); err != nil {
			return nil, fmt.Errorf("store cache entry: %w", err)
		}
	}
	res, err := c.load(key)
	if err != nil {
		return nil, err
	}
	res.Cached = false
	return res, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", filepath.Base(path), err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
