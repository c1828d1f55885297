package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// rawSpec is one file's content before includes are merged.
type rawSpec struct {
	file     string
	name     string
	namePos  Pos
	hasName  bool
	config   map[string]any
	spouts   []*Component
	bolts    []*Component
	streams  []*Stream
	includes []include
	// broken is set when the top level of the file did not decode, so
	// that cross-checks do not pile follow-on errors on the real one.
	broken bool
	// failed is set when the file is not YAML at all.
	failed bool
}

type include struct {
	file     string
	override bool
	pos      Pos
}

// decoder walks a YAML document, reporting every problem with its position.
type decoder struct {
	file string
	p    *problems
	// budget bounds the nodes visited, so that YAML aliases that expand
	// exponentially ("billion laughs") fail fast instead of hanging.
	budget int
}

// nodeBudget is far above any real topology and far below a hang.
const nodeBudget = 200000

// spend uses up budget for one node; it reports once when exhausted.
func (d *decoder) spend(n *yaml.Node) bool {
	d.budget++
	if d.budget == nodeBudget {
		d.p.add(d.pos(n), "expand fewer aliases", "the spec is too large after expanding YAML aliases")
	}
	return d.budget < nodeBudget
}

func (d *decoder) pos(n *yaml.Node) Pos {
	return Pos{File: d.file, Line: n.Line, Col: n.Column}
}

// deref follows aliases so that YAML anchors work as in Flux.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

var (
	supportedTopKeys = []string{"name", "config", "spouts", "bolts", "streams", "includes"}
	topKeys          = []string{"name", "config", "components", "spouts", "bolts", "streams", "includes", "topologySource", "workerHooks"}
	componentKeys    = []string{"id", "className", "constructorArgs", "configMethods", "parallelism", "numTasks", "config", "onHeapMemoryLoad", "offHeapMemoryLoad", "cpuLoad", "properties", "factory", "factoryArgs"}
	streamKeys       = []string{"name", "from", "to", "grouping"}
	groupingKeys     = []string{"type", "args", "streamId", "customClass"}
	objectKeys       = []string{"className", "constructorArgs", "properties", "configMethods", "factory", "factoryArgs", "id"}
	includeKeys      = []string{"resource", "file", "override"}
	methodKeys       = []string{"name", "args"}
)

// refused explains, per Flux key, why stormpy cannot send it over Thrift.
var refused = map[string]string{
	"components":     "Flux `components` are Java objects built on the client and passed by reference; Nimbus's Thrift API can only take them Java-serialized, which needs a JVM. Use scalar constructorArgs on the spout or bolt itself",
	"topologySource": "a topologySource is Java code run on the client to build the topology; stormpy builds it from the YAML without a JVM. Describe spouts, bolts and streams in the YAML instead",
	"workerHooks":    "worker hooks must be Java-serialized on the client, which needs a JVM",
	"properties":     "bean properties are set on a Java object before it is serialized on the client, which needs a JVM; pass values as scalar constructorArgs",
	"factory":        "factory methods run on the client before Java serialization, which needs a JVM; use a constructor with scalar constructorArgs",
	"factoryArgs":    "factory methods run on the client before Java serialization, which needs a JVM; use a constructor with scalar constructorArgs",
}

// eachKey calls f for each key/value pair of a mapping after checking the
// key against the allowed ones.
func (d *decoder) eachKey(n *yaml.Node, what string, allowed []string, f func(key string, k, v *yaml.Node)) {
	n = deref(n)
	if !d.spend(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.p.add(d.pos(n), "", "%s must be a mapping, not %s", what, kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.p.add(d.pos(k), "", "%s has a key that is not a string", what)
			continue
		}
		key := k.Value
		if k.Tag == "!!merge" || key == "<<" {
			d.eachKey(v, what, allowed, f)
			continue
		}
		if seen[key] {
			d.p.add(d.pos(k), "remove one of them", "%s has the key %q twice", what, key)
			continue
		}
		seen[key] = true
		if !contains(allowed, key) {
			d.p.add(d.pos(k), didYouMean(key, allowed), "unknown key %q in %s", key, what)
			continue
		}
		f(key, k, deref(v))
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		switch n.Tag {
		case "!!int", "!!float":
			return "the number " + truncate(n.Value, 40)
		case "!!bool":
			return "the boolean " + n.Value
		}
		return fmt.Sprintf("the string %q", truncate(n.Value, 40))
	}
	return "an alias"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.p.add(d.pos(n), "", "%s must be a string, not %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) integer(n *yaml.Node, what string, min int) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		d.p.add(d.pos(n), "", "%s must be a whole number, not %s", what, kindName(n))
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 32)
	if err != nil || int(v) < min {
		d.p.add(d.pos(n), "", "%s must be a whole number of at least %d, not %s", what, min, n.Value)
		return 0, false
	}
	return int(v), true
}

func (d *decoder) number(n *yaml.Node, what string) (float64, bool) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		var v float64
		if err := n.Decode(&v); err == nil && v >= 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			return v, true
		}
	}
	d.p.add(d.pos(n), "", "%s must be a non-negative number, not %s", what, kindName(n))
	return 0, false
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.p.add(d.pos(n), "", "%s must be true or false, not %s", what, kindName(n))
		return false, false
	}
	var v bool
	err := n.Decode(&v)
	return v, err == nil
}

func (d *decoder) strList(n *yaml.Node, what string) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		d.p.add(d.pos(n), "", "%s must be a list of strings, not %s", what, kindName(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, item := range n.Content {
		s, good := d.str(deref(item), what+" item")
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// value decodes a configuration value to plain Go types, as JSON would
// carry it: map[string]any, []any, string, int64, float64, bool, nil.
func (d *decoder) value(n *yaml.Node, what string, depth int) (any, bool) {
	n = deref(n)
	if !d.spend(n) {
		return nil, false
	}
	if depth > 64 {
		d.p.add(d.pos(n), "", "%s is nested too deeply", what)
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		ok := true
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			if k.Kind != yaml.ScalarNode {
				d.p.add(d.pos(k), "", "%s has a key that is not a string", what)
				ok = false
				continue
			}
			v, good := d.value(n.Content[i+1], what, depth+1)
			ok = ok && good
			m[k.Value] = v
		}
		return m, ok
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		ok := true
		for _, item := range n.Content {
			v, good := d.value(item, what, depth+1)
			ok = ok && good
			l = append(l, v)
		}
		return l, ok
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, true
		case "!!bool":
			var b bool
			_ = n.Decode(&b)
			return b, true
		case "!!int":
			var i int64
			if err := n.Decode(&i); err != nil {
				d.p.add(d.pos(n), "", "%s: %s does not fit in a 64-bit integer", what, n.Value)
				return nil, false
			}
			return i, true
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				d.p.add(d.pos(n), "", "%s: %s is not a finite number JSON can carry", what, n.Value)
				return nil, false
			}
			return f, true
		case "!!binary":
			d.p.add(d.pos(n), "", "%s: binary values are not supported", what)
			return nil, false
		}
		return n.Value, true
	}
	d.p.add(d.pos(n), "", "%s has an unsupported value", what)
	return nil, false
}

func (d *decoder) document(root *yaml.Node) *rawSpec {
	r := &rawSpec{file: d.file}
	if root == nil || len(root.Content) == 0 {
		d.p.add(Pos{File: d.file, Line: 1, Col: 1}, "start from `stormpy init NAME`", "the spec is empty")
		r.failed = true
		return r
	}
	doc := deref(root.Content[0])
	if doc.Kind != yaml.MappingNode {
		r.failed = true
	}
	// A top-level key stormpy does not take (misspelt or refused) leaves a
	// whole section unread; cross-checks would only echo that.
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if k := deref(doc.Content[i]); k.Kind != yaml.ScalarNode || (k.Tag != "!!merge" && !contains(supportedTopKeys, k.Value)) {
			r.broken = true
		}
	}
	d.eachKey(doc, "the topology", topKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			r.namePos = d.pos(v)
			r.name, r.hasName = d.str(v, "name")
		case "config":
			r.config = d.config(v)
		case "spouts", "bolts":
			kind := KindSpout
			if key == "bolts" {
				kind = KindBolt
			}
			d.list(v, key, func(item *yaml.Node) {
				if c := d.component(item, kind); c != nil {
					if kind == KindSpout {
						r.spouts = append(r.spouts, c)
					} else {
						r.bolts = append(r.bolts, c)
					}
				}
			})
		case "streams":
			d.list(v, key, func(item *yaml.Node) {
				if s := d.stream(item); s != nil {
					r.streams = append(r.streams, s)
				}
			})
		case "includes":
			d.list(v, key, func(item *yaml.Node) {
				if inc, ok := d.include(item); ok {
					r.includes = append(r.includes, inc)
				}
			})
		default:
			d.p.add(d.pos(k), "", "%q is not supported: %s", key, refused[key])
		}
	})
	return r
}

func (d *decoder) list(n *yaml.Node, what string, f func(*yaml.Node)) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.p.add(d.pos(n), "", "%s must be a list, not %s", what, kindName(n))
		return
	}
	for _, item := range n.Content {
		f(deref(item))
	}
}

func (d *decoder) include(n *yaml.Node) (include, bool) {
	inc := include{pos: d.pos(n)}
	ok := true
	d.eachKey(n, "an include", includeKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "file":
			inc.file, ok = d.str(v, "include file")
		case "override":
			inc.override, _ = d.boolean(v, "include override")
		case "resource":
			if b, good := d.boolean(v, "include resource"); good && b {
				d.p.add(d.pos(v), "use a file path relative to this spec", "classpath resources cannot be included without a JVM")
				ok = false
			}
		}
	})
	if inc.file == "" && ok {
		d.p.add(inc.pos, "", "an include needs a file")
		ok = false
	}
	return inc, ok
}
