package main

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/local"
)

func runCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run the topology on this machine, with no JVM and no cluster",
		ArgsUsage: "[topology.yaml]",
		Description: "Stages the resources/ tree the jar would carry and runs one Python process per task in it,\n" +
			"hosting Storm's multilang protocol: groupings, acking, timeouts and heartbeats as on a cluster.\n" +
			"Runs until --duration ends or Ctrl-C, then deactivates the spouts, lets tuples in flight finish\n" +
			"briefly, stops every child and prints a summary. A child that dies or hangs stops the run (exit 1).",
		Flags: append(projectFlags(),
			&cli.DurationFlag{Name: "duration", Aliases: []string{"d"}, Usage: "stop after `D` (for example 30s); default: until Ctrl-C"},
			&cli.BoolFlag{Name: "debug", Usage: "print every tuple and the components' DEBUG and TRACE logs (like topology.debug)"},
		),
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, e)
			if err != nil {
				return err
			}
			opts := local.Options{Duration: c.Duration("duration"), Debug: c.Bool("debug"), Out: e.stdout}
			sum, err := local.RunPackaged(c.Context, p, p.Topology, opts)
			if sum != nil {
				if werr := sum.Write(e.stdout); werr != nil && err == nil {
					err = werr
				}
			}
			if err == nil && c.Context.Err() != nil {
				// Stopped by Ctrl-C or SIGTERM: the summary is out, and the
				// exit status says the run was interrupted (130), as the
				// README documents; --duration ending the run exits 0.
				err = exitcode.Interrupt(errors.New("interrupted"))
			}
			return err
		},
	}
}
