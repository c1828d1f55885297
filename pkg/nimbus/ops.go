package nimbus

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// NimbusDefault, as a wait, leaves the choice to Nimbus (the topology's
// topology.message.timeout.secs).
const NimbusDefault time.Duration = -1

// Kill kills the named topology. Nimbus first deactivates it and removes
// it after wait (NimbusDefault: its message timeout); Kill returns once
// Nimbus has accepted the kill. WaitGone waits for the removal.
func (c *Client) Kill(ctx context.Context, name string, wait time.Duration) error {
	opts := &stormthrift.KillOptions{}
	if wait >= 0 {
		s, err := secs(wait)
		if err != nil {
			return exitcode.Invalid(fmt.Errorf("kill %q: wait: %w", name, err))
		}
		opts.WaitSecs = &s
	}
	err := c.once(ctx, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		return nc.KillTopologyWithOpts(ctx, name, opts)
	})
	return explain(err, "kill", name)
}

// Activate resumes a deactivated topology's spouts.
func (c *Client) Activate(ctx context.Context, name string) error {
	err := c.once(ctx, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		return nc.Activate(ctx, name)
	})
	return explain(err, "activate", name)
}

// Deactivate pauses a topology's spouts.
func (c *Client) Deactivate(ctx context.Context, name string) error {
	err := c.once(ctx, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		return nc.Deactivate(ctx, name)
	})
	return explain(err, "deactivate", name)
}

// RebalanceOptions say how to redistribute a topology.
type RebalanceOptions struct {
	// Wait is how long Nimbus keeps the topology deactivated before it
	// redistributes it (NimbusDefault: its message timeout).
	Wait time.Duration
	// Workers is the new worker count; 0 keeps it.
	Workers int
	// Executors sets new executor counts per component id.
	Executors map[string]int
}

// Rebalance redistributes a topology's workers and executors.
func (c *Client) Rebalance(ctx context.Context, name string, o RebalanceOptions) error {
	opts := &stormthrift.RebalanceOptions{}
	if o.Wait >= 0 {
		s, err := secs(o.Wait)
		if err != nil {
			return exitcode.Invalid(fmt.Errorf("rebalance %q: wait: %w", name, err))
		}
		opts.WaitSecs = &s
	}
	if o.Workers < 0 || o.Workers > math.MaxInt32 {
		return exitcode.Invalid(fmt.Errorf("rebalance %q: %d workers is out of range", name, o.Workers))
	}
	if o.Workers > 0 {
		n := int32(o.Workers)
		opts.NumWorkers = &n
	}
	if len(o.Executors) > 0 {
		opts.NumExecutors = map[string]int32{}
		for id, n := range o.Executors {
			if n < 1 || n > math.MaxInt32 {
				return exitcode.Invalid(fmt.Errorf("rebalance %q: %d executors for %q is out of range", name, n, id))
			}
			opts.NumExecutors[id] = int32(n)
		}
	}
	err := c.once(ctx, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		return nc.Rebalance(ctx, name, opts)
	})
	return explain(err, "rebalance", name)
}

// WaitGone polls until Nimbus no longer lists the named topology, which
// after a kill happens once the kill wait has passed and Nimbus has
// cleaned up. Bound it with the context.
func (c *Client) WaitGone(ctx context.Context, name string) error {
	return c.poll(ctx, func(ctx context.Context) (bool, error) {
		t, err := c.find(ctx, name)
		return t == nil, err
	})
}

// WaitRunning polls until every executor of the named topology has sent
// its first heartbeat (Nimbus reports its stats or an uptime), i.e. the
// topology is scheduled and all its components started. Bound it with the
// context.
func (c *Client) WaitRunning(ctx context.Context, name string) error {
	return c.poll(ctx, func(ctx context.Context) (bool, error) {
		info, err := c.topologyInfo(ctx, name)
		if err != nil {
			return false, err
		}
		if len(info.Executors) == 0 {
			return false, nil
		}
		for _, e := range info.Executors {
			// Stats arrive with the executor's heartbeats; a 2.x Nimbus
			// may know of the heartbeat (the uptime) before its stats.
			if !e.IsSetStats() && e.UptimeSecs <= 0 {
				return false, nil
			}
		}
		return true, nil
	})
}

func (c *Client) poll(ctx context.Context, done func(context.Context) (bool, error)) error {
	t := time.NewTicker(c.opts.PollInterval)
	defer t.Stop()
	for {
		ok, err := done(ctx)
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func secs(d time.Duration) (int32, error) {
	s := d.Round(time.Second) / time.Second
	if s > math.MaxInt32 {
		return 0, fmt.Errorf("%s is too long", d)
	}
	return int32(s), nil
}
