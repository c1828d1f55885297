// Package nimbus is stormpy's client for Apache Storm's Nimbus: it finds the
// leader among a list of seeds and submits, kills, activates, deactivates,
// rebalances, lists and describes topologies over Nimbus' Thrift API
// (framed transport, strict binary protocol), talking to any Nimbus from
// 0.9.3 to 2.8.
//
// Every call takes a context; cancelling it closes the connection, so a call
// blocked on a slow or silent Nimbus returns at once. Errors that Nimbus
// raises (already alive, not alive, invalid topology, not authorized) are
// marked exitcode.RefusedBy and match ErrAlreadyAlive, ErrNotAlive,
// ErrInvalidTopology and ErrNotAuthorized with errors.Is; a Nimbus that
// cannot be reached gives an error matching ErrUnreachable.
package nimbus

import (
	"context"
	"fmt"
	"net"
	"time"
)

// DefaultPort is Nimbus' Thrift port (nimbus.thrift.port).
const DefaultPort = 6627

// Defaults for Options fields left zero.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultCallTimeout    = 60 * time.Second
	DefaultRetries        = 3
	DefaultBackoff        = time.Second
	DefaultMaxBackoff     = 10 * time.Second
	DefaultPollInterval   = time.Second
)

// Dialer opens the connection to a Nimbus. A *net.Dialer is one; the SSH
// helper supplies one that opens a direct-tcpip channel through an SSH
// gateway, so that addr (a host:port as the seeds and Nimbus' own leader
// reports name it, often a cluster-internal host name) is resolved and
// dialled on the far side. The returned net.Conn must honour SetDeadline
// and Close, which the client uses for its timeouts and cancellation.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Options configure a Client. Only Seeds is required.
type Options struct {
	// Seeds are Nimbus hosts as "host" or "host:port"; any of them can
	// lead the client to the leader.
	Seeds []string
	// Port is used for seeds without a port (default DefaultPort).
	Port int
	// Dialer opens connections (default: a plain TCP dialer).
	Dialer Dialer
	// ConnectTimeout bounds each connection attempt.
	ConnectTimeout time.Duration
	// CallTimeout bounds each Thrift call, including one upload chunk.
	CallTimeout time.Duration
	// Retries is how many more rounds over the seeds discovery makes, and
	// how many times an idempotent operation is retried, after a transient
	// failure (refused or dropped connection, timeout, a Nimbus that lost
	// the leadership). Negative means none.
	Retries int
	// Backoff is the first pause between retries; it doubles up to
	// MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// PollInterval is how often the Wait helpers ask Nimbus for news.
	PollInterval time.Duration
	// Logf, when set, receives one line per discovery step and retry.
	Logf func(format string, args ...any)
}

func (o Options) withDefaults() Options {
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Dialer == nil {
		o.Dialer = &net.Dialer{}
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Retries == 0 {
		o.Retries = DefaultRetries
	} else if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// Client talks to the Nimbus leader. It is not safe for concurrent use: a
// Thrift connection carries one call at a time.
type Client struct {
	opts   Options
	seeds  []string
	conn   *conn
	leader Leader
	// chunk is the upload chunk size, learnt once from getNimbusConf.
	chunk int
}

// Leader describes the Nimbus the client talks to.
type Leader struct {
	// Addr is the leader's host:port.
	Addr string
	// Version is the leader's Storm version; empty before Storm 1.0,
	// whose Nimbus does not report it.
	Version string
	// Via says how the leader was found: "getLeader" (1.1+),
	// "getClusterInfo" (1.0) or "seed" (0.9, 0.10: the seed is Nimbus).
	Via string
}

// Dial finds the leader among opts.Seeds and connects to it.
func Dial(ctx context.Context, opts Options) (*Client, error) {
	opts = opts.withDefaults()
	seeds, err := normalizeSeeds(opts.Seeds, opts.Port)
	if err != nil {
		return nil, err
	}
	c := &Client{opts: opts, seeds: seeds}
	if err := c.ensure(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Leader reports the Nimbus the client is connected to.
func (c *Client) Leader() Leader { return c.leader }

// Close closes the connection.
func (c *Client) Close() error {
	if c.conn == nil {
		return nil
	}
	err := c.conn.close()
	c.conn = nil
	return err
}

// String is for log lines.
func (l Leader) String() string {
	if l.Version == "" {
		return fmt.Sprintf("%s (found via %s)", l.Addr, l.Via)
	}
	return fmt.Sprintf("%s (Storm %s, found via %s)", l.Addr, l.Version, l.Via)
}
