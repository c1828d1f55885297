package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/config"
	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/lifecycle"
	"github.com/stormpy/stormpy/pkg/nimbus"
)

// nimbusFlags are the connection flags every cluster command takes.
func nimbusFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringSliceFlag{Name: "nimbus", Usage: "Nimbus seeds, `HOST[:PORT][,HOST...]` (default: $" + lifecycle.EnvNimbus + ", then stormpy.yaml)"},
		&cli.IntFlag{Name: "port", Usage: "Nimbus Thrift `PORT` for seeds without one", DefaultText: "6627"},
		&cli.StringFlag{Name: "env", Usage: "environment `NAME` from stormpy.yaml"},
		&cli.StringFlag{Name: "config-dir", Usage: "`DIR` holding stormpy.yaml (default: the spec's directory, or .)"},
		&cli.DurationFlag{Name: "timeout", Usage: "limit for each Nimbus call", DefaultText: "1m"},
		&cli.DurationFlag{Name: "connect-timeout", Usage: "limit for each connection attempt", DefaultText: "10s"},
		&cli.IntFlag{Name: "retries", Usage: "retry rounds after transient failures (0: none)", DefaultText: "3"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log leader discovery and retries to stderr"},
	}, sshFlags()...)
}

// nimbusTarget turns the connection flags into a lifecycle.Target.
// configDir is where stormpy.yaml is looked for unless --config-dir says.
// When the settings name an SSH gateway (--ssh or the env's `ssh` entry),
// every Nimbus connection goes through it.
func nimbusTarget(c *cli.Context, e *env, configDir string) (lifecycle.Target, error) {
	return nimbusTargetWithConf(c, e, configDir, nil)
}

// nimbusTargetWithConf is nimbusTarget for submit, whose -c overrides are
// merged over the env's config (Target.Settings.Conf).
func nimbusTargetWithConf(c *cli.Context, e *env, configDir string, conf map[string]any) (lifecycle.Target, error) {
	if d := c.String("config-dir"); d != "" {
		configDir = d
	}
	flags := config.Settings{
		Nimbus:         c.StringSlice("nimbus"),
		Port:           c.Int("port"),
		Timeout:        c.Duration("timeout"),
		ConnectTimeout: c.Duration("connect-timeout"),
		Conf:           conf,
		SSH:            c.String("ssh"),
	}
	if c.IsSet("retries") {
		n := c.Int("retries")
		if n < 0 {
			return lifecycle.Target{}, exitcode.Invalid(errNegative("--retries"))
		}
		flags.Retries = &n
	}
	if flags.Timeout < 0 || flags.ConnectTimeout < 0 {
		return lifecycle.Target{}, exitcode.Invalid(fmt.Errorf("timeouts must be positive"))
	}
	s, err := lifecycle.Resolve(lifecycle.ResolveOptions{Flags: flags, Env: c.String("env"), ConfigDir: configDir})
	if err != nil {
		return lifecycle.Target{}, err
	}
	t := lifecycle.Target{Settings: s}
	if c.Bool("verbose") {
		t.Log = e.stderr
	}
	if s.SSH != "" {
		d, err := newGatewayDialer(c, e, s.SSH, t.Log)
		if err != nil {
			return lifecycle.Target{}, err
		}
		t.Dialer = d
	}
	return t, nil
}

// waitFlag converts a --wait SECS flag (negative: not given) to the
// client's wait.
func waitFlag(c *cli.Context, name string) time.Duration {
	if !c.IsSet(name) {
		return nimbus.NimbusDefault
	}
	return time.Duration(c.Int(name)) * time.Second
}

// topologyName returns the single positional NAME argument.
func topologyName(c *cli.Context) (string, error) {
	switch c.NArg() {
	case 1:
		return c.Args().First(), nil
	case 0:
		return "", exitcode.Invalid(fmt.Errorf("%s: missing topology NAME", c.Command.Name))
	default:
		return "", exitcode.Invalid(fmt.Errorf("%s: want one topology NAME, got %q", c.Command.Name, c.Args().Slice()))
	}
}

// repeated is a repeatable string flag that, unlike cli.StringSliceFlag,
// never splits values on commas: `-c topology.kryo.register=[a,b]` must
// reach the parser whole. urfave/cli copies a flag's value to its aliases
// through String and Set, so String encodes the list in a form Set
// recognises and restores instead of appending.
type repeated []string

const repeatedMagic = "\x00repeated:"

func (r *repeated) Set(v string) error {
	if enc, ok := strings.CutPrefix(v, repeatedMagic); ok {
		var all []string
		if err := json.Unmarshal([]byte(enc), &all); err != nil {
			return err
		}
		*r = all
		return nil
	}
	*r = append(*r, v)
	return nil
}

func (r *repeated) String() string {
	if r == nil || len(*r) == 0 {
		return ""
	}
	b, _ := json.Marshal([]string(*r))
	return repeatedMagic + string(b)
}

func repeatedFlag(c *cli.Context, name string) []string {
	if r, ok := c.Generic(name).(*repeated); ok && r != nil {
		return *r
	}
	return nil
}
