// Package config reads stormpy.yaml, the optional file next to a topology
// spec that names deployment environments, in the spirit of streamparse's
// `envs`:
//
//	default: prod            # optional; with a single env it is the default
//	envs:
//	  prod:
//	    nimbus: [hn0-abc, hn1-abc]   # or "hn0-abc,hn1-abc:6627"
//	    port: 6627                   # for seeds without a port
//	    ssh: alice@abc-ssh.azurehdinsight.net   # [user@]host[:port]
//	    connect_timeout: 10s
//	    timeout: 2m                  # per Nimbus call
//	    retries: 3
//	    config:                      # topology conf overrides
//	      topology.workers: 4
//
// Precedence is flags, then the file, then built-in defaults; Merge applies
// it. Errors carry file:line:col.
package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/stormpy/stormpy/pkg/confval"
	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/suggest"
)

// FileName is the config file's name, looked up next to the spec.
const FileName = "stormpy.yaml"

// Settings are the connection settings a command uses. Zero values mean
// "not set".
type Settings struct {
	// Nimbus lists seeds as host or host:port.
	Nimbus []string
	Port   int
	// SSH is the gateway as [user@]host[:port].
	SSH            string
	ConnectTimeout time.Duration
	Timeout        time.Duration
	// Retries is nil when not set (0 is a meaningful value).
	Retries *int
	// Conf holds topology configuration overrides.
	Conf map[string]any
}

// Env is one named environment.
type Env struct {
	Name string
	Settings
}

// File is a parsed stormpy.yaml.
type File struct {
	Path    string
	Default string
	Envs    map[string]*Env
	// Python describes the workers' Python, for bundled requirements.
	Python Python
}

// Load reads dir/stormpy.yaml. A missing file gives an empty File.
func Load(dir string) (*File, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &File{Path: path, Envs: map[string]*Env{}}, nil
	}
	if err != nil {
		return nil, exitcode.Invalid(err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads a stormpy.yaml from r; path is used in error messages. All
// problems are reported at once.
func Parse(r io.Reader, path string) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, exitcode.Invalid(fmt.Errorf("%s: %w", path, err))
	}
	p := &parser{path: path}
	out := &File{Path: path, Envs: map[string]*Env{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, exitcode.Invalid(fmt.Errorf("%s: %w", path, err))
	}
	if len(doc.Content) == 0 {
		return out, nil
	}
	root := doc.Content[0]
	var defaultNode *yaml.Node
	p.mapping(root, "top level", []string{"default", "envs", "python"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "default":
			if s, ok := p.str(v, "default"); ok {
				out.Default, defaultNode = s, v
			}
		case "envs":
			p.mapping(v, "envs", nil, func(name string, k, v *yaml.Node) {
				if name == "" {
					p.errf(k, "empty env name")
					return
				}
				out.Envs[name] = p.env(name, v)
			})
		case "python":
			out.Python = p.python(v)
		}
	})
	if defaultNode != nil && out.Envs[out.Default] == nil {
		p.errf(defaultNode, "default env %q is not defined under envs%s", out.Default, known(out.Envs))
	}
	if len(p.errs) > 0 {
		return nil, exitcode.Invalid(errors.New(strings.Join(p.errs, "\n")))
	}
	return out, nil
}

// Env picks the environment: name if given, else the file's default, else
// the only env. It returns nil when there is nothing to pick.
func (f *File) Env(name string) (*Env, error) {
	if name == "" {
		name = f.Default
	}
	if name == "" {
		if len(f.Envs) == 1 {
			for _, e := range f.Envs {
				return e, nil
			}
		}
		return nil, nil
	}
	if e := f.Envs[name]; e != nil {
		return e, nil
	}
	if len(f.Envs) == 0 {
		return nil, exitcode.Invalid(fmt.Errorf("--env %s: no %s with envs found (looked at %s)", name, FileName, f.Path))
	}
	return nil, exitcode.Invalid(fmt.Errorf("--env %s: no such env in %s%s", name, f.Path, known(f.Envs)))
}

// Merge applies the precedence: a field set in flags wins over the file's,
// which wins over the defaults that the Nimbus client fills in. Conf is
// merged key by key, flags last.
func Merge(flags Settings, file *Env) Settings {
	if file == nil {
		return flags
	}
	out := file.Settings
	if len(flags.Nimbus) > 0 {
		out.Nimbus = flags.Nimbus
	}
	if flags.Port != 0 {
		out.Port = flags.Port
	}
	if flags.SSH != "" {
		out.SSH = flags.SSH
	}
	if flags.ConnectTimeout != 0 {
		out.ConnectTimeout = flags.ConnectTimeout
	}
	if flags.Timeout != 0 {
		out.Timeout = flags.Timeout
	}
	if flags.Retries != nil {
		out.Retries = flags.Retries
	}
	if len(file.Conf) > 0 || len(flags.Conf) > 0 {
		out.Conf = map[string]any{}
		for k, v := range file.Conf {
			out.Conf[k] = v
		}
		for k, v := range flags.Conf {
			out.Conf[k] = v
		}
	}
	return out
}

func known(envs map[string]*Env) string {
	if len(envs) == 0 {
		return ""
	}
	names := make([]string, 0, len(envs))
	for n := range envs {
		names = append(names, n)
	}
	sort.Strings(names)
	return " (defined: " + strings.Join(names, ", ") + ")"
}

var envKeys = []string{"nimbus", "port", "ssh", "connect_timeout", "timeout", "retries", "config"}

type parser struct {
	path string
	errs []string
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, fmt.Sprintf("%s:%d:%d: %s", p.path, n.Line, n.Column, fmt.Sprintf(format, args...)))
}

// mapping walks a YAML mapping; with keys set, other keys are errors.
func (p *parser) mapping(n *yaml.Node, what string, keys []string, fn func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s must be a mapping", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			p.errf(k, "duplicate key %q in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		if keys != nil && !contains(keys, k.Value) {
			p.errf(k, "unknown key %q in %s%s", k.Value, what, didYouMean(k.Value, keys))
			continue
		}
		fn(k.Value, k, v)
	}
}

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errf(n, "%s must be a string", what)
		return "", false
	}
	return n.Value, true
}

func (p *parser) env(name string, n *yaml.Node) *Env {
	e := &Env{Name: name}
	what := fmt.Sprintf("env %q", name)
	p.mapping(n, what, envKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "nimbus":
			e.Nimbus = p.seeds(v)
		case "port":
			if n, err := strconv.Atoi(v.Value); err != nil || v.Kind != yaml.ScalarNode || n < 1 || n > 65535 {
				p.errf(v, "port must be a number between 1 and 65535")
			} else {
				e.Port = n
			}
		case "ssh":
			if s, ok := p.str(v, "ssh"); ok {
				if s == "" || strings.ContainsAny(s, " \t/") {
					p.errf(v, "ssh must be [user@]host[:port]")
				}
				e.SSH = s
			}
		case "connect_timeout", "timeout":
			d, err := time.ParseDuration(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode || d <= 0 {
				p.errf(v, "%s must be a positive duration such as 30s or 2m", key)
				return
			}
			if key == "timeout" {
				e.Timeout = d
			} else {
				e.ConnectTimeout = d
			}
		case "retries":
			n, err := strconv.Atoi(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode || n < 0 {
				p.errf(v, "retries must be a whole number, 0 or more")
				return
			}
			e.Retries = &n
		case "config":
			e.Conf = p.conf(v)
		}
	})
	return e
}

func (p *parser) seeds(n *yaml.Node) []string {
	var out []string
	switch n.Kind {
	case yaml.ScalarNode:
		for _, s := range strings.Split(n.Value, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if s, ok := p.str(item, "a nimbus seed"); ok && s != "" {
				out = append(out, s)
			}
		}
	default:
		p.errf(n, "nimbus must be a host list or a comma-separated string")
	}
	if len(out) == 0 && n.Kind != yaml.MappingNode {
		p.errf(n, "nimbus names no host")
	}
	return out
}

func (p *parser) conf(n *yaml.Node) map[string]any {
	out := map[string]any{}
	p.mapping(n, "config", nil, func(key string, k, v *yaml.Node) {
		if err := confval.ValidKey(key); err != nil {
			p.errf(k, "config: %v", err)
			return
		}
		var val any
		if err := v.Decode(&val); err != nil {
			p.errf(v, "config %s: %v", key, err)
			return
		}
		out[key] = normalize(val)
	})
	return out
}

// normalize turns yaml.v3's int into int64, matching what -c overrides
// produce, so both kinds of override serialise alike.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalize(x[k])
		}
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// didYouMean returns ` (did you mean "x"?)` for a close known key.
func didYouMean(got string, keys []string) string {
	if best := suggest.Closest(got, keys); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}
