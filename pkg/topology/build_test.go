package topology

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stormpy/stormpy/pkg/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

func load(t *testing.T, name string) *spec.Spec {
	t.Helper()
	dir := filepath.Join("..", "spec", "testdata", "good")
	path := filepath.Join(dir, name+".yaml")
	opts := spec.Options{ResourcesDir: filepath.Join("..", "spec", "testdata", "resources"), Python: "-"}
	if props, err := spec.LoadProperties(filepath.Join(dir, name+".properties")); err == nil {
		opts.Filters = spec.Filters{Properties: props, PropertiesFile: name + ".properties"}
	}
	s, err := spec.Load(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBuildGolden pins the whole model built from the good specs.
func TestBuildGolden(t *testing.T) {
	for _, name := range []string{"wordcount", "features"} {
		t.Run(name, func(t *testing.T) {
			top, err := Build(load(t, name), map[string]any{"topology.debug": true})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(struct {
				*Topology
				Files map[string]string `json:"files"`
			}{top, stringFiles(top.Files)}, "", "  ")
			path := filepath.Join("testdata", name+".json")
			if *update {
				os.MkdirAll("testdata", 0o755)
				os.WriteFile(path, append(got, '\n'), 0o644)
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(string(want)) != string(got) {
				t.Errorf("model differs from %s (go test -update to accept):\n%s", path, got)
			}
		})
	}
}

func stringFiles(m map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func TestBuildSemantics(t *testing.T) {
	top, err := Build(load(t, "features"), map[string]any{"topology.workers": int64(7)})
	if err != nil {
		t.Fatal(err)
	}
	if top.Conf["topology.workers"] != int64(7) {
		t.Errorf("override not applied: %v", top.Conf)
	}
	var order []string
	for _, c := range top.Components {
		order = append(order, string(c.Kind)+":"+c.ID)
	}
	if got := strings.Join(order, " "); got != "spout:events bolt:all bolt:custom bolt:direct bolt:local bolt:sink" {
		t.Errorf("component order = %s", got)
	}
	ev := top.Component("events")
	if !ev.Outputs["clicks"].Direct || ev.Outputs["default"].Direct {
		t.Errorf("direct flags wrong: clicks=%v default=%v", ev.Outputs["clicks"].Direct, ev.Outputs["default"].Direct)
	}
	if ev.Shell.ExecutionCommand != "sh" || ev.Shell.Script != "_stormpy/launch-events.sh" {
		t.Errorf("3-element command must use a launcher: %+v", ev.Shell)
	}
	if got := string(top.Files["_stormpy/launch-events.sh"]); !strings.Contains(got, "exec 'python3' '-u' 'sentence_spout.py'\n") {
		t.Errorf("launcher = %q", got)
	}
	all := top.Component("all")
	if all.Shell.ExecutionCommand != "python3" || all.Shell.Script != "split_bolt.py" || len(top.Files) != 1 {
		t.Errorf("2-element command must run directly: %+v, files %v", all.Shell, top.Files)
	}
	sink := top.Component("sink")
	if sink.NumTasks != 3 || sink.Java.ClassName != "org.example.SinkBolt" || len(sink.Inputs) != 2 {
		t.Errorf("sink = %+v", sink)
	}
	if g := top.Component("custom").Inputs[0].Grouping; g.Type != Custom || g.CustomClass.ClassName != "org.example.MyGrouping" {
		t.Errorf("custom grouping = %+v", g)
	}
}

func TestSafeName(t *testing.T) {
	if safeName("count") != "count" {
		t.Error("safe ids must stay as they are")
	}
	a, b := safeName("a b"), safeName("a/b")
	if a == b || strings.ContainsAny(a+b, " /") {
		t.Errorf("unsafe ids must map to distinct safe names: %q %q", a, b)
	}
}

func TestShellQuote(t *testing.T) {
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %s", got)
	}
}
