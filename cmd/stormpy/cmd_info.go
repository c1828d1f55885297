package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/lifecycle"
)

func infoCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "info",
		Usage:     "show a topology's state and per-component statistics",
		ArgsUsage: "NAME",
		Flags: append(nimbusFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print JSON (see the README for the format)"},
		),
		Action: func(c *cli.Context) error {
			name, err := topologyName(c)
			if err != nil {
				return err
			}
			t, err := nimbusTarget(c, e, "")
			if err != nil {
				return err
			}
			return lifecycle.Info(c.Context, t, e.stdout, name, c.Bool("json"))
		},
	}
}

func errExtraArgs(c *cli.Context) error {
	return fmt.Errorf("%s takes no arguments, got %q", c.Command.Name, c.Args().Slice())
}
