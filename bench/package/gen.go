package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
)

// The generated trees are deterministic (fixed seeds), so every run and
// every machine packages the same bytes.

// syllables make identifiers that look like a real code base's: a few
// thousand distinct names, each used many times, as in real sources.
var syllables = []string{"get", "set", "word", "count", "tuple", "emit", "ack", "fail", "bolt", "spout", "stream",
	"task", "conf", "value", "item", "data", "key", "batch", "window", "state", "user", "event", "record", "parse",
	"load", "save", "cache", "index", "total", "name", "id", "size", "buf", "msg", "line", "field", "group", "node"}

// keywords that take an arbitrary expression, so that the sources compile.
var keywords = []string{"return", "yield", "raise", "assert"}

var words = strings.Fields(`the a of to and in is for that with on this be are by as it from or not
tuple stream value returns given when each which new list this default storm topology bolt spout
emit ack fail message count word record batch window state key should must may will only if than`)

type gen struct{ r *rand.Rand }

func newGen(seed int64) *gen { return &gen{rand.New(rand.NewSource(seed))} }

func (g *gen) pick(s []string) string { return s[g.r.Intn(len(s))] }

func (g *gen) ident() string {
	n := 1 + g.r.Intn(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.pick(syllables)
	}
	return strings.Join(parts, "_")
}

func (g *gen) class() string {
	n := 1 + g.r.Intn(3)
	var b strings.Builder
	for i := 0; i < n; i++ {
		s := g.pick(syllables)
		b.WriteString(strings.ToUpper(s[:1]) + s[1:])
	}
	return b.String()
}

func (g *gen) sentence() string {
	n := 4 + g.r.Intn(10)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = g.pick(words)
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func (g *gen) expr() string {
	switch g.r.Intn(6) {
	case 0:
		return fmt.Sprintf("%d", g.r.Intn(1000))
	case 1:
		return fmt.Sprintf("%q", g.sentence())
	case 2:
		return fmt.Sprintf("self.%s(%s, %s)", g.ident(), g.ident(), g.ident())
	case 3:
		return fmt.Sprintf("%s.%s", g.ident(), g.ident())
	case 4:
		return fmt.Sprintf("[%s for %s in %s]", g.ident(), g.ident(), g.ident())
	default:
		return fmt.Sprintf("%s(%s=%s)", g.ident(), g.ident(), g.ident())
	}
}

func (g *gen) body(b *bytes.Buffer, indent string, depth int) {
	for i, n := 0, 2+g.r.Intn(6); i < n; i++ {
		switch k := g.r.Intn(10); {
		case k < 4:
			fmt.Fprintf(b, "%s%s = %s\n", indent, g.ident(), g.expr())
		case k < 5:
			fmt.Fprintf(b, "%s# %s\n", indent, g.sentence())
		case k < 7 && depth < 3:
			fmt.Fprintf(b, "%sif %s is not None:\n", indent, g.ident())
			g.body(b, indent+"    ", depth+1)
		case k < 8 && depth < 3:
			fmt.Fprintf(b, "%sfor %s in %s:\n", indent, g.ident(), g.expr())
			g.body(b, indent+"    ", depth+1)
		default:
			fmt.Fprintf(b, "%s%s %s\n", indent, g.pick(keywords), g.expr())
		}
	}
}

// python returns about size bytes of Python source that compiles (though
// it would not run); it deflates about as well as real code.
func (g *gen) python(size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\"\"\"%s\n\n%s\n\"\"\"\n\nimport os\nimport sys\nfrom %s import %s, %s\n\n", g.sentence(), g.sentence(), g.ident(), g.ident(), g.ident())
	for b.Len() < size {
		fmt.Fprintf(&b, "\n\nclass %s(%s):\n    \"\"\"%s\"\"\"\n", g.class(), g.class(), g.sentence())
		for m, n := 0, 1+g.r.Intn(5); m < n && b.Len() < size; m++ {
			fmt.Fprintf(&b, "\n    def %s(self, %s, %s_opt=None):\n", g.ident(), g.ident(), g.ident())
			g.body(&b, "        ", 0)
		}
	}
	return b.Bytes()
}

// binary returns size bytes shaped like a compiled extension module:
// runs of code-like bytes from a small alphabet, zero padding, and some
// noise. It deflates about 2.5:1, like a real .so.
func (g *gen) binary(size int) []byte {
	b := make([]byte, 0, size)
	alphabet := make([]byte, 48)
	g.r.Read(alphabet)
	for len(b) < size {
		n := min(256+g.r.Intn(4096), size-len(b))
		switch k := g.r.Intn(10); {
		case k < 2:
			b = append(b, make([]byte, n)...)
		case k < 4:
			noise := make([]byte, n)
			g.r.Read(noise)
			b = append(b, noise...)
		default:
			for i := 0; i < n; i++ {
				b = append(b, alphabet[g.r.Intn(len(alphabet))])
			}
		}
	}
	return b
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

const topologyYAML = `name: %s
spouts:
  - id: sentences
    className: org.apache.storm.flux.wrappers.spouts.FluxShellSpout
    constructorArgs: [[python3, spout.py], [sentence]]
bolts:
  - id: split
    className: org.apache.storm.flux.wrappers.bolts.FluxShellBolt
    constructorArgs: [[python3, split.py], [word]]
streams:
  - from: sentences
    to: split
    grouping: {type: SHUFFLE}
`

// scripts are the components the generated topology.yaml names, so that
// `stormpy package` validates the generated projects.
var scripts = map[string]string{
	"resources/spout.py": "import storm\n\n\nclass Sentences(storm.Spout):\n    def nextTuple(self):\n        storm.emit([\"a b c\"])\n\n\nSentences().run()\n",
	"resources/split.py": "import storm\n\n\nclass Split(storm.BasicBolt):\n    def process(self, tup):\n        for w in tup.values[0].split():\n            storm.emit([w])\n\n\nSplit().run()\n",
}

func writeScripts(dir string) error {
	for name, text := range scripts {
		if err := writeFile(filepath.Join(dir, name), []byte(text)); err != nil {
			return err
		}
	}
	return nil
}

// genSmall writes a small word-count-like project (used when the
// repository has no examples/wordcount).
func genSmall(dir string) error {
	g := newGen(1)
	files := map[string][]byte{
		"topology.yaml":      []byte(fmt.Sprintf(topologyYAML, "wordcount")),
		"resources/count.py": g.python(2200),
	}
	for name, data := range files {
		if err := writeFile(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	return writeScripts(dir)
}

// genSources writes a project of n Python files totalling about total
// bytes, spread over packages of 100 modules, sizes varying 10x.
func genSources(dir string, n, total int) error {
	g := newGen(2)
	if err := writeFile(filepath.Join(dir, "topology.yaml"), []byte(fmt.Sprintf(topologyYAML, "sources"))); err != nil {
		return err
	}
	if err := writeScripts(dir); err != nil {
		return err
	}
	avg := total / n
	for i := 0; i < n; i++ {
		size := avg/4 + g.r.Intn(avg*3/2) // mean avg, from avg/4 to 7avg/4
		name := filepath.Join(dir, "resources", fmt.Sprintf("app%02d", i/100), fmt.Sprintf("%s_%03d.py", g.ident(), i%100))
		if err := writeFile(name, g.python(size)); err != nil {
			return err
		}
	}
	return nil
}

// genDeps writes a project with bundled dependencies under
// resources/_deps: site-packages-like trees of modules, dist-info
// metadata, data files and a few large compiled extensions.
func genDeps(dir string) error {
	g := newGen(3)
	if err := writeFile(filepath.Join(dir, "topology.yaml"), []byte(fmt.Sprintf(topologyYAML, "deps"))); err != nil {
		return err
	}
	if err := writeScripts(dir); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "resources", "count.py"), g.python(3000)); err != nil {
		return err
	}
	deps := filepath.Join(dir, "resources", "_deps")
	for p := 0; p < 30; p++ {
		pkg := fmt.Sprintf("%s%d", strings.ReplaceAll(g.ident(), "_", ""), p)
		info := filepath.Join(deps, pkg+"-1.0.dist-info")
		var record bytes.Buffer
		modules := 10 + g.r.Intn(150)
		for m := 0; m < modules; m++ {
			sub := ""
			if m%20 != 0 {
				sub = fmt.Sprintf("sub%d", m%7)
			}
			name := filepath.Join(deps, pkg, sub, fmt.Sprintf("%s_%d.py", g.ident(), m))
			if err := writeFile(name, g.python(1000+g.r.Intn(30000))); err != nil {
				return err
			}
			fmt.Fprintf(&record, "%s,sha256=%x,%d\n", name[len(deps)+1:], g.r.Int63(), m)
		}
		if p%3 == 0 { // a compiled extension, 1 to 8 MB
			name := filepath.Join(deps, pkg, fmt.Sprintf("_speedups.cpython-311-x86_64-linux-gnu.so"))
			if err := writeFile(name, g.binary(1<<20+g.r.Intn(7<<20))); err != nil {
				return err
			}
		}
		if p%5 == 0 { // package data
			var js bytes.Buffer
			for js.Len() < 200000 {
				fmt.Fprintf(&js, "{\"%s\": %d, \"%s\": %q},\n", g.ident(), g.r.Intn(1e6), g.ident(), g.sentence())
			}
			if err := writeFile(filepath.Join(deps, pkg, "data", "table.json"), js.Bytes()); err != nil {
				return err
			}
		}
		meta := fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: 1.0\nSummary: %s\n", pkg, g.sentence())
		for name, data := range map[string][]byte{
			"METADATA":  []byte(meta),
			"WHEEL":     []byte("Wheel-Version: 1.0\nGenerator: bdist_wheel\nRoot-Is-Purelib: false\n"),
			"RECORD":    record.Bytes(),
			"INSTALLER": []byte("pip\n"),
		} {
			if err := writeFile(filepath.Join(info, name), data); err != nil {
				return err
			}
		}
	}
	return nil
}
