package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/confval"
	"github.com/stormpy/stormpy/pkg/project"
	"github.com/stormpy/stormpy/pkg/pydeps"
	"github.com/stormpy/stormpy/pkg/spec"
)

// projectFlags are shared by every command that reads a topology spec.
func projectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "filter", Usage: "substitute ${key} from this .properties `FILE` (like Flux's --filter)"},
		&cli.BoolFlag{Name: "env-filter", Usage: "substitute ${ENV-NAME} from the environment (like Flux's --env-filter)"},
		&cli.GenericFlag{Name: "conf", Aliases: []string{"c"}, Value: &repeated{}, Usage: "set topology config `KEY=VALUE` (repeatable; numbers, booleans, JSON lists and maps are typed)"},
		&cli.StringFlag{Name: "name", Usage: "override the topology `NAME`"},
		&cli.StringFlag{Name: "requirements", Usage: "bundle the Python packages of this requirements `FILE` (default: requirements.txt next to the spec; - for none)"},
	}
}

// projectOptions copies the shared flags; the spec is the first argument.
func projectOptions(c *cli.Context) (project.Options, error) {
	overrides, err := confval.Parse(repeatedFlag(c, "conf"))
	if err != nil {
		return project.Options{}, err
	}
	return project.Options{
		SpecPath:  c.Args().First(),
		Filter:    c.String("filter"),
		EnvFilter: c.Bool("env-filter"),
		Overrides: overrides,
		Name:      c.String("name"),
		Version:   version,

		Requirements: c.String("requirements"),
		// Resolving requirements the first time takes a while; say so.
		Deps: pydeps.Options{Progress: c.App.ErrWriter},
	}, nil
}

// loadProject loads the project named by the command line and prints the
// spec's warnings.
func loadProject(c *cli.Context, e *env) (*project.Project, error) {
	opts, err := projectOptions(c)
	if err != nil {
		return nil, err
	}
	p, err := project.Load(c.Context, opts)
	if err != nil {
		return nil, err
	}
	printWarnings(e.stderr, p.Spec.Warnings)
	return p, nil
}

func printWarnings(w io.Writer, warnings []*spec.Error) {
	for _, warn := range warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}
