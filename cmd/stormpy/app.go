package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/suggest"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// env carries the process's streams into every command, so that tests can
// run commands in-process and nothing deep in the code prints directly.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// finishers run when the command has finished; each gets the command's
	// error and returns the one to report (an SSH tunnel closes, and puts
	// its own failure in place of the Nimbus error it caused).
	finishers []func(error) error
}

// atExit runs f once the command has finished.
func (e *env) atExit(f func(error) error) { e.finishers = append(e.finishers, f) }

// commands lists every verb; each lives in its own cmd_<verb>.go file.
func commands(e *env) []*cli.Command {
	return []*cli.Command{
		validateCommand(e),
		packageCommand(e),
		initCommand(e),
		runCommand(e),
		submitCommand(e), killCommand(e), activateCommand(e), deactivateCommand(e), rebalanceCommand(e), listCommand(e), infoCommand(e),
	}
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
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") && app.Command(args[1]) == nil {
		fmt.Fprintf(stderr, "stormpy: unknown command %q%s; run 'stormpy --help' for the list\n", args[1], suggestCommand(app, args[1]))
		return exitcode.Usage
	}
	err := app.RunContext(ctx, reorderArgs(app, args))
	for _, f := range e.finishers {
		err = f(err)
	}
	if err == nil {
		return exitcode.OK
	}
	if ctx.Err() != nil && !errors.Is(err, exitcode.ErrInterrupted) {
		err = exitcode.Interrupt(err)
	}
	fmt.Fprintf(stderr, "stormpy: %v\n", err)
	return exitcode.Code(err)
}

// suggestCommand names the closest command, for a mistyped verb.
func suggestCommand(app *cli.App, typed string) string {
	names := make([]string, 0, len(app.Commands))
	for _, c := range app.Commands {
		names = append(names, c.Name)
	}
	if best := suggest.Closest(typed, names); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}
