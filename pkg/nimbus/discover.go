package nimbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// errNoLeader: a Nimbus answered but no leader is elected right now, as
// happens for a few seconds after the leader dies.
var errNoLeader = errors.New("no Nimbus leader elected yet")

// ParseSeeds splits a comma-separated seed list ("hn0,hn1:6627") and
// returns each as host:port, giving port to entries without one.
func ParseSeeds(list string, port int) ([]string, error) {
	var raw []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			raw = append(raw, s)
		}
	}
	return normalizeSeeds(raw, port)
}

func normalizeSeeds(seeds []string, port int) ([]string, error) {
	if port == 0 {
		port = DefaultPort
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range seeds {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		addr, err := seedAddr(s, port)
		if err != nil {
			return nil, exitcode.Invalid(err)
		}
		if !seen[addr] {
			seen[addr] = true
			out = append(out, addr)
		}
	}
	if len(out) == 0 {
		return nil, exitcode.Invalid(errors.New("no Nimbus given: use --nimbus HOST[:PORT][,HOST...], STORMPY_NIMBUS, or an env in stormpy.yaml"))
	}
	return out, nil
}

func seedAddr(s string, port int) (string, error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		// No port: a bare name, IPv4 address or (unbracketed) IPv6 address.
		host, p = strings.Trim(s, "[]"), strconv.Itoa(port)
	}
	if host == "" || strings.ContainsAny(host, " /@") {
		return "", fmt.Errorf("nimbus seed %q: want HOST or HOST:PORT", s)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("nimbus seed %q: port %q is not a number between 1 and 65535", s, p)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// ensure makes sure the client holds a working connection to the leader,
// discovering it again when the old connection broke.
func (c *Client) ensure(ctx context.Context) error {
	if c.conn != nil && c.conn.broken == nil {
		return nil
	}
	if c.conn != nil {
		c.conn.close()
		c.conn = nil
	}
	var tried []seedError
	for round := 0; ; round++ {
		tried = tried[:0]
		retry := false
		for _, seed := range c.seeds {
			cn, leader, err := c.viaSeed(ctx, seed)
			if err == nil {
				c.conn, c.leader = cn, leader
				c.opts.Logf("nimbus leader %s", leader)
				return nil
			}
			if ctx.Err() != nil {
				return fmt.Errorf("find Nimbus leader: %w", stopped(ctx.Err()))
			}
			var r *refused
			if errors.As(err, &r) {
				return err
			}
			c.opts.Logf("nimbus seed %s: %v", seed, err)
			tried = append(tried, seedError{seed, err})
			retry = retry || transient(err)
		}
		if !retry || round >= c.opts.Retries {
			break
		}
		if err := c.pause(ctx, round); err != nil {
			return fmt.Errorf("find Nimbus leader: %w", stopped(err))
		}
	}
	_, plain := c.opts.Dialer.(*net.Dialer)
	return unreachable(tried, !plain)
}

// viaSeed asks one seed for the leader, the way each Storm version allows:
// getLeader (1.1+), else the leader flag in getClusterInfo's nimbuses
// (1.0), else the seed is the only Nimbus (0.9, 0.10).
func (c *Client) viaSeed(ctx context.Context, seed string) (*conn, Leader, error) {
	cn, err := c.connect(ctx, seed)
	if err != nil {
		return nil, Leader{}, err
	}
	var summary *stormthrift.NimbusSummary
	via := "getLeader"
	err = cn.do(ctx, c.opts.CallTimeout, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		var err error
		summary, err = nc.GetLeader(ctx)
		return err
	})
	if unknownMethod(err) {
		via = "getClusterInfo"
		var info *stormthrift.ClusterSummary
		err = cn.do(ctx, c.opts.CallTimeout, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
			var err error
			info, err = nc.GetClusterInfo(ctx)
			return err
		})
		if err == nil {
			if !info.IsSetNimbuses() {
				return cn, Leader{Addr: seed, Via: "seed"}, nil
			}
			summary = nil
			for _, n := range info.Nimbuses {
				if n.IsLeader {
					summary = n
					break
				}
			}
			if summary == nil {
				err = errNoLeader
			}
		}
	}
	if err != nil {
		cn.close()
		return nil, Leader{}, explain(err, "find Nimbus leader", "")
	}
	addr := net.JoinHostPort(summary.Host, strconv.Itoa(int(summary.Port)))
	leader := Leader{Addr: addr, Version: summary.Version, Via: via}
	if sameNimbus(addr, seed) {
		return cn, leader, nil
	}
	cn.close()
	c.opts.Logf("nimbus seed %s names leader %s", seed, addr)
	lc, err := c.connect(ctx, addr)
	if err != nil {
		return nil, Leader{}, fmt.Errorf("leader %s named by this seed: %w", addr, err)
	}
	return lc, leader, nil
}

// sameNimbus compares host:port addresses, treating host names case-
// insensitively.
func sameNimbus(a, b string) bool {
	return strings.EqualFold(a, b)
}

// pause waits before retry round+1, doubling from Backoff up to MaxBackoff.
func (c *Client) pause(ctx context.Context, round int) error {
	d := c.opts.Backoff
	for i := 0; i < round && d < c.opts.MaxBackoff; i++ {
		d *= 2
	}
	if d > c.opts.MaxBackoff {
		d = c.opts.MaxBackoff
	}
	c.opts.Logf("nimbus: retrying in %s", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retrying runs an idempotent call on the leader, finding the leader again
// and retrying after transient failures.
func (c *Client) retrying(ctx context.Context, fn func(context.Context, *stormthrift.NimbusClient) error) error {
	for attempt := 0; ; attempt++ {
		if err := c.ensure(ctx); err != nil {
			return err
		}
		err := c.conn.do(ctx, c.opts.CallTimeout, fn)
		if err == nil || !transient(err) || attempt >= c.opts.Retries {
			return c.annotate(err)
		}
		c.opts.Logf("nimbus %s: %v", c.leader.Addr, err)
		c.Close()
		if err := c.pause(ctx, attempt); err != nil {
			return err
		}
	}
}

// once runs a call that changes the cluster: it is not repeated after it
// may have reached Nimbus, so a lost answer cannot turn into a second
// kill or submit.
func (c *Client) once(ctx context.Context, fn func(context.Context, *stormthrift.NimbusClient) error) error {
	if err := c.ensure(ctx); err != nil {
		return err
	}
	return c.annotate(c.conn.do(ctx, c.opts.CallTimeout, fn))
}

// stopped words a context error for the user.
func stopped(err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: %w", err)
	}
	return err
}

// annotate names the Nimbus for errors that are not Nimbus' own answer.
func (c *Client) annotate(err error) error {
	switch {
	case err == nil || declared(err):
		return err
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted while waiting for Nimbus %s: %w", c.leader.Addr, err)
	}
	return fmt.Errorf("nimbus %s: %w", c.leader.Addr, err)
}

// nimbusConf fetches Nimbus' configuration; nil when not allowed.
func (c *Client) nimbusConf(ctx context.Context) (map[string]any, error) {
	var raw string
	err := c.retrying(ctx, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		var err error
		raw, err = nc.GetNimbusConf(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	var conf map[string]any
	if err := json.Unmarshal([]byte(raw), &conf); err != nil {
		return nil, fmt.Errorf("nimbus conf: %w", err)
	}
	return conf, nil
}
