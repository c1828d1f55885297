package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/scaffold"
)

func initCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "create a new Python topology project (a word count to start from)",
		ArgsUsage: "NAME",
		Description: "Writes ./NAME (or --dir) with a Flux topology.yaml named NAME, a sentence spout,\n" +
			"a split bolt and a count bolt in resources/, a .gitignore and a README. The project\n" +
			"validates, packages and runs as it is. An existing directory is never overwritten.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "create the project in `DIR` instead of ./NAME"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return exitcode.Invalid(errors.New("init takes one argument, the topology name: stormpy init NAME [--dir DIR]"))
			}
			return runInit(e.stdout, initOptions{Name: c.Args().First(), Dir: c.String("dir")})
		},
	}
}

type initOptions struct {
	Name string
	Dir  string
}

func runInit(w io.Writer, o initOptions) error {
	dir := o.Dir
	if dir == "" {
		dir = o.Name
	}
	if err := scaffold.Create(dir, o.Name); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintf(w, "created %s: topology %q, a word count in Python\n\n", displayPath(dir), o.Name)
	fmt.Fprintf(w, "next steps:\n")
	fmt.Fprintf(w, "  cd %s\n", shellWord(filepath.Clean(dir)))
	fmt.Fprintf(w, "  stormpy validate    # check topology.yaml and the scripts\n")
	fmt.Fprintf(w, "  stormpy run         # run it on this machine\n")
	fmt.Fprintf(w, "  stormpy package     # write target/%s.jar\n", o.Name)
	fmt.Fprintf(w, "  stormpy submit      # send it to Nimbus\n")
	return nil
}

// shellWord quotes s for a POSIX shell when it needs quoting, so the
// printed `cd` line can be pasted as it is.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+@%=:,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
