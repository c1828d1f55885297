package lifecycle

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/nimbus"
)

// KillOptions are the inputs of Kill.
type KillOptions struct {
	Name string
	// Wait is the time between deactivation and removal;
	// nimbus.NimbusDefault leaves it to Nimbus.
	Wait time.Duration
	// UntilGone makes Kill return only once Nimbus has removed the
	// topology, bounded by GoneTimeout.
	UntilGone   bool
	GoneTimeout time.Duration
}

// DefaultGoneTimeout bounds KillOptions.UntilGone by default.
const DefaultGoneTimeout = 5 * time.Minute

// Kill kills a topology.
func Kill(ctx context.Context, t Target, out io.Writer, o KillOptions) error {
	if o.Name == "" {
		return exitcode.Invalid(fmt.Errorf("kill: give the topology name: stormpy kill NAME"))
	}
	cl, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	return kill(ctx, cl, out, o)
}

func kill(ctx context.Context, cl *nimbus.Client, out io.Writer, o KillOptions) error {
	if err := cl.Kill(ctx, o.Name, o.Wait); err != nil {
		return err
	}
	switch {
	case o.Wait >= 0:
		fmt.Fprintf(out, "killed %s; Nimbus removes it in %s\n", o.Name, o.Wait)
	default:
		fmt.Fprintf(out, "killed %s; Nimbus removes it after its message timeout\n", o.Name)
	}
	if !o.UntilGone {
		return nil
	}
	gctx, cancel := context.WithTimeout(ctx, o.GoneTimeout)
	defer cancel()
	if err := cl.WaitGone(gctx, o.Name); err != nil {
		if ctx.Err() == nil && gctx.Err() != nil {
			return fmt.Errorf("kill %s: still listed by Nimbus after %s; check with `stormpy list`", o.Name, o.GoneTimeout)
		}
		return fmt.Errorf("kill %s: wait for removal: %w", o.Name, err)
	}
	fmt.Fprintf(out, "%s is gone\n", o.Name)
	return nil
}

// SetActive activates (active=true) or deactivates a topology.
func SetActive(ctx context.Context, t Target, out io.Writer, name string, active bool) error {
	verb := "deactivate"
	if active {
		verb = "activate"
	}
	if name == "" {
		return exitcode.Invalid(fmt.Errorf("%s: give the topology name: stormpy %s NAME", verb, verb))
	}
	cl, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	if active {
		err = cl.Activate(ctx, name)
	} else {
		err = cl.Deactivate(ctx, name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%sd %s\n", verb, name)
	return nil
}

// RebalanceOptions are the inputs of Rebalance.
type RebalanceOptions struct {
	Name string
	nimbus.RebalanceOptions
}

// Rebalance redistributes a topology.
func Rebalance(ctx context.Context, t Target, out io.Writer, o RebalanceOptions) error {
	if o.Name == "" {
		return exitcode.Invalid(fmt.Errorf("rebalance: give the topology name: stormpy rebalance NAME"))
	}
	cl, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.Rebalance(ctx, o.Name, o.RebalanceOptions); err != nil {
		return err
	}
	fmt.Fprintf(out, "rebalancing %s\n", o.Name)
	return nil
}
