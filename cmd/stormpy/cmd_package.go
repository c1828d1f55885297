package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
)

func packageCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "package",
		Usage:     "build a reproducible, Storm-submittable jar of the topology",
		ArgsUsage: "[topology.yaml]",
		Description: "Validates the spec, then writes target/<name>.jar with the resources directory under\n" +
			"resources/ (and stormpy's storm.py unless the project ships its own). The same inputs\n" +
			"always give a byte-identical jar. Invalid input writes nothing and exits 2.",
		Flags: append(projectFlags(),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the jar to `FILE` instead of target/<name>.jar"},
			&cli.BoolFlag{Name: "dry-run", Usage: "validate and show the topology; write nothing"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
		),
		Action: func(c *cli.Context) error {
			p, err := loadProject(c, e)
			if err != nil {
				return err
			}
			if c.Bool("dry-run") {
				return describe(e.stdout, p, c.Bool("json"))
			}
			out := p.JarPath
			if o := c.String("output"); o != "" {
				out = o
			}
			res, err := p.PackageTo(c.Context, out)
			if err != nil {
				return fmt.Errorf("package: %w", err)
			}
			bundled := []string{}
			if r := p.Bundled(); r != nil {
				for _, w := range r.Wheels {
					bundled = append(bundled, w.Name+"=="+w.Version)
				}
			}
			if c.Bool("json") {
				return json.NewEncoder(e.stdout).Encode(map[string]any{
					"message_type": "package", "jar": res.Path, "entries": res.Entries, "bytes": res.Size, "sha256": res.SHA256,
					"python_packages": bundled,
				})
			}
			if r := p.Bundled(); r != nil {
				from := "resolved"
				if r.Cached {
					from = "from the cache"
				}
				fmt.Fprintf(e.stdout, "bundled %d Python packages from %s (%s): %s\n", len(bundled), displayPath(p.Requirements), from, strings.Join(bundled, " "))
			}
			fmt.Fprintf(e.stdout, "wrote %s (%d entries, %s, sha256 %s)\n", displayPath(res.Path), res.Entries, humanBytes(res.Size), res.SHA256)
			return nil
		},
	}
}

func displayPath(p string) string {
	if rel, err := filepath.Rel(".", p); err == nil && !filepath.IsAbs(p) {
		return rel
	}
	return p
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
