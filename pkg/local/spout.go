package local

import (
	"time"

	"github.com/stormpy/stormpy/pkg/multilang"
)

// Spout flow: when to ask a spout for its next tuple.

// maxNextsInFlight bounds the `next` commands a spout has not answered.
// A few in flight hide the round trip to the child, which otherwise caps a
// spout at one tuple per pipe round trip.
const maxNextsInFlight = 32

// pump sends a spout every queued command (acks, fails, activation) and
// as many `next` commands as it may take, in one write.
func (r *runner) pump(t *task) {
	t.dirty = false
	if t.broken {
		return
	}
	w := t.child.w
	sent := false
	for _, m := range t.cmds {
		_ = w.WriteSpoutCommand(m.cmd, m.msgID)
		t.inflight = append(t.inflight, m.cmd)
		sent = true
	}
	clear(t.cmds)
	t.cmds = t.cmds[:0]
	for t.nextsOut < maxNextsInFlight && r.mayCallNext(t) {
		_ = w.WriteSpoutCommand(multilang.SpoutNext, nil)
		t.inflight = append(t.inflight, multilang.SpoutNext)
		t.nextsOut++
		sent = true
	}
	if sent && w.Flush() != nil {
		// The reader reports the death with the exit status.
		t.broken = true
	}
}

// mayCallNext applies what Storm checks before nextTuple: active, under
// topology.max.spout.pending, and not backpressured by slow bolts.
func (r *runner) mayCallNext(t *task) bool {
	if !t.active || r.stopping || t.sleeping {
		return false
	}
	if r.acking && t.maxPending > 0 && t.pending+t.nextsOut >= t.maxPending {
		return false
	}
	if r.queued.Load() >= int64(r.opts.MaxQueued) {
		r.throttled.Store(true)
		// The writer may have drained the queue before the flag was set.
		if r.queued.Load() >= int64(r.opts.MaxQueued) {
			return false
		}
		r.throttled.Store(false)
	}
	return true
}

// markDirty schedules a pump at the end of the current batch of events,
// so that many acks reach a spout in one write.
func (r *runner) markDirty(t *task) {
	if !t.dirty {
		t.dirty = true
		r.dirtySpouts = append(r.dirtySpouts, t)
	}
}

func (r *runner) pumpDirty() {
	for _, t := range r.dirtySpouts {
		if t.dirty {
			r.pump(t)
		}
	}
	clear(r.dirtySpouts)
	r.dirtySpouts = r.dirtySpouts[:0]
}

func (r *runner) spoutWait(t *task) time.Duration {
	if n, ok := confInt(t.comp.conf, keySpoutWait); ok && n >= 0 {
		return time.Duration(n) * time.Millisecond
	}
	return time.Millisecond
}
