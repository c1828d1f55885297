package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/lifecycle"
	"github.com/stormpy/stormpy/pkg/nimbus"
)

func rebalanceCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "rebalance",
		Usage:     "redistribute a topology's workers and executors",
		ArgsUsage: "NAME",
		Flags: append(nimbusFlags(),
			&cli.IntFlag{Name: "wait", Aliases: []string{"w"}, Usage: "`SECS` the topology stays deactivated first", DefaultText: "its message timeout"},
			&cli.IntFlag{Name: "num-workers", Aliases: []string{"n"}, Usage: "new worker `COUNT`"},
			&cli.GenericFlag{Name: "executors", Aliases: []string{"e"}, Value: &repeated{}, Usage: "new executor count, `COMPONENT=N` (repeatable)"},
		),
		Action: func(c *cli.Context) error {
			name, err := topologyName(c)
			if err != nil {
				return err
			}
			if c.IsSet("wait") && c.Int("wait") < 0 {
				return exitcode.Invalid(errNegative("--wait"))
			}
			if c.Int("num-workers") < 0 {
				return exitcode.Invalid(errNegative("--num-workers"))
			}
			execs, err := parseExecutors(repeatedFlag(c, "executors"))
			if err != nil {
				return err
			}
			t, err := nimbusTarget(c, e, "")
			if err != nil {
				return err
			}
			return lifecycle.Rebalance(c.Context, t, e.stdout, lifecycle.RebalanceOptions{
				Name: name,
				RebalanceOptions: nimbus.RebalanceOptions{
					Wait: waitFlag(c, "wait"), Workers: c.Int("num-workers"), Executors: execs,
				},
			})
		},
	}
}

func parseExecutors(args []string) (map[string]int, error) {
	if len(args) == 0 {
		return nil, nil
	}
	out := map[string]int{}
	for _, a := range args {
		id, n, ok := strings.Cut(a, "=")
		count, err := strconv.Atoi(n)
		if !ok || id == "" || err != nil || count < 1 {
			return nil, exitcode.Invalid(fmt.Errorf("-e %q: want COMPONENT=N with N at least 1", a))
		}
		out[id] = count
	}
	return out, nil
}

func errNegative(flag string) error {
	return fmt.Errorf("%s must not be negative", flag)
}
