package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/project"
	"github.com/stormpy/stormpy/pkg/topology"
)

func validateCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check a topology spec and show the topology it describes",
		ArgsUsage: "[topology.yaml]",
		Description: "Reports every problem at once as FILE:LINE:COL, exits 2 when the spec is invalid,\n" +
			"and otherwise prints the components, streams and groupings (or JSON with --json).",
		Flags: append(projectFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print the topology as JSON"},
		),
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, e)
			if err != nil {
				return err
			}
			return describe(e.stdout, p, c.Bool("json"))
		},
	}
}

// describeJSON is the documented JSON form of `validate --json` and
// `package --dry-run --json`.
type describeJSON struct {
	MessageType string `json:"message_type"`
	*topology.Topology
	Spec     string   `json:"spec"`
	Jar      string   `json:"jar"`
	Warnings []string `json:"warnings"`
}

func describe(w io.Writer, p *project.Project, asJSON bool) error {
	t := p.Topology
	if asJSON {
		out := describeJSON{MessageType: "topology", Topology: t, Spec: p.SpecPath, Jar: p.JarPath, Warnings: []string{}}
		for _, warn := range p.Spec.Warnings {
			out.Warnings = append(out.Warnings, warn.Error())
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tasks := 0
	for _, c := range t.Components {
		tasks += c.NumTasks
	}
	fmt.Fprintf(w, "topology %s: valid (%d components, %d tasks)\n", t.Name, len(t.Components), tasks)
	if len(t.Conf) > 0 {
		keys := make([]string, 0, len(t.Conf))
		for k := range t.Conf {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintln(w, "\nconfig:")
		for _, k := range keys {
			v, _ := json.Marshal(t.Conf[k])
			fmt.Fprintf(w, "  %s: %s\n", k, v)
		}
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tKIND\tEXECUTORS\tTASKS\tRUNS\tOUTPUTS")
	for _, c := range t.Components {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", c.ID, c.Kind, c.Parallelism, c.NumTasks, runs(c), outputs(c))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tTO\tGROUPING")
	for _, c := range t.Components {
		for _, in := range c.Inputs {
			fmt.Fprintf(tw, "%s/%s\t%s\t%s\n", in.From, in.Stream, c.ID, grouping(in.Grouping))
		}
	}
	return tw.Flush()
}

func runs(c *topology.Component) string {
	if c.Java != nil {
		return "java " + c.Java.ClassName
	}
	return strings.Join(c.Shell.Command, " ")
}

func outputs(c *topology.Component) string {
	if len(c.Outputs) == 0 {
		return "-"
	}
	streams := make([]string, 0, len(c.Outputs))
	for s := range c.Outputs {
		streams = append(streams, s)
	}
	sort.Strings(streams)
	for i, s := range streams {
		d := c.Outputs[s]
		direct := ""
		if d.Direct {
			direct = " (direct)"
		}
		streams[i] = fmt.Sprintf("%s[%s]%s", s, strings.Join(d.Fields, ","), direct)
	}
	return strings.Join(streams, " ")
}

func grouping(g topology.Grouping) string {
	switch {
	case g.Type == topology.Fields:
		return "FIELDS(" + strings.Join(g.Fields, ",") + ")"
	case g.CustomClass != nil:
		return "CUSTOM(" + g.CustomClass.ClassName + ")"
	}
	return string(g.Type)
}
