package main

import (
	"reflect"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestReorderArgs(t *testing.T) {
	app := &cli.App{Commands: []*cli.Command{{
		Name: "kill",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "wait", Aliases: []string{"w"}},
			&cli.BoolFlag{Name: "json"},
		},
	}}}
	cases := []struct{ in, want []string }{
		{[]string{"stormpy", "kill", "wc", "--wait", "10"}, []string{"stormpy", "kill", "--wait", "10", "--", "wc"}},
		{[]string{"stormpy", "kill", "wc", "-w", "0", "--json"}, []string{"stormpy", "kill", "-w", "0", "--json", "--", "wc"}},
		{[]string{"stormpy", "kill", "--json", "wc"}, []string{"stormpy", "kill", "--json", "--", "wc"}},
		{[]string{"stormpy", "kill", "--wait=3", "wc"}, []string{"stormpy", "kill", "--wait=3", "--", "wc"}},
		{[]string{"stormpy", "kill", "--", "-odd"}, []string{"stormpy", "kill", "--", "-odd"}},
		{[]string{"stormpy", "unknown", "x", "--y"}, []string{"stormpy", "unknown", "x", "--y"}},
		{[]string{"stormpy"}, []string{"stormpy"}},
	}
	for _, c := range cases {
		if got := reorderArgs(app, c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("reorderArgs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
