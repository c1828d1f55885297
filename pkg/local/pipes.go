package local

import (
	"encoding/json"
	"os"
	"syscall"
	"time"

	"github.com/stormpy/stormpy/pkg/multilang"
)

// Pipes: each child's stdout is read by one goroutine that routes its
// messages under the runner's lock; what goes to a child's stdin is queued
// and flushed in batches, without blocking the router.

// outKind says what an outMsg carries.
type outKind uint8

const (
	outTuple outKind = iota
	outHeartbeat
	outSpoutCmd
	outTaskIDs
)

// outMsg is one message queued for a child's stdin.
type outMsg struct {
	kind    outKind
	id      uint64
	srcTask int
	comp    string
	stream  string
	values  []json.RawMessage
	cmd     string
	msgID   json.RawMessage
	tasks   []int
}

func (r *runner) readLoop(t *task) {
	c := t.child
	var batch []*multilang.Message
	for {
		doc, err := c.r.Next()
		if err != nil {
			if len(batch) > 0 {
				r.deliver(event{t: t, ms: batch})
			}
			r.deliver(event{t: t, err: c.died(err)})
			return
		}
		m, err := multilang.Decode(doc)
		c.lastHeard.Store(time.Now().UnixNano())
		if err != nil {
			r.deliver(event{t: t, err: c.fail("sent a malformed message", err)})
			return
		}
		batch = append(batch, m)
		// Route what arrived together under one lock: spout acks then go
		// out in few writes.
		if c.r.Ready() && len(batch) < 128 {
			continue
		}
		if !r.deliver(event{t: t, ms: batch}) {
			return
		}
		clear(batch)
		batch = batch[:0]
	}
}

// deliver routes a child's messages, or records its failure; false means
// the run is over.
func (r *runner) deliver(ev event) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	if err := r.handleEvent(ev); err != nil {
		r.fail(err)
		return false
	}
	r.settle()
	return true
}

func (r *runner) enqueue(t *task, m outMsg) {
	if t.spout {
		// A spout holds at most one command and the task ids it waits
		// for, so its pipe never fills: write at once, saving a hop.
		r.writeSpout(t, m)
		return
	}
	t.mu.Lock()
	t.queue = append(t.queue, m)
	t.mu.Unlock()
	// The writer is woken once per batch of events, not per tuple.
	if !t.notifyDue {
		t.notifyDue = true
		r.dirtyWriters = append(r.dirtyWriters, t)
	}
}

// flushWriters sends the tuples queued in this batch of events. When no
// one is writing to a bolt, the router writes itself, without blocking:
// most batches fit in the pipe, and the writer goroutine is woken only for
// what does not.
func (r *runner) flushWriters() {
	for _, t := range r.dirtyWriters {
		t.notifyDue = false
		t.mu.Lock()
		if t.writing || len(t.leftover) > 0 || t.broken {
			t.mu.Unlock()
			wakeWriter(t)
			continue
		}
		batch := t.queue
		t.queue, t.spare = t.spare, nil
		t.writing = true
		t.mu.Unlock()

		r.scratch.Reset()
		tuples := encodeBatch(r.scratchW, batch)
		_ = r.scratchW.Flush()
		buf := r.scratch.Bytes()
		n, err := writeNonblock(t.child.stdin, buf)
		r.queued.Add(int64(-tuples))
		clear(batch)

		t.mu.Lock()
		t.spare = batch[:0]
		if err != nil {
			t.broken = true // the reader reports the exit status
		} else if n < len(buf) {
			t.leftover = append(t.leftover[:0], buf[n:]...)
		}
		t.writing = false
		more := len(t.leftover) > 0 || len(t.queue) > 0
		t.mu.Unlock()
		if more {
			wakeWriter(t)
		}
	}
	clear(r.dirtyWriters)
	r.dirtyWriters = r.dirtyWriters[:0]
	if r.throttled.Load() && r.queued.Load() < int64(r.opts.MaxQueued/2) && r.throttled.CompareAndSwap(true, false) {
		for _, s := range r.spouts {
			r.markDirty(s)
		}
	}
}

func wakeWriter(t *task) {
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// writeNonblock writes what the pipe takes now and returns at once.
func writeNonblock(f *os.File, b []byte) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var werr error
	if err := rc.Write(func(fd uintptr) bool {
		n, werr = syscall.Write(int(fd), b)
		return true
	}); err != nil {
		return 0, err
	}
	if werr == syscall.EAGAIN || werr == syscall.EINTR {
		return 0, nil
	}
	if n < 0 {
		n = 0
	}
	return n, werr
}

// encodeBatch encodes queued messages and returns how many were tuples.
func encodeBatch(w *multilang.Writer, batch []outMsg) (tuples int) {
	for i := range batch {
		m := &batch[i]
		switch m.kind {
		case outTuple:
			tuples++
			_ = w.WriteTuple(m.id, m.comp, m.stream, m.srcTask, m.values)
		case outHeartbeat:
			_ = w.WriteHeartbeat(m.id)
		case outSpoutCmd:
			_ = w.WriteSpoutCommand(m.cmd, m.msgID)
		case outTaskIDs:
			_ = w.WriteTaskIDs(m.tasks)
		}
	}
	return tuples
}

func (r *runner) writeSpout(t *task, m outMsg) {
	if t.broken {
		return
	}
	w := t.child.w
	var err error
	if m.kind == outTaskIDs {
		err = w.WriteTaskIDs(m.tasks)
	} else {
		err = w.WriteSpoutCommand(m.cmd, m.msgID)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		// The reader reports the death with the exit status.
		t.broken = true
	}
}

// writeLoop writes to a bolt what the router could not write without
// blocking: a slow bolt's backlog, while the router goes on routing.
func (r *runner) writeLoop(t *task) {
	c := t.child
	for {
		select {
		case <-t.notify:
		case <-r.done:
			return
		}
		for {
			t.mu.Lock()
			if t.writing {
				t.mu.Unlock()
				break // the router is writing and wakes us for the rest
			}
			left := t.leftover
			t.leftover = nil
			batch := t.queue
			t.queue, t.spare = t.spare, nil
			if len(left) == 0 && len(batch) == 0 {
				t.spare = batch
				t.mu.Unlock()
				break
			}
			t.writing = true
			broken := t.broken
			t.mu.Unlock()

			var err error
			if len(left) > 0 && !broken {
				_, err = c.stdin.Write(left)
			}
			tuples := encodeBatch(c.w, batch)
			if err == nil && !broken {
				err = c.w.Flush()
			}
			if tuples > 0 {
				r.queued.Add(int64(-tuples))
				if r.throttled.Load() {
					select {
					case r.wake <- nil:
					default:
					}
				}
			}
			clear(batch)
			t.mu.Lock()
			t.spare = batch[:0]
			if err != nil {
				t.broken = true // the reader reports the exit status
			}
			t.writing = false
			t.mu.Unlock()
		}
	}
}
