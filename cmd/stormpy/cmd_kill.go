package main

import (
	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/lifecycle"
)

func killCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "kill",
		Usage:     "kill a running topology",
		ArgsUsage: "NAME",
		Flags: append(nimbusFlags(),
			&cli.IntFlag{Name: "wait", Aliases: []string{"w"}, Usage: "`SECS` between deactivation and removal", DefaultText: "the topology's message timeout"},
			&cli.BoolFlag{Name: "until-gone", Usage: "return only once Nimbus has removed the topology"},
			&cli.DurationFlag{Name: "gone-timeout", Value: lifecycle.DefaultGoneTimeout, Usage: "limit for --until-gone"},
		),
		Action: func(c *cli.Context) error {
			name, err := topologyName(c)
			if err != nil {
				return err
			}
			if c.IsSet("wait") && c.Int("wait") < 0 {
				return exitcode.Invalid(errNegative("--wait"))
			}
			t, err := nimbusTarget(c, e, "")
			if err != nil {
				return err
			}
			return lifecycle.Kill(c.Context, t, e.stdout, lifecycle.KillOptions{
				Name: name, Wait: waitFlag(c, "wait"),
				UntilGone: c.Bool("until-gone"), GoneTimeout: c.Duration("gone-timeout"),
			})
		},
	}
}
