package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// env carries the process's streams into every command, so that tests can
// run commands in-process and nothing deep in the code prints directly.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// commands lists every verb; each lives in its own cmd_<verb>.go file.
func commands(e *env) []*cli.Command {
	return []*cli.Command{}
}

func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:                 "stormpy",
		Usage:                "package, submit and run Python topologies on Apache Storm",
		Version:              version,
		Reader:               e.stdin,
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		EnableBashCompletion: true,
		HideHelpCommand:      true,
		Commands:             commands(e),
		// Errors are printed once, by run, with the right exit code.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return exitcode.Invalid(err)
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = app.OnUsageError
	}
	return app
}

// run executes the CLI and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	app := newApp(e)
	err := app.RunContext(ctx, reorderArgs(app, args))
	if err == nil {
		return exitcode.OK
	}
	if ctx.Err() != nil && !errors.Is(err, exitcode.ErrInterrupted) {
		err = exitcode.Interrupt(err)
	}
	fmt.Fprintf(stderr, "stormpy: %v\n", err)
	return exitcode.Code(err)
}
