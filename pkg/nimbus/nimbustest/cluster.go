// Package nimbustest runs fake Nimbus servers on 127.0.0.1 for tests: the
// generated Thrift processor over framed strict-binary connections, with a
// shared in-memory cluster state, answering the way Storm 0.9.3, 1.0 or 2.x
// does, and with faults a real cluster cannot be made to show on demand.
//
// The older versions need no separate IDL: stormpy's IDL declares optional
// every field some version leaves out, and unset optional fields are not
// written, so the fake emits exactly the old wire shape (a 0.9.3
// ClusterSummary carries fields 1, 2 and 3 and no nimbuses). Methods an old
// Nimbus lacks are removed from the processor, which then answers them with
// TApplicationException UNKNOWN_METHOD as the old Java server does.
package nimbustest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// Version selects which Storm release the fake imitates.
type Version int

// Imitated versions.
const (
	// Storm093: no getLeader or isTopologyNameAllowed, ClusterSummary with
	// nimbus_uptime_secs and no nimbuses, no executor rate, errors without
	// host and port, summaries without owner.
	Storm093 Version = iota
	// Storm10: no getLeader or isTopologyNameAllowed; ClusterSummary lists
	// the nimbuses with their leader flag.
	Storm10
	// Storm2: every method; ClusterSummary without nimbus_uptime_secs.
	Storm2
)

func (v Version) String() string {
	return [...]string{"0.9.3", "1.0.1", "2.8.0"}[v]
}

// DefaultMaxBuffer is the fake's nimbus.thrift.max_buffer_size and frame
// limit, Storm's default.
const DefaultMaxBuffer = 1048576

// Fault is what the next matching call does instead of (or before) its
// normal work.
type Fault struct {
	// Skip lets this many matching calls through before the fault fires.
	Skip int
	// Err is returned by the call: a declared exception (for example
	// *stormthrift.NotAliveException) reaches the client as such, any
	// other error as TApplicationException INTERNAL_ERROR.
	Err error
	// Drop closes the connection without an answer.
	Drop bool
	// Hang blocks the call until the client goes away or the cluster
	// closes.
	Hang bool
	// MoveLeader makes node NewLeader the leader just before the call
	// runs, so the call meets a Nimbus that has lost the leadership.
	MoveLeader bool
	NewLeader  int
}

// Cluster is a set of fake Nimbus nodes sharing one state.
type Cluster struct {
	version Version

	mu         sync.Mutex
	nodes      []*node
	leader     int
	topologies map[string]*Topology
	uploads    map[string]*upload
	faults     map[string][]*Fault
	calls      []string
	nextID     int
	closed     chan struct{}
	start      time.Time
	// settings
	maxBuffer   int
	confDenied  bool
	reportAfter time.Duration
	killScale   time.Duration
}

type node struct {
	idx   int
	addr  string
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
	down  bool
}

// Topology is the fake's record of a submitted topology.
type Topology struct {
	Name, ID, Status string
	Jar              []byte
	ConfJSON         string
	Thrift           *stormthrift.StormTopology
	Submitted        time.Time
	// KillWait is the wait_secs of the kill, -1 if none was given.
	KillWait int
	// Rebalance is the last rebalance request.
	Rebalance *stormthrift.RebalanceOptions
	errors    map[string][]*stormthrift.ErrorInfo
}

type upload struct {
	data     []byte
	finished bool
}

type connKey struct{}

// Option configures a Cluster.
type Option func(*Cluster)

// WithMaxBuffer sets nimbus.thrift.max_buffer_size, which is also the
// fake's frame limit: a larger request frame kills the connection, as on
// a real Nimbus.
func WithMaxBuffer(n int) Option { return func(c *Cluster) { c.maxBuffer = n } }

// WithConfDenied makes getNimbusConf raise AuthorizationException.
func WithConfDenied() Option { return func(c *Cluster) { c.confDenied = true } }

// WithReportAfter sets how long after submission executors start sending
// stats (default: at once).
func WithReportAfter(d time.Duration) Option { return func(c *Cluster) { c.reportAfter = d } }

// WithKillScale sets how long one second of a kill's wait_secs lasts
// (default 10ms, so tests do not sleep for real seconds).
func WithKillScale(d time.Duration) Option { return func(c *Cluster) { c.killScale = d } }

// Start starts n fake Nimbus nodes imitating version v; node 0 leads.
func Start(v Version, n int, opts ...Option) (*Cluster, error) {
	c := &Cluster{
		version:    v,
		topologies: map[string]*Topology{},
		uploads:    map[string]*upload{},
		faults:     map[string][]*Fault{},
		closed:     make(chan struct{}),
		start:      time.Now(),
		maxBuffer:  DefaultMaxBuffer,
		killScale:  10 * time.Millisecond,
	}
	for _, o := range opts {
		o(c)
	}
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("nimbustest: listen: %w", err)
		}
		nd := &node{idx: i, addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]struct{}{}}
		c.nodes = append(c.nodes, nd)
		nd.wg.Add(1)
		go c.serve(nd)
	}
	return c, nil
}

// Seeds returns every node's host:port, node 0 first.
func (c *Cluster) Seeds() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.addr
	}
	return out
}

// Addr returns node i's host:port.
func (c *Cluster) Addr(i int) string { return c.nodes[i].addr }

// SetLeader makes node i the leader; -1 leaves the cluster without one.
func (c *Cluster) SetLeader(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.leader = i
}

// Down stops node i: its listener closes (connects are refused) and its
// open connections drop.
func (c *Cluster) Down(i int) {
	nd := c.nodes[i]
	c.mu.Lock()
	nd.down = true
	for cn := range nd.conns {
		cn.Close()
	}
	c.mu.Unlock()
	nd.ln.Close()
}

// Fail queues a fault for the next call of method (the Thrift name, for
// example "uploadChunk"), on any node.
func (c *Cluster) Fail(method string, f Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults[method] = append(c.faults[method], &f)
}

// Calls returns "node:method" for every call served, in order.
func (c *Cluster) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

// Topology returns a copy of the named topology's record.
func (c *Cluster) Topology(name string) (Topology, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.topologies[name]
	if !ok {
		return Topology{}, false
	}
	return *t, true
}

// AddError records an error reported by a component of a topology.
func (c *Cluster) AddError(name, component, msg string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.topologies[name]
	if t == nil {
		return
	}
	e := &stormthrift.ErrorInfo{Error: msg, ErrorTimeSecs: int32(at.Unix())}
	if c.version >= Storm10 {
		host, port := "127.0.0.1", int32(6700)
		e.Host, e.Port = &host, &port
	}
	t.errors[component] = append(t.errors[component], e)
}

// Close stops every node and waits for their goroutines.
func (c *Cluster) Close() {
	select {
	case <-c.closed:
		return
	default:
		close(c.closed)
	}
	for i, nd := range c.nodes {
		if !nd.down {
			c.Down(i)
		}
		nd.wg.Wait()
	}
}

func (c *Cluster) serve(nd *node) {
	defer nd.wg.Done()
	conf := &thrift.TConfiguration{MaxFrameSize: int32(c.maxBuffer), TBinaryStrictWrite: thrift.BoolPtr(true)}
	for {
		nc, err := nd.ln.Accept()
		if err != nil {
			return
		}
		c.mu.Lock()
		if nd.down {
			c.mu.Unlock()
			nc.Close()
			return
		}
		nd.conns[nc] = struct{}{}
		c.mu.Unlock()
		nd.wg.Add(1)
		go func() {
			defer nd.wg.Done()
			defer func() {
				c.mu.Lock()
				delete(nd.conns, nc)
				c.mu.Unlock()
				nc.Close()
			}()
			proc := stormthrift.NewNimbusProcessor(&handler{c: c, node: nd})
			if c.version < Storm2 {
				// Added in 1.1.
				delete(proc.ProcessorMap(), "getLeader")
				delete(proc.ProcessorMap(), "isTopologyNameAllowed")
			}
			trans := thrift.NewTFramedTransportConf(thrift.NewTSocketFromConnConf(nc, conf), conf)
			proto := thrift.NewTBinaryProtocolConf(trans, conf)
			ctx, cancel := context.WithCancel(context.WithValue(context.Background(), connKey{}, nc))
			defer cancel()
			go func() {
				select {
				case <-c.closed:
					cancel()
				case <-ctx.Done():
				}
			}()
			for {
				ok, err := proc.Process(ctx, proto, proto)
				if ok {
					continue
				}
				var ae thrift.TApplicationException
				if errors.As(err, &ae) && ae.TypeId() == thrift.UNKNOWN_METHOD {
					continue
				}
				return
			}
		}()
	}
}

// hostPort splits a node address for NimbusSummary.
func hostPort(addr string) (string, int32) {
	h, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return h, int32(n)
}
