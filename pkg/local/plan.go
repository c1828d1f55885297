package local

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/multilang"
	"github.com/stormpy/stormpy/pkg/topology"
)

// plan is the static layout of a run: task ids, each stream's subscribers
// and how they are grouped, and each task's handshake context.
type plan struct {
	topo       *topology.Topology
	comps      []*compPlan
	byID       map[string]*compPlan
	taskToComp map[int]string
	tasks      []*taskPlan // index = task id - 1
}

type compPlan struct {
	c         *topology.Component
	tasks     []int // ascending
	executors int
	conf      map[string]any // topology conf merged with the component's
	// out maps a stream id to its declaration and subscribers.
	out map[string]*streamPlan
}

type streamPlan struct {
	id     string
	fields []string
	direct bool
	subs   []*subscription
}

type subscription struct {
	target   *compPlan
	grouping topology.GroupingType
	// fieldIdx are the tuple positions a fields grouping hashes.
	fieldIdx []int
	// directOnly is true for a DIRECT grouping.
	directOnly bool
}

type taskPlan struct {
	id   int
	comp *compPlan
	// index of this task within its component.
	index int
}

// unrunnable names the components and groupings that need a JVM.
func unrunnable(t *topology.Topology) error {
	var java, custom []string
	for _, c := range t.Components {
		if c.Java != nil {
			java = append(java, fmt.Sprintf("%s (%s)", c.ID, c.Java.ClassName))
		} else if c.Shell == nil {
			java = append(java, c.ID+" (no command)")
		}
		for _, in := range c.Inputs {
			if in.Grouping.Type == topology.Custom {
				custom = append(custom, fmt.Sprintf("%s <- %s/%s", c.ID, in.From, in.Stream))
			}
		}
	}
	var msgs []string
	if len(java) > 0 {
		msgs = append(msgs, fmt.Sprintf("Java components cannot run locally, only Python (shell) ones: %s", strings.Join(java, ", ")))
	}
	if len(custom) > 0 {
		msgs = append(msgs, fmt.Sprintf("CUSTOM groupings are Java classes and cannot run locally: %s", strings.Join(custom, ", ")))
	}
	if len(msgs) == 0 {
		return nil
	}
	return exitcode.Invalid(fmt.Errorf("%s; run this topology on a cluster with `stormpy submit`, or replace those parts with Python components for local runs", strings.Join(msgs, "; ")))
}

func newPlan(t *topology.Topology) (*plan, error) {
	if err := unrunnable(t); err != nil {
		return nil, err
	}
	p := &plan{topo: t, byID: map[string]*compPlan{}, taskToComp: map[int]string{}}
	// Storm numbers tasks from 1 over the components sorted by id.
	sorted := slices.Clone(t.Components)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	next := 1
	for _, c := range sorted {
		n := c.NumTasks
		if n <= 0 {
			n = c.Parallelism
		}
		if n <= 0 {
			n = 1
		}
		ex := c.Parallelism
		if ex <= 0 {
			ex = 1
		}
		if ex > n {
			ex = n
		}
		cp := &compPlan{c: c, executors: ex, out: map[string]*streamPlan{}, conf: map[string]any{}}
		for k, v := range t.Conf {
			cp.conf[k] = v
		}
		for k, v := range c.Conf {
			cp.conf[k] = v
		}
		for i := 0; i < n; i++ {
			cp.tasks = append(cp.tasks, next)
			p.taskToComp[next] = c.ID
			p.tasks = append(p.tasks, &taskPlan{id: next, comp: cp, index: i})
			next++
		}
		p.byID[c.ID] = cp
	}
	for _, c := range t.Components {
		cp := p.byID[c.ID]
		p.comps = append(p.comps, cp)
		for id, sd := range c.Outputs {
			cp.out[id] = &streamPlan{id: id, fields: sd.Fields, direct: sd.Direct}
		}
	}
	for _, c := range t.Components {
		target := p.byID[c.ID]
		for _, in := range c.Inputs {
			src := p.byID[in.From]
			if src == nil {
				return nil, fmt.Errorf("bolt %q subscribes to unknown component %q", c.ID, in.From)
			}
			stream := in.Stream
			if stream == "" {
				stream = topology.DefaultStream
			}
			sp := src.out[stream]
			if sp == nil {
				return nil, fmt.Errorf("bolt %q subscribes to stream %q, which %q does not declare", c.ID, stream, in.From)
			}
			sub := &subscription{target: target, grouping: in.Grouping.Type}
			switch in.Grouping.Type {
			case topology.Fields:
				for _, f := range in.Grouping.Fields {
					i := slices.Index(sp.fields, f)
					if i < 0 {
						return nil, fmt.Errorf("bolt %q groups %s/%s by field %q, which is not among its fields %v", c.ID, in.From, stream, f, sp.fields)
					}
					sub.fieldIdx = append(sub.fieldIdx, i)
				}
				if len(sub.fieldIdx) == 0 {
					sub.grouping = topology.Global
				}
			case topology.Direct:
				if !sp.direct {
					return nil, fmt.Errorf("bolt %q uses a DIRECT grouping on %s/%s, which is not declared direct", c.ID, in.From, stream)
				}
				sub.directOnly = true
			case topology.Shuffle, topology.All, topology.Global, topology.None, topology.LocalOrShuffle:
			default:
				return nil, fmt.Errorf("bolt %q: unknown grouping %q", c.ID, in.Grouping.Type)
			}
			if sp.direct && !sub.directOnly {
				return nil, fmt.Errorf("bolt %q subscribes to direct stream %s/%s with a %s grouping; direct streams need a DIRECT grouping", c.ID, in.From, stream, in.Grouping.Type)
			}
			sp.subs = append(sp.subs, sub)
		}
	}
	return p, nil
}

// groupingJSON is how Storm's context names a grouping: the Thrift union
// field that is set. A global grouping is a fields grouping on no fields.
func groupingJSON(g topology.Grouping) multilang.Grouping {
	switch g.Type {
	case topology.Fields:
		return multilang.Grouping{Type: "FIELDS", Fields: slices.Clone(g.Fields)}
	case topology.Global:
		return multilang.Grouping{Type: "FIELDS", Fields: []string{}}
	case topology.Custom:
		return multilang.Grouping{Type: "CUSTOM_OBJECT"}
	}
	return multilang.Grouping{Type: string(g.Type)}
}

// context builds the handshake context of one task.
func (p *plan) context(tp *taskPlan) *multilang.Context {
	c := tp.comp.c
	ctx := &multilang.Context{
		TaskToComponent:          p.taskToComp,
		TaskID:                   tp.id,
		ComponentID:              c.ID,
		Streams:                  []string{},
		StreamToOutputFields:     map[string][]string{},
		StreamToTargetToGrouping: map[string]map[string]multilang.Grouping{},
		SourceToStreamToGrouping: map[string]map[string]multilang.Grouping{},
		SourceToStreamToFields:   map[string]map[string][]string{},
	}
	for id, sd := range c.Outputs {
		ctx.Streams = append(ctx.Streams, id)
		ctx.StreamToOutputFields[id] = nonNil(sd.Fields)
	}
	sort.Strings(ctx.Streams)
	for _, other := range p.topo.Components {
		for _, in := range other.Inputs {
			if in.From != c.ID {
				continue
			}
			m := ctx.StreamToTargetToGrouping[streamOf(in)]
			if m == nil {
				m = map[string]multilang.Grouping{}
				ctx.StreamToTargetToGrouping[streamOf(in)] = m
			}
			m[other.ID] = groupingJSON(in.Grouping)
		}
	}
	for _, in := range c.Inputs {
		m := ctx.SourceToStreamToGrouping[in.From]
		if m == nil {
			m = map[string]multilang.Grouping{}
			ctx.SourceToStreamToGrouping[in.From] = m
		}
		m[streamOf(in)] = groupingJSON(in.Grouping)
		if src := p.topo.Component(in.From); src != nil {
			f := map[string][]string{}
			for id, sd := range src.Outputs {
				f[id] = nonNil(sd.Fields)
			}
			ctx.SourceToStreamToFields[in.From] = f
		}
	}
	return ctx
}

func streamOf(in *topology.Input) string {
	if in.Stream == "" {
		return topology.DefaultStream
	}
	return in.Stream
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
