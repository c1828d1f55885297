package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/lifecycle"
)

func submitCommand(e *env) *cli.Command {
	flags := append(projectFlags(), nimbusFlags()...)
	flags = append(flags,
		&cli.StringFlag{Name: "jar", Usage: "upload this `FILE` instead of packaging the project"},
		&cli.BoolFlag{Name: "inactive", Usage: "submit the topology deactivated"},
		&cli.BoolFlag{Name: "force", Usage: "kill a running topology of the same name first and wait until it is gone"},
		&cli.IntFlag{Name: "kill-wait", Usage: "with --force, `SECS` between its deactivation and removal"},
		&cli.BoolFlag{Name: "wait", Usage: "return only once every executor has reported in"},
		&cli.DurationFlag{Name: "wait-timeout", Value: lifecycle.DefaultWaitTimeout, Usage: "limit for --wait and for --force's removal"},
	)
	return &cli.Command{
		Name:      "submit",
		Usage:     "package the topology if needed and submit it to Nimbus",
		ArgsUsage: "[topology.yaml]",
		Description: "Packages target/<name>.jar when it is missing or older than its inputs, uploads it to\n" +
			"the Nimbus leader and submits the topology. Nimbus is found from --nimbus, $STORMPY_NIMBUS\n" +
			"or the env picked from stormpy.yaml next to the spec.",
		Flags: flags,
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return exitcode.Invalid(errExtraArgs(c))
			}
			if c.Int("kill-wait") < 0 {
				return exitcode.Invalid(errNegative("--kill-wait"))
			}
			popts, err := projectOptions(c)
			if err != nil {
				return err
			}
			t, err := nimbusTargetWithConf(c, e, specDir(popts.SpecPath), popts.Overrides)
			if err != nil {
				return err
			}
			popts.Overrides = t.Settings.Conf
			o := lifecycle.SubmitOptions{
				Project:     popts,
				Jar:         c.String("jar"),
				Inactive:    c.Bool("inactive"),
				Force:       c.Bool("force"),
				KillWait:    time.Duration(c.Int("kill-wait")) * time.Second,
				GoneTimeout: c.Duration("wait-timeout"),
				Wait:        c.Bool("wait"),
				WaitTimeout: c.Duration("wait-timeout"),
				Warnings:    e.stderr,
			}
			if isTerminal(e.stderr) {
				o.Progress = e.stderr
			}
			return lifecycle.Submit(c.Context, t, e.stdout, o)
		},
	}
}

// specDir is the directory of the spec argument, where stormpy.yaml lives.
func specDir(spec string) string {
	if spec == "" {
		return "."
	}
	if st, err := os.Stat(spec); err == nil && st.IsDir() {
		return spec
	}
	return filepath.Dir(spec)
}

// isTerminal reports whether w is a terminal, the only place a progress
// bar belongs.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
