package main

import (
	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/lifecycle"
)

func listCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list the topologies running on the cluster",
		Flags: append(nimbusFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print JSON (see the README for the format)"},
		),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return exitcode.Invalid(errExtraArgs(c))
			}
			t, err := nimbusTarget(c, e, "")
			if err != nil {
				return err
			}
			return lifecycle.List(c.Context, t, e.stdout, c.Bool("json"))
		},
	}
}
