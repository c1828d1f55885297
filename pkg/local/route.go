package local

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/stormpy/stormpy/pkg/multilang"
	"github.com/stormpy/stormpy/pkg/topology"
)

// Routing: emits go to the tasks their stream's groupings choose.

func (r *runner) emit(src *task, m *multilang.Message) error {
	stream := m.Stream
	if stream == "" {
		stream = topology.DefaultStream
	}
	sp := src.comp.out[stream]
	if sp == nil {
		return r.protocolError(src, fmt.Errorf("emitted on stream %q, which it does not declare; declare it in the topology's outputs (declared: %v)", stream, streamIDs(src.comp)))
	}
	if len(m.Tuple) != len(sp.fields) {
		return r.protocolError(src, fmt.Errorf("emitted %d values on stream %q, which declares %d fields %v", len(m.Tuple), stream, len(sp.fields), sp.fields))
	}
	src.stats.emitted++
	if src.spout {
		src.headEmitted = true
	}
	targets, err := r.targets(src, sp, m)
	if err != nil {
		return r.protocolError(src, err)
	}

	// Reliability: which trees the new tuples join.
	var anchors []inTuple
	var root uint64
	var tr *tree
	if src.spout {
		if len(m.ID) > 0 && string(m.ID) != "null" {
			if r.acking {
				root = rand.Uint64() | 1
				tr = &tree{spout: src, msgID: m.ID, deadline: time.Now().Add(r.timeout).UnixNano()}
			} else {
				// Storm with no ackers acks a spout tuple as soon as it is emitted.
				src.stats.acked++
				src.cmds = append(src.cmds, outMsg{kind: outSpoutCmd, cmd: multilang.SpoutAck, msgID: m.ID})
				r.markDirty(src)
			}
		}
	} else if len(m.Anchors) > 0 {
		anchors = make([]inTuple, 0, len(m.Anchors))
		for _, a := range m.Anchors {
			id, err := multilang.ParseTupleID(a)
			if err != nil {
				return r.protocolError(src, fmt.Errorf("anchor: %w", err))
			}
			in, ok := src.inputs[id]
			if !ok {
				return r.protocolError(src, fmt.Errorf("anchored onto tuple %d after acking or failing it", id))
			}
			anchors = append(anchors, in)
		}
	}

	for _, tid := range targets {
		dst := r.tasks[tid-1]
		r.nextID++
		id := r.nextID
		var roots []rootEdge
		if tr != nil {
			e := rand.Uint64()
			tr.val ^= e
			roots = []rootEdge{{root: root, edge: e}}
		} else if r.acking && len(anchors) > 0 {
			e := rand.Uint64()
			for _, a := range anchors {
				for i := range a.roots {
					a.roots[i].accum ^= e
					roots = mergeRoot(roots, a.roots[i].root, e)
				}
			}
		}
		dst.inputs[id] = inTuple{roots: roots}
		src.stats.transferred++
		r.queued.Add(1)
		r.enqueue(dst, outMsg{kind: outTuple, id: id, srcTask: src.id, comp: src.comp.c.ID, stream: stream, values: m.Tuple})
	}
	if r.debug {
		r.out.debugLine(src.name, fmt.Sprintf("emit %s %s -> %v", stream, tupleText(m.Tuple), targets))
	}
	if tr != nil {
		src.pending++
		r.ledger[root] = tr
		if tr.val == 0 {
			// No subscriber took the tuple: the tree is complete at once.
			r.completeTree(root, tr, true)
		}
	}
	// Like ShellBolt and ShellSpout: a direct emit never gets task ids back.
	if m.Task == nil && m.WantsTaskIDs() {
		if targets == nil {
			targets = []int{}
		}
		r.enqueue(src, outMsg{kind: outTaskIDs, tasks: targets})
	}
	return nil
}

func streamIDs(cp *compPlan) []string {
	var ids []string
	for id := range cp.out {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func tupleText(values []json.RawMessage) string {
	b := []byte{'['}
	for i, v := range values {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, v...)
	}
	return string(append(b, ']'))
}

// targets picks the tasks a tuple goes to, per subscription and grouping.
func (r *runner) targets(src *task, sp *streamPlan, m *multilang.Message) ([]int, error) {
	if m.Task != nil {
		if !sp.direct {
			return nil, fmt.Errorf("emitDirect on stream %q, which is not declared direct", sp.id)
		}
		dst := r.task(*m.Task)
		if dst == nil {
			return nil, fmt.Errorf("emitDirect to task %d, which does not exist", *m.Task)
		}
		for _, sub := range sp.subs {
			if sub.target == dst.comp {
				return []int{dst.id}, nil
			}
		}
		// Like Storm: a direct tuple to a task that does not subscribe goes nowhere.
		return nil, nil
	}
	if sp.direct && len(sp.subs) > 0 {
		return nil, fmt.Errorf("regular emit on direct stream %q; use emitDirect", sp.id)
	}
	var out []int
	for _, sub := range sp.subs {
		tasks := sub.target.tasks
		switch sub.grouping {
		case topology.All:
			out = append(out, tasks...)
		case topology.Global:
			out = append(out, tasks[0])
		case topology.Fields:
			h := fnvOffset
			for _, i := range sub.fieldIdx {
				h = fnvAdd(h, m.Tuple[i])
				h = (h ^ 0xff) * fnvPrime
			}
			out = append(out, tasks[h%uint64(len(tasks))])
		default: // SHUFFLE, LOCAL_OR_SHUFFLE (one worker), NONE
			n := src.shuffle[sub]
			if n == 0 {
				n = rand.IntN(len(tasks)) + 1
			}
			out = append(out, tasks[n%len(tasks)])
			src.shuffle[sub] = n + 1
		}
	}
	return out, nil
}

const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func fnvAdd(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}
