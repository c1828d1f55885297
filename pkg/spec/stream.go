package spec

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// GroupingTypes are the stream groupings stormpy accepts, as Flux names them.
var GroupingTypes = []string{"SHUFFLE", "FIELDS", "ALL", "GLOBAL", "NONE", "DIRECT", "LOCAL_OR_SHUFFLE", "CUSTOM"}

func (d *decoder) stream(n *yaml.Node) *Stream {
	s := &Stream{Pos: d.pos(n)}
	var grouping *yaml.Node
	d.eachKey(n, "a stream", streamKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			s.Name, _ = d.str(v, "the stream name")
		case "from":
			s.FromPos = d.pos(v)
			s.From, _ = d.str(v, "from")
		case "to":
			s.ToPos = d.pos(v)
			s.To, _ = d.str(v, "to")
		case "grouping":
			grouping = v
		}
	})
	if n.Kind != yaml.MappingNode {
		return nil
	}
	if s.FromPos.Line == 0 {
		d.p.add(s.Pos, "", "this stream has no `from`")
	}
	if s.ToPos.Line == 0 {
		d.p.add(s.Pos, "", "this stream has no `to`")
	}
	if grouping == nil {
		d.p.add(s.Pos, "add grouping: {type: SHUFFLE}", "this stream has no grouping")
		return s
	}
	s.Grouping = d.grouping(grouping)
	return s
}

func (d *decoder) grouping(n *yaml.Node) Grouping {
	g := Grouping{TypePos: d.pos(n), StreamPos: d.pos(n)}
	var args, custom *yaml.Node
	d.eachKey(n, "a grouping", groupingKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "type":
			g.TypePos = d.pos(v)
			g.Type, _ = d.str(v, "the grouping type")
		case "args":
			args = v
		case "streamId":
			g.StreamPos = d.pos(v)
			if id, ok := d.str(v, "streamId"); ok {
				if strings.TrimSpace(id) == "" {
					d.p.add(d.pos(v), "leave it out for the default stream", "streamId must not be empty")
				}
				g.StreamID = id
			}
		case "customClass":
			custom = v
		}
	})
	if n.Kind != yaml.MappingNode {
		return g
	}
	if g.Type == "" {
		d.p.add(g.TypePos, "one of "+strings.Join(GroupingTypes, ", "), "the grouping has no type")
		return g
	}
	if !contains(GroupingTypes, g.Type) {
		hint := didYouMean(g.Type, GroupingTypes)
		if hint == "" {
			hint = "one of " + strings.Join(GroupingTypes, ", ")
		}
		d.p.add(g.TypePos, hint, "unknown grouping type %q", g.Type)
		return g
	}
	if args != nil {
		g.ArgsPos = d.pos(args)
		if g.Type != "FIELDS" {
			d.p.add(g.ArgsPos, "remove args", "a %s grouping takes no args", g.Type)
		} else if fields, ok := d.strList(args, "grouping args"); ok {
			g.Args = fields
		}
	}
	if g.Type == "FIELDS" && len(g.Args) == 0 && args == nil {
		d.p.add(g.TypePos, "add args: [\"field\", ...]; use GLOBAL to send every tuple to one task", "a FIELDS grouping needs args: the fields to group by")
	} else if g.Type == "FIELDS" && args != nil && len(g.Args) == 0 && args.Kind == yaml.SequenceNode {
		d.p.add(g.ArgsPos, "use GLOBAL to send every tuple to one task", "a FIELDS grouping needs at least one field")
	}
	if custom != nil && g.Type != "CUSTOM" {
		d.p.add(d.pos(custom), "set type: CUSTOM or remove customClass", "customClass is only used by a CUSTOM grouping")
	}
	if g.Type == "CUSTOM" {
		if custom == nil {
			d.p.add(g.TypePos, "add customClass: {className: ...}", "a CUSTOM grouping needs a customClass")
			return g
		}
		var class string
		var cargs, methods *yaml.Node
		d.eachKey(custom, "customClass", objectKeys, func(key string, k, v *yaml.Node) {
			switch key {
			case "className":
				class, _ = d.str(v, "className")
			case "constructorArgs":
				cargs = v
			case "configMethods":
				methods = v
			case "id":
			default:
				d.p.add(d.pos(k), "", "%q is not supported: %s", key, refused[key])
			}
		})
		if class == "" && custom.Kind == yaml.MappingNode {
			d.p.add(d.pos(custom), "", "customClass needs a className")
			return g
		}
		if class != "" {
			g.CustomClass = d.java(class, cargs, methods, "customClass "+class)
		}
	}
	return g
}
