package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/nimbus"
	"github.com/stormpy/stormpy/pkg/project"
)

// DefaultWaitTimeout bounds SubmitOptions.Wait by default.
const DefaultWaitTimeout = 5 * time.Minute

// SubmitOptions are the inputs of Submit.
type SubmitOptions struct {
	// Project says which spec to load; its Overrides should already hold
	// the env's config and the -c flags (see config.Merge).
	Project project.Options
	// Jar, when set, is uploaded as is instead of the project's own jar.
	Jar string
	// Inactive submits the topology deactivated.
	Inactive bool
	// Force kills a running topology of the same name first (with
	// KillWait between deactivation and removal) and waits, up to
	// GoneTimeout, until Nimbus has removed it.
	Force       bool
	KillWait    time.Duration
	GoneTimeout time.Duration
	// Wait returns only once every executor has reported in, or fails
	// after WaitTimeout.
	Wait        bool
	WaitTimeout time.Duration
	// Progress, when set, receives a progress line during the upload;
	// give it a terminal only.
	Progress io.Writer
	// Warnings receives the spec's warnings (nil: dropped).
	Warnings io.Writer
}

// Submit loads the project, packages it when the jar is missing or older
// than its inputs, and submits it. Invalid input fails before any network
// traffic; a failed or interrupted upload leaves nothing on the cluster.
func Submit(ctx context.Context, t Target, out io.Writer, o SubmitOptions) error {
	if o.Jar != "" {
		// The given jar's scripts are what will run, not the local ones:
		// compiling the local copies would cost Python start-ups and prove
		// nothing about the jar.
		o.Project.Python = "-"
	}
	p, err := project.Load(ctx, o.Project)
	if err != nil {
		return err
	}
	if o.Warnings != nil {
		for _, w := range p.Spec.Warnings {
			fmt.Fprintf(o.Warnings, "warning: %s\n", w)
		}
	}
	topo, err := p.Topology.Thrift()
	if err != nil {
		return exitcode.Invalid(fmt.Errorf("submit: %w", err))
	}
	conf, err := p.Topology.ConfJSON()
	if err != nil {
		return exitcode.Invalid(fmt.Errorf("submit: %w", err))
	}
	name := p.Topology.Name
	jar := o.Jar
	if jar != "" {
		if st, err := os.Stat(jar); err != nil || st.IsDir() {
			return exitcode.Invalid(fmt.Errorf("--jar %s: not a readable file", jar))
		}
	} else {
		jar = p.JarPath
		stale, err := p.JarStale()
		if err != nil {
			return fmt.Errorf("submit: check %s: %w", jar, err)
		}
		if stale {
			res, err := p.Package(ctx)
			if err != nil {
				return fmt.Errorf("package: %w", err)
			}
			fmt.Fprintf(out, "packaged %s (%d entries, %d bytes)\n", res.Path, res.Entries, res.Size)
		}
	}

	cl, err := t.Dial(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	if o.Force {
		if err := replace(ctx, cl, out, name, o); err != nil {
			return err
		}
	}
	req := nimbus.SubmitRequest{Name: name, JarPath: jar, Topology: topo, ConfJSON: conf, Inactive: o.Inactive}
	var bar *progressBar
	if o.Progress != nil {
		bar = newProgressBar(o.Progress, "upload "+name)
		req.Progress = bar.update
	}
	res, err := cl.Submit(ctx, req)
	if bar != nil {
		bar.done()
	}
	if err != nil {
		return err
	}
	state := "active"
	if o.Inactive {
		state = "inactive"
	}
	id := res.ID
	if id == "" {
		id = "id unknown"
	}
	fmt.Fprintf(out, "submitted %s (%s, %s) to Nimbus %s: %d bytes in %d chunks\n", name, id, state, res.Leader.Addr, res.Bytes, res.Chunks)
	if !o.Wait {
		return nil
	}
	timeout := o.WaitTimeout
	if timeout <= 0 {
		timeout = DefaultWaitTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := cl.WaitRunning(wctx, name); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("submit %s: not every executor reported in within %s; the topology stays submitted, see `stormpy info %s` and the worker logs", name, timeout, name)
		}
		return fmt.Errorf("submit %s: wait for executors: %w", name, err)
	}
	fmt.Fprintf(out, "%s is running: every executor has reported in\n", name)
	return nil
}

// replace kills a running topology of the same name and waits until Nimbus
// has removed it, so the submit that follows does not meet AlreadyAlive.
func replace(ctx context.Context, cl *nimbus.Client, out io.Writer, name string, o SubmitOptions) error {
	err := cl.Kill(ctx, name, o.KillWait)
	if errors.Is(err, nimbus.ErrNotAlive) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--force: %w", err)
	}
	fmt.Fprintf(out, "killed the running %s; waiting until Nimbus removes it\n", name)
	timeout := o.GoneTimeout
	if timeout <= 0 {
		timeout = DefaultGoneTimeout
	}
	gctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := cl.WaitGone(gctx, name); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("--force: Nimbus still lists the killed %s after %s; try again later", name, timeout)
		}
		return fmt.Errorf("--force: %w", err)
	}
	return nil
}
