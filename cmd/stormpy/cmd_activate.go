package main

import (
	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/lifecycle"
)

func activateCommand(e *env) *cli.Command {
	return setActiveCommand(e, "activate", "resume a deactivated topology's spouts", true)
}

func deactivateCommand(e *env) *cli.Command {
	return setActiveCommand(e, "deactivate", "pause a topology's spouts", false)
}

func setActiveCommand(e *env, name, usage string, active bool) *cli.Command {
	return &cli.Command{
		Name:      name,
		Usage:     usage,
		ArgsUsage: "NAME",
		Flags:     nimbusFlags(),
		Action: func(c *cli.Context) error {
			topo, err := topologyName(c)
			if err != nil {
				return err
			}
			t, err := nimbusTarget(c, e, "")
			if err != nil {
				return err
			}
			return lifecycle.SetActive(c.Context, t, e.stdout, topo, active)
		},
	}
}
