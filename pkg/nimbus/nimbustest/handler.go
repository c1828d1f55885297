package nimbustest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// handler serves one connection of one node.
type handler struct {
	c    *Cluster
	node *node
}

var _ stormthrift.Nimbus = (*handler)(nil)

// validName is Storm's rule for topology names.
var validName = regexp.MustCompile(`^[^/.:\\]+$`)

// enter logs the call, applies a queued fault and, for calls that need the
// leader, refuses on a non-leader the way Storm does (an undeclared
// exception, which reaches the client as INTERNAL_ERROR).
func (h *handler) enter(ctx context.Context, method string, needLeader bool) error {
	c := h.c
	c.mu.Lock()
	c.calls = append(c.calls, fmt.Sprintf("%d:%s", h.node.idx, method))
	var f *Fault
	if q := c.faults[method]; len(q) > 0 {
		if q[0].Skip > 0 {
			q[0].Skip--
		} else {
			f = q[0]
			c.faults[method] = q[1:]
		}
	}
	if f != nil && f.MoveLeader {
		c.leader = f.NewLeader
	}
	leader := c.leader
	c.mu.Unlock()
	if f != nil {
		switch {
		case f.Drop:
			if nc, ok := ctx.Value(connKey{}).(net.Conn); ok {
				nc.Close()
			}
			return thrift.ErrAbandonRequest
		case f.Hang:
			<-ctx.Done()
			return thrift.ErrAbandonRequest
		case f.Err != nil:
			return f.Err
		}
	}
	if needLeader && c.version >= Storm10 && leader != h.node.idx {
		return fmt.Errorf("not a leader, current leader is %v", h.leaderAddr(leader))
	}
	return nil
}

func (h *handler) leaderAddr(i int) string {
	if i < 0 || i >= len(h.c.nodes) {
		return "none"
	}
	return h.c.nodes[i].addr
}

func (h *handler) BeginFileUpload(ctx context.Context) (string, error) {
	if err := h.enter(ctx, "beginFileUpload", true); err != nil {
		return "", err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	loc := fmt.Sprintf("/storm/nimbus/inbox/stormjar-%d.jar", c.nextID)
	c.uploads[loc] = &upload{}
	return loc, nil
}

func (h *handler) UploadChunk(ctx context.Context, location string, chunk []byte) error {
	if err := h.enter(ctx, "uploadChunk", true); err != nil {
		return err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.uploads[location]
	if u == nil || u.finished {
		return fmt.Errorf("file upload %s is not open", location)
	}
	u.data = append(u.data, chunk...)
	return nil
}

func (h *handler) FinishFileUpload(ctx context.Context, location string) error {
	if err := h.enter(ctx, "finishFileUpload", true); err != nil {
		return err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	u := c.uploads[location]
	if u == nil {
		return fmt.Errorf("file upload %s is not open", location)
	}
	u.finished = true
	return nil
}

func (h *handler) SubmitTopology(ctx context.Context, name, location, jsonConf string, topo *stormthrift.StormTopology) error {
	return h.submit(ctx, "submitTopology", name, location, jsonConf, topo, nil)
}

func (h *handler) SubmitTopologyWithOpts(ctx context.Context, name, location, jsonConf string, topo *stormthrift.StormTopology, opts *stormthrift.SubmitOptions) error {
	return h.submit(ctx, "submitTopologyWithOpts", name, location, jsonConf, topo, opts)
}

func (h *handler) submit(ctx context.Context, method, name, location, jsonConf string, topo *stormthrift.StormTopology, opts *stormthrift.SubmitOptions) error {
	if err := h.enter(ctx, method, true); err != nil {
		return err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !validName.MatchString(name) {
		return &stormthrift.InvalidTopologyException{Msg: fmt.Sprintf("Topology name must be valid: %s", name)}
	}
	if _, ok := c.topologies[name]; ok {
		return &stormthrift.AlreadyAliveException{Msg: fmt.Sprintf("Topology with name `%s` already exists on cluster", name)}
	}
	u := c.uploads[location]
	if u == nil || !u.finished {
		return fmt.Errorf("no finished upload at %s", location)
	}
	var conf map[string]any
	if err := json.Unmarshal([]byte(jsonConf), &conf); err != nil {
		return &stormthrift.InvalidTopologyException{Msg: "conf is not a JSON object: " + err.Error()}
	}
	if len(topo.Spouts) == 0 {
		return &stormthrift.InvalidTopologyException{Msg: "Topology has no spouts"}
	}
	status := "ACTIVE"
	if opts != nil && opts.InitialStatus == stormthrift.TopologyInitialStatus_INACTIVE {
		status = "INACTIVE"
	}
	c.nextID++
	t := &Topology{
		Name: name, ID: fmt.Sprintf("%s-%d-%d", name, c.nextID, time.Now().Unix()), Status: status,
		Jar: u.data, ConfJSON: jsonConf, Thrift: topo, Submitted: time.Now(), KillWait: -1,
		errors: map[string][]*stormthrift.ErrorInfo{},
	}
	delete(c.uploads, location)
	c.topologies[name] = t
	return nil
}

func (h *handler) KillTopology(ctx context.Context, name string) error {
	return h.kill(ctx, "killTopology", name, nil)
}

func (h *handler) KillTopologyWithOpts(ctx context.Context, name string, opts *stormthrift.KillOptions) error {
	return h.kill(ctx, "killTopologyWithOpts", name, opts)
}

func (h *handler) kill(ctx context.Context, method, name string, opts *stormthrift.KillOptions) error {
	if err := h.enter(ctx, method, true); err != nil {
		return err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.alive(name)
	if err != nil {
		return err
	}
	// Storm's default wait is the message timeout (30s).
	wait := 30
	if opts != nil && opts.IsSetWaitSecs() {
		wait = int(opts.GetWaitSecs())
		t.KillWait = wait
	}
	t.Status = "KILLED"
	time.AfterFunc(time.Duration(wait)*c.killScale, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.topologies[name] == t {
			delete(c.topologies, name)
		}
	})
	return nil
}

// alive returns the named topology unless it is missing or being killed.
func (c *Cluster) alive(name string) (*Topology, error) {
	t := c.topologies[name]
	if t == nil || t.Status == "KILLED" {
		return nil, &stormthrift.NotAliveException{Msg: name}
	}
	return t, nil
}

func (h *handler) Activate(ctx context.Context, name string) error {
	return h.setStatus(ctx, "activate", name, "ACTIVE")
}

func (h *handler) Deactivate(ctx context.Context, name string) error {
	return h.setStatus(ctx, "deactivate", name, "INACTIVE")
}

func (h *handler) setStatus(ctx context.Context, method, name, status string) error {
	if err := h.enter(ctx, method, true); err != nil {
		return err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.alive(name)
	if err != nil {
		return err
	}
	t.Status = status
	return nil
}

func (h *handler) Rebalance(ctx context.Context, name string, opts *stormthrift.RebalanceOptions) error {
	if err := h.enter(ctx, "rebalance", true); err != nil {
		return err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.alive(name)
	if err != nil {
		return err
	}
	for id := range opts.GetNumExecutors() {
		if _, ok := t.Thrift.Spouts[id]; ok {
			continue
		}
		if _, ok := t.Thrift.Bolts[id]; ok {
			continue
		}
		return &stormthrift.InvalidTopologyException{Msg: fmt.Sprintf("Component %s does not exist", id)}
	}
	t.Rebalance = opts
	return nil
}

func (h *handler) GetNimbusConf(ctx context.Context) (string, error) {
	if err := h.enter(ctx, "getNimbusConf", false); err != nil {
		return "", err
	}
	if h.c.confDenied {
		return "", &stormthrift.AuthorizationException{Msg: "getNimbusConf is not authorized"}
	}
	b, _ := json.Marshal(map[string]any{
		"nimbus.thrift.max_buffer_size": h.c.maxBuffer,
		"nimbus.thrift.port":            6627,
		"storm.zookeeper.servers":       []string{"127.0.0.1"},
	})
	return string(b), nil
}

func (h *handler) nimbuses() []*stormthrift.NimbusSummary {
	var out []*stormthrift.NimbusSummary
	for _, nd := range h.c.nodes {
		if nd.down {
			continue
		}
		host, port := hostPort(nd.addr)
		out = append(out, &stormthrift.NimbusSummary{
			Host: host, Port: port, UptimeSecs: int32(time.Since(h.c.start).Seconds()),
			IsLeader: nd.idx == h.c.leader, Version: h.c.version.String(),
		})
	}
	return out
}

func (h *handler) GetClusterInfo(ctx context.Context) (*stormthrift.ClusterSummary, error) {
	if err := h.enter(ctx, "getClusterInfo", false); err != nil {
		return nil, err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := &stormthrift.ClusterSummary{
		Supervisors: []*stormthrift.SupervisorSummary{{Host: "127.0.0.1", UptimeSecs: 5, NumWorkers: 4, NumUsedWorkers: 1}},
		Topologies:  []*stormthrift.TopologySummary{},
	}
	switch c.version {
	case Storm093:
		up := int32(time.Since(c.start).Seconds())
		sum.NimbusUptimeSecs = &up
	case Storm10:
		up := int32(time.Since(c.start).Seconds())
		sum.NimbusUptimeSecs = &up
		sum.Nimbuses = h.nimbuses()
	default:
		sum.Nimbuses = h.nimbuses()
	}
	names := make([]string, 0, len(c.topologies))
	for n := range c.topologies {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t := c.topologies[n]
		execs := c.executors(t)
		tasks := 0
		for _, e := range execs {
			tasks += int(e.ExecutorInfo.TaskEnd-e.ExecutorInfo.TaskStart) + 1
		}
		ts := &stormthrift.TopologySummary{
			ID: t.ID, Name: t.Name, NumTasks: int32(tasks), NumExecutors: int32(len(execs)),
			NumWorkers: int32(workers(t)), UptimeSecs: int32(time.Since(t.Submitted).Seconds()), Status: t.Status,
		}
		if c.version == Storm2 {
			owner := "stormpy-test"
			ts.Owner = &owner
		}
		sum.Topologies = append(sum.Topologies, ts)
	}
	return sum, nil
}

func (h *handler) GetLeader(ctx context.Context) (*stormthrift.NimbusSummary, error) {
	if err := h.enter(ctx, "getLeader", false); err != nil {
		return nil, err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range h.nimbuses() {
		if n.IsLeader {
			return n, nil
		}
	}
	return nil, errors.New("no leader nimbus elected")
}

func (h *handler) IsTopologyNameAllowed(ctx context.Context, name string) (bool, error) {
	if err := h.enter(ctx, "isTopologyNameAllowed", false); err != nil {
		return false, err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	_, taken := c.topologies[name]
	return validName.MatchString(name) && !taken, nil
}

func (c *Cluster) byID(id string) (*Topology, error) {
	for _, t := range c.topologies {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, &stormthrift.NotAliveException{Msg: id}
}

func (h *handler) GetTopologyInfo(ctx context.Context, id string) (*stormthrift.TopologyInfo, error) {
	if err := h.enter(ctx, "getTopologyInfo", false); err != nil {
		return nil, err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.byID(id)
	if err != nil {
		return nil, err
	}
	info := &stormthrift.TopologyInfo{
		ID: t.ID, Name: t.Name, UptimeSecs: int32(time.Since(t.Submitted).Seconds()),
		Executors: c.executors(t), Status: t.Status, Errors: map[string][]*stormthrift.ErrorInfo{},
	}
	for comp, errs := range t.errors {
		info.Errors[comp] = errs
	}
	if c.version == Storm2 {
		owner := "stormpy-test"
		info.Owner = &owner
	}
	return info, nil
}

func (h *handler) GetTopologyConf(ctx context.Context, id string) (string, error) {
	if err := h.enter(ctx, "getTopologyConf", false); err != nil {
		return "", err
	}
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.byID(id)
	if err != nil {
		return "", err
	}
	return t.ConfJSON, nil
}

func workers(t *Topology) int {
	var conf map[string]any
	_ = json.Unmarshal([]byte(t.ConfJSON), &conf)
	if n, ok := conf["topology.workers"].(float64); ok && n > 0 {
		return int(n)
	}
	return 1
}

// executors lays the topology out as Storm would: parallelism_hint
// executors per component sharing its topology.tasks tasks, plus one
// __acker. Once reportAfter has passed since submission each executor
// carries stats with fixed figures (see Stats).
func (c *Cluster) executors(t *Topology) []*stormthrift.ExecutorSummary {
	type comp struct {
		id     string
		spout  bool
		common *stormthrift.ComponentCommon
	}
	var comps []comp
	for id, s := range t.Thrift.Spouts {
		comps = append(comps, comp{id, true, s.Common})
	}
	for id, b := range t.Thrift.Bolts {
		comps = append(comps, comp{id, false, b.Common})
	}
	comps = append(comps, comp{"__acker", false, &stormthrift.ComponentCommon{}})
	sort.Slice(comps, func(i, j int) bool { return comps[i].id < comps[j].id })
	reporting := time.Since(t.Submitted) >= c.reportAfter
	nworkers := workers(t)
	var out []*stormthrift.ExecutorSummary
	task := int32(1)
	for _, cm := range comps {
		par := int(cm.common.GetParallelismHint())
		if par < 1 {
			par = 1
		}
		tasks := par
		var conf map[string]any
		if cm.common.IsSetJSONConf() {
			_ = json.Unmarshal([]byte(cm.common.GetJSONConf()), &conf)
		}
		if n, ok := conf["topology.tasks"].(float64); ok && int(n) >= par {
			tasks = int(n)
		}
		for k := 0; k < par; k++ {
			n := int32(tasks / par)
			if k < tasks%par {
				n++
			}
			e := &stormthrift.ExecutorSummary{
				ExecutorInfo: &stormthrift.ExecutorInfo{TaskStart: task, TaskEnd: task + n - 1},
				ComponentID:  cm.id, Host: "127.0.0.1", Port: int32(6700 + len(out)%nworkers),
			}
			task += n
			if reporting {
				e.Stats = c.stats(cm.spout, k, cm.common)
				e.UptimeSecs = int32(time.Since(t.Submitted.Add(c.reportAfter)).Seconds()) + 1
			}
			out = append(out, e)
		}
	}
	return out
}

// Fixed per-executor figures for the all-time window, so tests can compute
// the aggregates. Executor k of a spout: emitted 100 on "default" plus 7 on
// "__ack_init", transferred the same, acked 40, failed 2, complete latency
// 10+k ms. Executor k of a bolt, per input stream: acked 30, failed 1,
// executed 30, process latency 2+k ms, execute latency 1+k ms; emitted and
// transferred 50 on "default".
func (c *Cluster) stats(spout bool, k int, common *stormthrift.ComponentCommon) *stormthrift.ExecutorStats {
	const w = ":all-time"
	st := &stormthrift.ExecutorStats{Specific: &stormthrift.ExecutorSpecificStats{}}
	if c.version >= Storm10 {
		rate := 1.0
		st.Rate = &rate
	}
	if spout {
		st.Emitted = map[string]map[string]int64{w: {"default": 100, "__ack_init": 7}, "600": {"default": 1}}
		st.Transferred = map[string]map[string]int64{w: {"default": 100, "__ack_init": 7}}
		st.Specific.Spout = &stormthrift.SpoutStats{
			Acked:         map[string]map[string]int64{w: {"default": 40}},
			Failed:        map[string]map[string]int64{w: {"default": 2}},
			CompleteMsAvg: map[string]map[string]float64{w: {"default": float64(10 + k)}},
		}
		return st
	}
	st.Emitted = map[string]map[string]int64{w: {"default": 50}}
	st.Transferred = map[string]map[string]int64{w: {"default": 50}}
	b := &stormthrift.BoltStats{
		Acked: map[string]map[*stormthrift.GlobalStreamId]int64{w: {}}, Failed: map[string]map[*stormthrift.GlobalStreamId]int64{w: {}},
		ProcessMsAvg: map[string]map[*stormthrift.GlobalStreamId]float64{w: {}}, Executed: map[string]map[*stormthrift.GlobalStreamId]int64{w: {}},
		ExecuteMsAvg: map[string]map[*stormthrift.GlobalStreamId]float64{w: {}},
	}
	for in := range common.Inputs {
		g := &stormthrift.GlobalStreamId{ComponentId: in.ComponentId, StreamId: in.StreamId}
		b.Acked[w][g], b.Failed[w][g], b.Executed[w][g] = 30, 1, 30
		b.ProcessMsAvg[w][g], b.ExecuteMsAvg[w][g] = float64(2+k), float64(1+k)
	}
	st.Specific.Bolt = b
	return st
}

// String describes the cluster for test logs.
func (c *Cluster) String() string {
	return "fake Nimbus " + c.version.String() + " x" + strconv.Itoa(len(c.nodes))
}
