// Package local runs a topology on this machine with no JVM: one child
// process per task, started like Storm's ShellSpout and ShellBolt start them,
// with routing, tuple-tree tracking and heartbeats done in Go by a host for
// Storm's multilang protocol.
package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stormpy/stormpy/pkg/multilang"
	"github.com/stormpy/stormpy/pkg/topology"
)

// Options configure a local run.
type Options struct {
	// ResourcesDir is the packaged resources/ tree, the working directory
	// of every child, exactly as on a supervisor.
	ResourcesDir string
	// Duration ends the run; 0 runs until ctx is cancelled.
	Duration time.Duration
	// Debug prints every tuple and the components' DEBUG and TRACE logs.
	Debug bool
	// Out receives log lines and the summary.
	Out io.Writer
	// Grace is how long in-flight tuple trees may finish after the spouts
	// are deactivated; default 2s.
	Grace time.Duration
	// MaxQueued is how many tuples may wait inside the runner for slow
	// bolts before spouts are paused; default 10000.
	MaxQueued int
}

// Run runs t until ctx is cancelled, the duration ends, or a child fails.
// It returns the run's statistics, also when it fails. A stop requested
// through ctx or the duration is not an error.
func Run(ctx context.Context, t *topology.Topology, opts Options) (*Summary, error) {
	p, err := newPlan(t)
	if err != nil {
		return nil, err
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Grace <= 0 {
		opts.Grace = 2 * time.Second
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = 10000
	}
	dir, err := filepath.Abs(opts.ResourcesDir)
	if err != nil {
		return nil, fmt.Errorf("resources directory: %w", err)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("resources directory %s is missing: package the topology first", opts.ResourcesDir)
	}
	opts.ResourcesDir = dir
	r := newRunner(p, opts)
	return r.run(ctx)
}

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

type task struct {
	id    int
	name  string // component:task, for log lines
	comp  *compPlan
	spout bool
	child *child

	mu     sync.Mutex
	queue  []outMsg
	spare  []outMsg
	notify chan struct{}
	broken bool // a write failed: the child is gone
	// writing is set, under mu, while the router or the writer goroutine
	// writes to the child; leftover holds bytes the router could not
	// write without blocking, for the writer goroutine to finish.
	writing  bool
	leftover []byte

	// Routing state, guarded by runner.mu ("the router" in comments is
	// whichever goroutine holds it).
	inputs  map[uint64]inTuple
	shuffle map[*subscription]int
	// Spout commands sent and not yet answered with sync, oldest first.
	// Commands are pipelined: the child reads them in order and answers
	// each with one sync, so emits belong to the oldest.
	inflight    []string
	nextsOut    int
	headEmitted bool // the oldest command emitted something
	sleeping    bool
	dirty       bool // has commands to send at the end of this batch
	notifyDue   bool // bolt: its writer is to be woken after this batch
	active      bool
	cmds        []outMsg
	pending     int
	maxPending  int
	stats       taskStats
	metricsSeen map[string]bool
}

type taskStats struct {
	emitted, transferred, acked, failed, executed, errors int64
}

// event carries the messages a child sent in one burst, or its failure.
type event struct {
	t   *task
	ms  []*multilang.Message
	err error
}

type runner struct {
	p      *plan
	opts   Options
	out    *printer
	tasks  []*task
	spouts []*task
	bolts  []*task

	acking  bool
	timeout time.Duration
	hbLimit time.Duration
	debug   bool

	// mu guards the routing state: the ledger, every task's protocol
	// state and counters. Readers route what their child sent themselves,
	// under mu, instead of handing it to another goroutine: one wake-up
	// less per message.
	mu sync.Mutex
	// closed is set, under mu, when the run is over; late messages are dropped.
	closed bool
	// errc receives the first failure; drainedC is closed once nothing
	// is in flight after a stop began.
	errc        chan error
	drainedC    chan struct{}
	drainedOnce sync.Once
	wake        chan *task
	done        chan struct{}

	queued    atomic.Int64
	throttled atomic.Bool

	nextID uint64
	// scratch encodes batches the router writes itself (under mu).
	scratch     bytes.Buffer
	scratchW    *multilang.Writer
	dirtySpouts []*task
	// dirtyWriters are bolts with tuples queued in this batch of events.
	dirtyWriters []*task
	ledger       map[uint64]*tree
	stopping     bool
	started      time.Time
}

func newRunner(p *plan, opts Options) *runner {
	r := &runner{
		p:        p,
		opts:     opts,
		out:      &printer{w: opts.Out, debug: opts.Debug},
		acking:   ackingEnabled(p.topo.Conf),
		timeout:  confSeconds(p.topo.Conf, keyMessageTimeout, 30*time.Second),
		hbLimit:  subprocessTimeout(p.topo.Conf),
		debug:    opts.Debug || confBool(p.topo.Conf, keyDebug),
		errc:     make(chan error, 1),
		drainedC: make(chan struct{}),
		done:     make(chan struct{}),
		ledger:   map[uint64]*tree{},
	}
	r.scratchW = multilang.NewWriter(&r.scratch)
	// topology.debug: true prints every tuple, like --debug.
	r.out.debug = r.debug
	for _, tp := range p.tasks {
		t := &task{
			id:          tp.id,
			name:        fmt.Sprintf("%s:%d", tp.comp.c.ID, tp.id),
			comp:        tp.comp,
			spout:       tp.comp.c.Kind == topology.Spout,
			notify:      make(chan struct{}, 1),
			inputs:      map[uint64]inTuple{},
			shuffle:     map[*subscription]int{},
			metricsSeen: map[string]bool{},
		}
		if n, ok := confInt(tp.comp.conf, keyMaxSpoutPending); ok && n > 0 {
			t.maxPending = int(n)
		}
		r.tasks = append(r.tasks, t)
		if t.spout {
			r.spouts = append(r.spouts, t)
		} else {
			r.bolts = append(r.bolts, t)
		}
	}
	r.wake = make(chan *task, 2*len(r.spouts)+16)
	return r
}

func (r *runner) task(id int) *task {
	if id < 1 || id > len(r.tasks) {
		return nil
	}
	return r.tasks[id-1]
}

// handshakeConf is the conf a task's child receives: the topology conf,
// the component's conf over it, and what Nimbus adds on submission.
func (r *runner) handshakeConf(cp *compPlan, stormID string) map[string]any {
	conf := make(map[string]any, len(cp.conf)+4)
	for k, v := range cp.conf {
		conf[k] = v
	}
	conf["topology.name"] = r.p.topo.Name
	conf["storm.id"] = stormID
	if _, ok := conf[keyMessageTimeout]; !ok {
		conf[keyMessageTimeout] = 30
	}
	if _, ok := confInt(conf, keyAckers); !ok {
		conf[keyAckers] = 1
	}
	if _, ok := conf[keyDebug]; !ok {
		conf[keyDebug] = false
	}
	return conf
}

func (r *runner) run(ctx context.Context) (sum *Summary, err error) {
	pidDir, err := os.MkdirTemp("", "stormpy-pids-")
	if err != nil {
		return nil, fmt.Errorf("create pid directory: %w", err)
	}
	defer os.RemoveAll(pidDir)
	r.out.line("", "INFO", fmt.Sprintf("running topology %q locally: %s in %s", r.p.topo.Name, r.layout(), r.opts.ResourcesDir))
	if !r.acking {
		r.out.line("", "INFO", "topology.acker.executors is 0: tuple trees are not tracked, spout tuples are acked on emit")
	}

	startCtx, cancelStart := context.WithCancel(ctx)
	defer cancelStart()
	stormID := fmt.Sprintf("%s-1-%d", r.p.topo.Name, time.Now().Unix())
	var wg sync.WaitGroup
	errs := make([]error, len(r.tasks))
	for i, t := range r.tasks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.startTask(startCtx, t, pidDir, stormID)
			if errs[i] != nil {
				cancelStart()
			}
		}()
	}
	wg.Wait()
	defer r.terminateAll()
	if err := ctx.Err(); err != nil {
		return r.summary(), nil
	}
	for _, e := range errs {
		if e != nil && !errors.Is(e, context.Canceled) {
			return r.summary(), e
		}
	}
	r.started = time.Now()
	for _, t := range r.tasks {
		if !t.spout {
			go r.writeLoop(t)
		}
		go r.readLoop(t)
	}
	err = r.loop(ctx)
	r.mu.Lock()
	sum = r.summary()
	r.mu.Unlock()
	return sum, err
}

func (r *runner) layout() string {
	n := 0
	for _, cp := range r.p.comps {
		n += len(cp.tasks)
	}
	return fmt.Sprintf("%d components, %d tasks", len(r.p.comps), n)
}

func (r *runner) startTask(ctx context.Context, t *task, pidDir, stormID string) error {
	argv := t.comp.c.Shell.Argv()
	c, err := startChild(ctx, t, r.opts.ResourcesDir, argv, func(line string) {
		r.out.line(t.name, "STDERR", line)
	})
	if err != nil {
		return err
	}
	t.child = c
	h := &multilang.Handshake{PIDDir: pidDir, Conf: r.handshakeConf(t.comp, stormID), Context: r.p.context(r.p.tasks[t.id-1])}
	if err := c.handshake(ctx, h, handshakeTimeout(r.hbLimit)); err != nil {
		return err
	}
	r.out.debugLine(t.name, fmt.Sprintf("started pid %d: %v", c.pid, argv))
	return nil
}

// terminateAll stops every child in parallel and waits until each is reaped.
func (r *runner) terminateAll() {
	close(r.done)
	var wg sync.WaitGroup
	for _, t := range r.tasks {
		if t.child == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.child.terminate(time.Second)
			t.child.closeReaders()
		}()
	}
	wg.Wait()
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

// fail records the run's first failure.
func (r *runner) fail(err error) {
	select {
	case r.errc <- err:
	default:
	}
}

// settle ends a batch of work under mu: spouts get their commands,
// writers are woken, and a stopping run notices it has drained.
func (r *runner) settle() {
	r.flushWriters()
	r.pumpDirty()
	if r.stopping && r.drained() {
		r.drainedOnce.Do(func() { close(r.drainedC) })
	}
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

// loop runs the run's clock: activation, heartbeats and timeouts, spout
// wake-ups, the duration, Ctrl-C and the grace period, and the first
// failure, which ends the run.
func (r *runner) loop(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var durationC <-chan time.Time
	if r.opts.Duration > 0 {
		tm := time.NewTimer(r.opts.Duration)
		defer tm.Stop()
		durationC = tm.C
	}
	ctxDone := ctx.Done()
	var graceC <-chan time.Time
	var drainedC <-chan struct{}
	// Every way out of the loop closes the run to the readers first.
	defer func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
	}()
	r.mu.Lock()
	for _, t := range r.spouts {
		t.active = true
		t.cmds = append(t.cmds, outMsg{kind: outSpoutCmd, cmd: multilang.SpoutActivate})
		r.pump(t)
	}
	r.mu.Unlock()
	for {
		select {
		case err := <-r.errc:
			return err
		case t := <-r.wake:
			r.mu.Lock()
			if t == nil {
				for _, s := range r.spouts {
					r.markDirty(s)
				}
			} else {
				t.sleeping = false
				r.markDirty(t)
			}
			r.settle()
			r.mu.Unlock()
		case now := <-tick.C:
			r.mu.Lock()
			err := r.tick(now)
			r.settle()
			r.mu.Unlock()
			if err != nil {
				return err
			}
		case <-durationC:
			durationC, ctxDone = nil, nil
			graceC, drainedC = r.beginStop("duration reached"), r.drainedC
		case <-ctxDone:
			durationC, ctxDone = nil, nil
			graceC, drainedC = r.beginStop("stop requested"), r.drainedC
		case <-drainedC:
			return nil
		case <-graceC:
			r.mu.Lock()
			n := len(r.ledger)
			r.mu.Unlock()
			r.out.line("", "WARN", fmt.Sprintf("grace period over with %d tuple trees in flight", n))
			return nil
		}
	}
}

func (r *runner) handleEvent(ev event) error {
	for _, m := range ev.ms {
		if err := r.handle(ev.t, m); err != nil {
			return err
		}
	}
	return ev.err
}

func (r *runner) beginStop(why string) <-chan time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.settle()
	r.out.line("", "INFO", fmt.Sprintf("%s: deactivating spouts, waiting up to %s for %d tuple trees in flight", why, r.opts.Grace, len(r.ledger)))
	r.stopping = true
	for _, t := range r.spouts {
		t.active = false
		t.cmds = append(t.cmds, outMsg{kind: outSpoutCmd, cmd: multilang.SpoutDeactivate})
		r.markDirty(t)
	}
	return time.After(r.opts.Grace)
}

// drained reports whether nothing is in flight any more.
func (r *runner) drained() bool {
	if len(r.ledger) > 0 || r.queued.Load() > 0 {
		return false
	}
	for _, t := range r.tasks {
		if len(t.inflight) > 0 || len(t.cmds) > 0 || len(t.inputs) > 0 {
			return false
		}
	}
	return true
}

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

func (r *runner) handle(t *task, m *multilang.Message) error {
	switch m.Command {
	case multilang.CmdEmit:
		return r.emit(t, m)
	case multilang.CmdSync:
		if !t.spout || len(t.inflight) == 0 {
			return nil // a bolt's sync, or one nobody asked for
		}
		cmd, emitted := t.inflight[0], t.headEmitted
		t.inflight = t.inflight[1:]
		t.headEmitted = false
		if cmd != multilang.SpoutNext {
			return nil
		}
		t.nextsOut--
		if !emitted && !t.sleeping {
			// Like Storm's spout wait strategy: an idle spout is asked
			// again after a short sleep, not in a hot loop.
			t.sleeping = true
			time.AfterFunc(r.spoutWait(t), func() {
				select {
				case r.wake <- t:
				case <-r.done:
				}
			})
			return nil
		}
		r.markDirty(t)
		return nil
	case multilang.CmdAck, multilang.CmdFail:
		if t.spout {
			return r.protocolError(t, fmt.Errorf("a spout sent %q, which only bolts send", m.Command))
		}
		return r.ackOrFail(t, m)
	case multilang.CmdLog:
		r.out.log(t.name, m.LogLevel(), m.Msg)
		return nil
	case multilang.CmdError:
		t.stats.errors++
		r.out.reportError(t.name, m.Msg)
		return nil
	case multilang.CmdMetrics:
		if !t.metricsSeen[m.Name] {
			t.metricsSeen[m.Name] = true
			r.out.line(t.name, "WARN", fmt.Sprintf("metric %q: shell components cannot register metrics from Python, so on a cluster Storm fails this worker; ignored locally", m.Name))
		}
		return nil
	}
	return r.protocolError(t, fmt.Errorf("unknown command %q", m.Command))
}

func (r *runner) protocolError(t *task, err error) error {
	return fmt.Errorf("component %q task %d broke the multilang protocol: %w (Storm kills the worker for this)", t.comp.c.ID, t.id, err)
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

func (r *runner) tick(now time.Time) error {
	nowNano := now.UnixNano()
	limit := r.hbLimit.Nanoseconds()
	for _, t := range r.tasks {
		silent := nowNano - t.child.lastHeard.Load()
		if t.spout {
			// A spout is only expected to talk while it owes a sync.
			if len(t.inflight) > 0 && silent > limit {
				return t.child.fail(fmt.Sprintf("did not answer %q for %s (topology.subprocess.timeout.secs)", t.inflight[0], time.Duration(silent).Round(time.Second)), nil)
			}
			continue
		}
		if silent > limit {
			return t.child.fail(fmt.Sprintf("did not answer heartbeats for %s (topology.subprocess.timeout.secs)", time.Duration(silent).Round(time.Second)), nil)
		}
		r.nextID++
		r.enqueue(t, outMsg{kind: outHeartbeat, id: r.nextID})
	}
	if r.acking {
		for root, tr := range r.ledger {
			if tr.deadline < nowNano {
				if r.debug {
					r.out.debugLine(tr.spout.name, fmt.Sprintf("tree %s timed out after %s", tr.msgID, r.timeout))
				}
				r.completeTree(root, tr, false)
			}
		}
	}
	return nil
}

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

func mergeRoot(roots []rootEdge, root, e uint64) []rootEdge {
	for i := range roots {
		if roots[i].root == root {
			roots[i].edge ^= e
			return roots
		}
	}
	return append(roots, rootEdge{root: root, edge: e})
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

// minHandshake is the least time a child gets to start and answer the
// handshake. Storm's ShellProcess waits for the pid with no timeout at all;
// a heartbeat-sized limit would fail slow interpreter start-ups (a loaded
// machine, a version-manager shim) that Storm itself tolerates.
const minHandshake = time.Minute

func handshakeTimeout(heartbeat time.Duration) time.Duration {
	return max(heartbeat, minHandshake)
}
