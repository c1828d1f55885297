// Package local runs a topology on this machine with no JVM: one child
// process per task, started like Storm's ShellSpout and ShellBolt start them,
// with routing, tuple-tree tracking and heartbeats done in Go by a host for
// Storm's multilang protocol.
package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
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

// minHandshake is the least time a child gets to start and answer the
// handshake. Storm's ShellProcess waits for the pid with no timeout at all;
// a heartbeat-sized limit would fail slow interpreter start-ups (a loaded
// machine, a version-manager shim) that Storm itself tolerates.
const minHandshake = time.Minute

func handshakeTimeout(heartbeat time.Duration) time.Duration {
	return max(heartbeat, minHandshake)
}
