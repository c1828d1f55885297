// Package lifecycle runs stormpy's cluster commands (submit, kill,
// activate, deactivate, rebalance, list, info): it resolves where Nimbus is
// from flags, STORMPY_NIMBUS and stormpy.yaml, talks to it through
// pkg/nimbus and writes human or JSON output to the writer it is given.
package lifecycle

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stormpy/stormpy/pkg/config"
	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/nimbus"
)

// EnvNimbus is the environment variable with comma-separated Nimbus seeds,
// used when --nimbus is not given.
const EnvNimbus = "STORMPY_NIMBUS"

// Target says which Nimbus to talk to and how.
type Target struct {
	// Settings are the merged connection settings (see Resolve).
	Settings config.Settings
	// Dialer, when set, opens the connections (the SSH gateway); nil
	// dials directly.
	Dialer nimbus.Dialer
	// Log, when set, receives discovery and retry lines (--verbose).
	Log io.Writer
}

// ResolveOptions are the inputs of Resolve.
type ResolveOptions struct {
	// Flags are the settings given on the command line.
	Flags config.Settings
	// Env is --env; empty picks the file's default env, if any.
	Env string
	// ConfigDir is where stormpy.yaml is looked up (the spec's directory).
	ConfigDir string
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
}

// Resolve merges the settings with the precedence the README documents:
// flags, then STORMPY_NIMBUS (seeds only), then the env picked from
// stormpy.yaml, then the client's defaults.
func Resolve(o ResolveOptions) (config.Settings, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	flags := o.Flags
	if len(flags.Nimbus) == 0 {
		if v := strings.TrimSpace(getenv(EnvNimbus)); v != "" {
			flags.Nimbus = []string{v}
		}
	}
	dir := o.ConfigDir
	if dir == "" {
		dir = "."
	}
	file, err := config.Load(dir)
	if err != nil {
		return config.Settings{}, err
	}
	env, err := file.Env(o.Env)
	if err != nil {
		return config.Settings{}, err
	}
	return config.Merge(flags, env), nil
}

// Dial connects to the Nimbus leader.
func (t Target) Dial(ctx context.Context) (*nimbus.Client, error) {
	s := t.Settings
	var seeds []string
	for _, n := range s.Nimbus {
		parsed, err := nimbus.ParseSeeds(n, s.Port)
		if err != nil {
			return nil, err
		}
		seeds = append(seeds, parsed...)
	}
	if len(seeds) == 0 {
		return nil, exitcode.Invalid(fmt.Errorf("no Nimbus given: use --nimbus HOST[:PORT][,HOST...], set %s, or define an env in %s", EnvNimbus, config.FileName))
	}
	o := nimbus.Options{
		Seeds: seeds, Port: s.Port, Dialer: t.Dialer,
		ConnectTimeout: s.ConnectTimeout, CallTimeout: s.Timeout,
	}
	if s.Retries != nil {
		o.Retries = *s.Retries
		if o.Retries == 0 {
			o.Retries = -1
		}
	}
	if t.Log != nil {
		o.Logf = func(format string, args ...any) { fmt.Fprintf(t.Log, "stormpy: "+format+"\n", args...) }
	}
	return nimbus.Dial(ctx, o)
}
