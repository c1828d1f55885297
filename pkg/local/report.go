package local

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/stormpy/stormpy/pkg/multilang"
	"github.com/stormpy/stormpy/pkg/topology"
)

// printer funnels every output line through one lock, so that lines from
// concurrent children never interleave.
type printer struct {
	mu    sync.Mutex
	w     io.Writer
	debug bool
}

func (p *printer) line(who, level, msg string) {
	ts := time.Now().Format("15:04:05.000")
	var b strings.Builder
	for i, l := range strings.Split(strings.TrimRight(msg, "\n"), "\n") {
		b.WriteString(ts)
		b.WriteByte(' ')
		if i == 0 {
			fmt.Fprintf(&b, "%-5s ", level)
		} else {
			b.WriteString("      ")
		}
		if who != "" {
			b.WriteString("[")
			b.WriteString(who)
			b.WriteString("] ")
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	p.mu.Lock()
	_, _ = io.WriteString(p.w, b.String())
	p.mu.Unlock()
}

// log prints a component's log message; TRACE and DEBUG only with --debug.
func (p *printer) log(who string, level int, msg string) {
	if level < multilang.LevelInfo && !p.debug {
		return
	}
	p.line(who, multilang.LevelName(level), msg)
}

func (p *printer) debugLine(who, msg string) {
	if p.debug {
		p.line(who, "DEBUG", msg)
	}
}

// reportError prints a component's reportError so that it stands out from
// ordinary logs, as it does in Storm's UI.
func (p *printer) reportError(who, msg string) {
	p.line(who, "ERROR", "*** reportError: "+msg)
}

// Summary is what a run did, per component.
type Summary struct {
	Topology   string
	Elapsed    time.Duration
	Acking     bool
	Components []ComponentStats
	// InFlight is the number of tuple trees still pending at the end.
	InFlight int
}

// ComponentStats counts one component's work over all its tasks. For a
// spout, Acked and Failed count tuple trees; for a bolt, input tuples.
type ComponentStats struct {
	ID          string
	Kind        topology.Kind
	Executors   int
	Tasks       int
	Emitted     int64
	Transferred int64
	Executed    int64
	Acked       int64
	Failed      int64
	Errors      int64
}

// Rate is the component's throughput per second: tuples emitted by a
// spout, tuples executed by a bolt.
func (c ComponentStats) Rate(elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	n := c.Executed
	if c.Kind == topology.Spout {
		n = c.Emitted
	}
	return float64(n) / elapsed.Seconds()
}

// Component returns the stats of one component, or nil.
func (s *Summary) Component(id string) *ComponentStats {
	for i := range s.Components {
		if s.Components[i].ID == id {
			return &s.Components[i]
		}
	}
	return nil
}

// Write prints the summary as a table.
func (s *Summary) Write(w io.Writer) error {
	ack := "on"
	if !s.Acking {
		ack = "off"
	}
	fmt.Fprintf(w, "\nsummary of %q: ran %s, acking %s, %d tuple trees in flight at the end\n", s.Topology, s.Elapsed.Round(time.Millisecond), ack, s.InFlight)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "component\tkind\texecutors\ttasks\temitted\ttransferred\texecuted\tacked\tfailed\terrors\ttuples/s\t")
	for _, c := range s.Components {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f\t\n", c.ID, c.Kind, c.Executors, c.Tasks, c.Emitted, c.Transferred, c.Executed, c.Acked, c.Failed, c.Errors, c.Rate(s.Elapsed))
	}
	return tw.Flush()
}

func (r *runner) summary() *Summary {
	s := &Summary{Topology: r.p.topo.Name, Acking: r.acking, InFlight: len(r.ledger)}
	if !r.started.IsZero() {
		s.Elapsed = time.Since(r.started)
	}
	for _, cp := range r.p.comps {
		cs := ComponentStats{ID: cp.c.ID, Kind: cp.c.Kind, Executors: cp.executors, Tasks: len(cp.tasks)}
		for _, id := range cp.tasks {
			st := r.tasks[id-1].stats
			cs.Emitted += st.emitted
			cs.Transferred += st.transferred
			cs.Executed += st.executed
			cs.Acked += st.acked
			cs.Failed += st.failed
			cs.Errors += st.errors
		}
		s.Components = append(s.Components, cs)
	}
	return s
}
