package nimbus

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// allTime is the stats window that covers the executor's whole life.
const allTime = ":all-time"

// Topology is one running topology as `stormpy list` reports it. The JSON
// form is a documented, stable contract (README: "JSON output").
type Topology struct {
	Name       string `json:"name"`
	ID         string `json:"id"`
	Status     string `json:"status"`
	UptimeSecs int    `json:"uptime_secs"`
	Workers    int    `json:"workers"`
	Executors  int    `json:"executors"`
	Tasks      int    `json:"tasks"`
	// Owner is empty before Storm 0.10.
	Owner string `json:"owner,omitempty"`
}

// Info describes one topology in detail, as `stormpy info` reports it;
// its JSON form is part of the same contract.
type Info struct {
	Topology
	// Components are the user's spouts and bolts (Storm's system
	// components, whose ids start with "__", are left out), sorted by id.
	Components []Component `json:"components"`
}

// Component aggregates the executors of one spout or bolt over their whole
// life. Counts leave out Storm's system streams (ids starting with "__").
type Component struct {
	ID string `json:"id"`
	// Kind is "spout", "bolt", or "" while no executor has reported.
	Kind      string `json:"kind"`
	Executors int    `json:"executors"`
	Tasks     int    `json:"tasks"`
	// Reporting is how many executors have sent stats.
	Reporting   int   `json:"reporting"`
	Emitted     int64 `json:"emitted"`
	Transferred int64 `json:"transferred"`
	Acked       int64 `json:"acked"`
	Failed      int64 `json:"failed"`
	// Executed is set for bolts.
	Executed int64 `json:"executed"`
	// Latencies in milliseconds, averaged over executors weighted by
	// acked (complete) or executed (process, execute) tuples; null when
	// there is nothing to average.
	CompleteLatencyMs *float64 `json:"complete_latency_ms"`
	ProcessLatencyMs  *float64 `json:"process_latency_ms"`
	ExecuteLatencyMs  *float64 `json:"execute_latency_ms"`
	// Errors are the errors Nimbus keeps for the component, newest first.
	Errors []ComponentError `json:"errors"`
}

// ComponentError is one error a component reported.
type ComponentError struct {
	// Time is in seconds since the Unix epoch.
	Time  int64  `json:"time"`
	Error string `json:"error"`
	// Host and Port are empty/0 before Storm 0.10.
	Host string `json:"host,omitempty"`
	Port int    `json:"port,omitempty"`
}

// List returns the running topologies, sorted by name.
func (c *Client) List(ctx context.Context) ([]Topology, error) {
	sum, err := c.clusterInfo(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Topology, 0, len(sum.Topologies))
	for _, t := range sum.Topologies {
		out = append(out, fromSummary(t))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Info describes the named topology.
func (c *Client) Info(ctx context.Context, name string) (*Info, error) {
	sum, err := c.find(ctx, name)
	if err != nil {
		return nil, err
	}
	if sum == nil {
		return nil, explain(&stormthrift.NotAliveException{Msg: name}, "info", name)
	}
	ti, err := c.topologyInfoByID(ctx, name, sum.ID)
	if err != nil {
		return nil, err
	}
	info := &Info{Topology: fromSummary(sum), Components: aggregate(ti)}
	// TopologyInfo is the fresher of the two replies.
	info.Status, info.UptimeSecs = ti.Status, int(ti.UptimeSecs)
	return info, nil
}

func fromSummary(t *stormthrift.TopologySummary) Topology {
	return Topology{
		Name: t.Name, ID: t.ID, Status: t.Status, UptimeSecs: int(t.UptimeSecs),
		Workers: int(t.NumWorkers), Executors: int(t.NumExecutors), Tasks: int(t.NumTasks),
		Owner: t.GetOwner(),
	}
}

func (c *Client) clusterInfo(ctx context.Context) (*stormthrift.ClusterSummary, error) {
	var sum *stormthrift.ClusterSummary
	err := c.retrying(ctx, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		var err error
		sum, err = nc.GetClusterInfo(ctx)
		return err
	})
	if err != nil {
		return nil, explain(err, "list topologies", "")
	}
	return sum, nil
}

// find returns the summary of the named topology, or nil.
func (c *Client) find(ctx context.Context, name string) (*stormthrift.TopologySummary, error) {
	sum, err := c.clusterInfo(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range sum.Topologies {
		if t.Name == name {
			return t, nil
		}
	}
	return nil, nil
}

// topologyInfo looks the name up and fetches its TopologyInfo
// (getTopologyInfo takes the id).
func (c *Client) topologyInfo(ctx context.Context, name string) (*stormthrift.TopologyInfo, error) {
	sum, err := c.find(ctx, name)
	if err != nil {
		return nil, err
	}
	if sum == nil {
		return nil, explain(&stormthrift.NotAliveException{Msg: name}, "info", name)
	}
	return c.topologyInfoByID(ctx, name, sum.ID)
}

func (c *Client) topologyInfoByID(ctx context.Context, name, id string) (*stormthrift.TopologyInfo, error) {
	var ti *stormthrift.TopologyInfo
	err := c.retrying(ctx, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		var err error
		ti, err = nc.GetTopologyInfo(ctx, id)
		return err
	})
	if err != nil {
		return nil, explain(err, "info", name)
	}
	return ti, nil
}

// TopologyConf returns the named topology's configuration as JSON.
func (c *Client) TopologyConf(ctx context.Context, name string) (string, error) {
	sum, err := c.find(ctx, name)
	if err != nil {
		return "", err
	}
	if sum == nil {
		return "", explain(&stormthrift.NotAliveException{Msg: name}, "conf", name)
	}
	var conf string
	err = c.retrying(ctx, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		var err error
		conf, err = nc.GetTopologyConf(ctx, sum.ID)
		return err
	})
	if err != nil {
		return "", explain(err, "conf", name)
	}
	return conf, nil
}

func system(id string) bool { return strings.HasPrefix(id, "__") }

// weighted accumulates a weighted average.
type weighted struct{ sum, weight float64 }

func (w *weighted) add(avg float64, n int64) {
	if n > 0 {
		w.sum += avg * float64(n)
		w.weight += float64(n)
	}
}

func (w *weighted) value() *float64 {
	if w.weight == 0 {
		return nil
	}
	v := w.sum / w.weight
	return &v
}

type componentAcc struct {
	Component
	complete, process, execute weighted
}

// aggregate folds executor stats into per-component figures, the way the
// Storm UI does for the all-time window.
func aggregate(ti *stormthrift.TopologyInfo) []Component {
	acc := map[string]*componentAcc{}
	get := func(id string) *componentAcc {
		a := acc[id]
		if a == nil {
			a = &componentAcc{Component: Component{ID: id, Errors: []ComponentError{}}}
			acc[id] = a
		}
		return a
	}
	for _, e := range ti.Executors {
		if system(e.ComponentID) {
			continue
		}
		a := get(e.ComponentID)
		a.Executors++
		if ei := e.ExecutorInfo; ei != nil {
			a.Tasks += int(ei.TaskEnd-ei.TaskStart) + 1
		}
		st := e.Stats
		if st == nil {
			continue
		}
		a.Reporting++
		a.Emitted += sumStreams(st.Emitted[allTime])
		a.Transferred += sumStreams(st.Transferred[allTime])
		switch sp := st.Specific; {
		case sp == nil:
		case sp.IsSetSpout():
			a.Kind = "spout"
			acked := sp.Spout.Acked[allTime]
			a.Acked += sumStreams(acked)
			a.Failed += sumStreams(sp.Spout.Failed[allTime])
			for stream, avg := range sp.Spout.CompleteMsAvg[allTime] {
				if !system(stream) {
					a.complete.add(avg, acked[stream])
				}
			}
		case sp.IsSetBolt():
			a.Kind = "bolt"
			b := sp.Bolt
			a.Acked += sumInputs(b.Acked[allTime])
			a.Failed += sumInputs(b.Failed[allTime])
			executed := byInput(b.Executed[allTime])
			a.Executed += sumInputs(b.Executed[allTime])
			for gs, avg := range b.ProcessMsAvg[allTime] {
				if !system(gs.StreamId) {
					a.process.add(avg, executed[key(gs)])
				}
			}
			for gs, avg := range b.ExecuteMsAvg[allTime] {
				if !system(gs.StreamId) {
					a.execute.add(avg, executed[key(gs)])
				}
			}
		}
	}
	for id, errs := range ti.Errors {
		if system(id) {
			continue
		}
		a := get(id)
		for _, e := range errs {
			a.Errors = append(a.Errors, ComponentError{
				Time: int64(e.ErrorTimeSecs), Error: e.Error, Host: e.GetHost(), Port: int(e.GetPort()),
			})
		}
		sort.SliceStable(a.Errors, func(i, j int) bool { return a.Errors[i].Time > a.Errors[j].Time })
	}
	out := make([]Component, 0, len(acc))
	for _, a := range acc {
		a.CompleteLatencyMs = a.complete.value()
		a.ProcessLatencyMs = a.process.value()
		a.ExecuteLatencyMs = a.execute.value()
		out = append(out, a.Component)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func sumStreams(m map[string]int64) int64 {
	var n int64
	for stream, v := range m {
		if !system(stream) {
			n += v
		}
	}
	return n
}

func key(g *stormthrift.GlobalStreamId) string { return g.ComponentId + "\x00" + g.StreamId }

func byInput(m map[*stormthrift.GlobalStreamId]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for g, v := range m {
		out[key(g)] += v
	}
	return out
}

func sumInputs(m map[*stormthrift.GlobalStreamId]int64) int64 {
	var n int64
	for g, v := range m {
		if !system(g.StreamId) {
			n += v
		}
	}
	return n
}

// String is a one-line summary for logs.
func (t Topology) String() string {
	return fmt.Sprintf("%s (%s, %s)", t.Name, t.ID, t.Status)
}
