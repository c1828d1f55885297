package spec

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Storm's TopologyBuilder keys for a component's resource loads.
const (
	ConfOnHeapMemory  = "topology.component.resources.onheap.memory.mb"
	ConfOffHeapMemory = "topology.component.resources.offheap.memory.mb"
	ConfCPU           = "topology.component.cpu.pcore.percent"
)

var shellMethods = []string{"setDefaultStream", "setNamedStream", "addComponentConfig"}

func (d *decoder) component(n *yaml.Node, kind Kind) *Component {
	c := &Component{Kind: kind, Pos: d.pos(n), Parallelism: 1}
	var args, methods *yaml.Node
	ok := true
	what := "a " + string(kind)
	d.eachKey(n, what, componentKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "id":
			var good bool
			c.ID, good = d.str(v, "id")
			if good && strings.TrimSpace(c.ID) == "" {
				d.p.add(d.pos(v), "", "id must not be empty")
			}
			ok = ok && good
		case "className":
			c.ClassPos = d.pos(v)
			var good bool
			c.ClassName, good = d.str(v, "className")
			ok = ok && good
		case "constructorArgs":
			args = v
		case "configMethods":
			methods = v
		case "parallelism":
			if p, good := d.integer(v, "parallelism", 1); good {
				c.Parallelism = p
			}
		case "numTasks":
			if t, good := d.integer(v, "numTasks", 1); good {
				c.NumTasks = t
			}
		case "config":
			if cfg := d.config(v); cfg != nil {
				c.setConf(cfg)
			}
		case "onHeapMemoryLoad", "offHeapMemoryLoad", "cpuLoad":
			if f, good := d.number(v, key); good {
				c.setConf(map[string]any{loadKey(key): f})
			}
		default:
			d.p.add(d.pos(k), "", "%q is not supported: %s", key, refused[key])
		}
	})
	if n.Kind != yaml.MappingNode {
		return nil
	}
	if c.ID == "" && ok {
		d.p.add(c.Pos, "", "this %s has no id", kind)
	}
	if c.ClassName == "" {
		if ok {
			d.p.add(c.Pos, "use "+shellClassFor(kind)+" for a Python "+string(kind), "%s %q has no className", kind, c.ID)
		}
		return c
	}
	switch c.ClassName {
	case FluxShellSpout, FluxShellBolt:
		if want := shellClassFor(kind); c.ClassName != want {
			d.p.add(c.ClassPos, "use "+want, "%s is not a %s class", c.ClassName, kind)
		}
		c.Shell = d.shell(c, args, methods)
	default:
		if strings.HasSuffix(c.ClassName, "FluxShellSpout") || strings.HasSuffix(c.ClassName, "FluxShellBolt") {
			d.p.add(c.ClassPos, "did you mean "+quote(shellClassFor(kind))+"?", "unknown shell wrapper class %s", c.ClassName)
			return c
		}
		c.Java = d.java(c.ClassName, args, methods, "className "+c.ClassName)
	}
	return c
}

func shellClassFor(kind Kind) string {
	if kind == KindSpout {
		return FluxShellSpout
	}
	return FluxShellBolt
}

func loadKey(key string) string {
	switch key {
	case "onHeapMemoryLoad":
		return ConfOnHeapMemory
	case "offHeapMemoryLoad":
		return ConfOffHeapMemory
	}
	return ConfCPU
}

func (c *Component) setConf(m map[string]any) {
	if c.Config == nil {
		c.Config = map[string]any{}
	}
	for k, v := range m {
		c.Config[k] = v
	}
}

// shell interprets FluxShellSpout/FluxShellBolt's constructor arguments
// ([command...], [output fields]) and config methods.
func (d *decoder) shell(c *Component, args, methods *yaml.Node) *Shell {
	sh := &Shell{Outputs: map[string][]string{}, OutputPos: map[string]Pos{}}
	if args == nil {
		d.p.add(c.Pos, "write constructorArgs: [[\"python3\", \"script.py\"], [\"field\", ...]]", "%s %q has no constructorArgs: a shell component needs its command", c.Kind, c.ID)
		return sh
	}
	if args.Kind != yaml.SequenceNode || len(args.Content) == 0 || len(args.Content) > 2 {
		d.p.add(d.pos(args), "write constructorArgs: [[\"python3\", \"script.py\"], [\"field\", ...]]", "constructorArgs of a shell component must be a list of one or two lists: the command, then the output fields")
		return sh
	}
	cmdNode := deref(args.Content[0])
	sh.CommandPos = d.pos(cmdNode)
	if cmdNode.Kind == yaml.MappingNode && hasKey(cmdNode, "ref", "reflist") {
		d.p.add(d.pos(cmdNode), "", "references are not supported: %s", refused["components"])
	} else if cmd, ok := d.strList(cmdNode, "the command"); ok {
		if len(cmd) == 0 || strings.TrimSpace(cmd[0]) == "" {
			d.p.add(d.pos(cmdNode), "for example [\"python3\", \"splitter.py\"]", "the command of %s %q is empty", c.Kind, c.ID)
		} else {
			sh.Command = cmd
		}
	}
	if len(args.Content) == 2 {
		fieldsNode := deref(args.Content[1])
		if fields, ok := d.fieldList(fieldsNode, "output fields"); ok {
			sh.Outputs["default"] = fields
			sh.OutputPos["default"] = d.pos(fieldsNode)
		}
	}
	d.list(deref0(methods), "configMethods", func(m *yaml.Node) {
		name, mpos, margs := d.method(m)
		switch name {
		case "":
		case "setDefaultStream":
			if len(margs) != 1 {
				d.p.add(mpos, "write args: [[\"field\", ...]]", "setDefaultStream takes one argument, the list of output fields")
				return
			}
			if fields, ok := d.fieldList(deref(margs[0]), "output fields"); ok {
				sh.Outputs["default"] = fields
				sh.OutputPos["default"] = d.pos(margs[0])
			}
		case "setNamedStream":
			if len(margs) != 2 {
				d.p.add(mpos, "write args: [\"stream\", [\"field\", ...]]", "setNamedStream takes two arguments, the stream id and the list of output fields")
				return
			}
			stream, ok := d.str(deref(margs[0]), "the stream id")
			if !ok {
				return
			}
			if strings.TrimSpace(stream) == "" {
				d.p.add(d.pos(margs[0]), "", "the stream id must not be empty")
				return
			}
			if strings.HasPrefix(stream, "__") {
				d.p.add(d.pos(margs[0]), "choose another name", "stream ids starting with \"__\" are reserved by Storm")
				return
			}
			if fields, ok := d.fieldList(deref(margs[1]), "output fields"); ok {
				sh.Outputs[stream] = fields
				sh.OutputPos[stream] = d.pos(margs[0])
			}
		case "addComponentConfig":
			if len(margs) != 2 {
				d.p.add(mpos, "write args: [\"key\", value]", "addComponentConfig takes two arguments, a key and a value")
				return
			}
			key, ok := d.str(deref(margs[0]), "the config key")
			if !ok {
				return
			}
			if v, ok := d.value(margs[1], "the config value", 0); ok {
				c.setConf(map[string]any{key: v})
			}
		default:
			d.p.add(mpos, didYouMean(name, shellMethods), "unknown config method %q for a shell component; stormpy knows %s", name, strings.Join(shellMethods, ", "))
		}
	})
	return sh
}

func deref0(n *yaml.Node) *yaml.Node {
	if n == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

func hasKey(n *yaml.Node, keys ...string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if contains(keys, n.Content[i].Value) {
			return true
		}
	}
	return false
}

// fieldList decodes a list of field names, which must be unique.
func (d *decoder) fieldList(n *yaml.Node, what string) ([]string, bool) {
	fields, ok := d.strList(n, what)
	if !ok {
		return nil, false
	}
	seen := map[string]bool{}
	for i, f := range fields {
		if strings.TrimSpace(f) == "" {
			d.p.add(d.pos(n.Content[i]), "", "a field name must not be empty")
			ok = false
		} else if seen[f] {
			d.p.add(d.pos(n.Content[i]), "", "field %q is declared twice", f)
			ok = false
		}
		seen[f] = true
	}
	return fields, ok
}

// method decodes one `{name, args}` config method.
func (d *decoder) method(n *yaml.Node) (string, Pos, []*yaml.Node) {
	var name string
	var args []*yaml.Node
	pos := d.pos(n)
	d.eachKey(n, "a config method", methodKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			name, _ = d.str(v, "the method name")
			pos = d.pos(v)
		case "args":
			if v.Kind != yaml.SequenceNode {
				d.p.add(d.pos(v), "", "args must be a list, not %s", kindName(v))
				return
			}
			args = v.Content
		}
	})
	if name == "" && n.Kind == yaml.MappingNode {
		d.p.add(pos, "", "a config method needs a name")
	}
	return name, pos, args
}

// java interprets a Java component's constructor arguments, which must be
// scalars: Thrift's JavaObjectArg carries nothing else.
func (d *decoder) java(class string, args, methods *yaml.Node, what string) *Java {
	j := &Java{ClassName: class}
	if methods != nil {
		d.p.add(d.pos(methods), "pass values as scalar constructorArgs", "configMethods on Java %s are not supported: they run on the Java object before it is serialized on the client, which needs a JVM", what)
	}
	d.list(deref0(args), "constructorArgs", func(a *yaml.Node) {
		switch {
		case a.Kind == yaml.MappingNode && hasKey(a, "ref", "reflist"):
			d.p.add(d.pos(a), "", "references are not supported: %s", refused["components"])
		case a.Kind != yaml.ScalarNode || a.Tag == "!!null":
			d.p.add(d.pos(a), "", "constructor argument is %s: Nimbus's Thrift API takes only numbers, strings and booleans for a Java object", kindName(a))
		default:
			if v, ok := d.value(a, "constructor argument", 0); ok {
				j.Args = append(j.Args, v)
			}
		}
	})
	return j
}
