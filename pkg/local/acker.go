package local

import (
	"encoding/json"
	"fmt"

	"github.com/stormpy/stormpy/pkg/multilang"
)

// Reliability: tuple trees tracked like Storm's acker, an XOR of edge ids
// per tree, completed when it reaches zero.

// rootEdge ties an input tuple to one tuple tree: the edge id it was sent
// with and the XOR of the edges of the tuples emitted anchored to it.
type rootEdge struct {
	root, edge, accum uint64
}

// inTuple is a tuple a bolt received and has not acked or failed.
type inTuple struct {
	roots []rootEdge
}

// tree is one spout tuple's tree, tracked like Storm's acker: the XOR of
// every edge id created and acked; zero means the tree is complete.
type tree struct {
	val      uint64
	spout    *task
	msgID    json.RawMessage
	deadline int64
}

func (r *runner) ackOrFail(t *task, m *multilang.Message) error {
	id, err := multilang.ParseTupleID(m.ID)
	if err != nil {
		return r.protocolError(t, fmt.Errorf("%s: %w", m.Command, err))
	}
	in, ok := t.inputs[id]
	if !ok {
		return r.protocolError(t, fmt.Errorf("%s of tuple %d, which it never received or already acked or failed", m.Command, id))
	}
	delete(t.inputs, id)
	t.stats.executed++
	if m.Command == multilang.CmdAck {
		t.stats.acked++
		if r.debug {
			r.out.debugLine(t.name, fmt.Sprintf("ack %d", id))
		}
		for _, re := range in.roots {
			tr := r.ledger[re.root]
			if tr == nil {
				continue // timed out or failed already
			}
			tr.val ^= re.edge ^ re.accum
			if tr.val == 0 {
				r.completeTree(re.root, tr, true)
			}
		}
		return nil
	}
	t.stats.failed++
	if r.debug {
		r.out.debugLine(t.name, fmt.Sprintf("fail %d", id))
	}
	for _, re := range in.roots {
		if tr := r.ledger[re.root]; tr != nil {
			r.completeTree(re.root, tr, false)
		}
	}
	return nil
}

// completeTree delivers a tree's outcome to its spout task.
func (r *runner) completeTree(root uint64, tr *tree, ok bool) {
	delete(r.ledger, root)
	s := tr.spout
	s.pending--
	cmd := multilang.SpoutAck
	if ok {
		s.stats.acked++
	} else {
		cmd = multilang.SpoutFail
		s.stats.failed++
	}
	if r.debug {
		r.out.debugLine(s.name, fmt.Sprintf("tree %s: %s", cmd, tr.msgID))
	}
	s.cmds = append(s.cmds, outMsg{kind: outSpoutCmd, cmd: cmd, msgID: tr.msgID})
	r.markDirty(s)
}

func mergeRoot(roots []rootEdge, root, e uint64) []rootEdge {
	for i := range roots {
		if roots[i].root == root {
			roots[i].edge ^= e
			return roots
		}
	}
	return append(roots, rootEdge{root: root, edge: e})
}
