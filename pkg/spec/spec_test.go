package spec

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func loadOpts(t *testing.T, specPath string) Options {
	t.Helper()
	opts := Options{ResourcesDir: filepath.Join("testdata", "resources")}
	props := strings.TrimSuffix(specPath, ".yaml") + ".properties"
	if _, err := os.Stat(props); err == nil {
		m, err := LoadProperties(props)
		if err != nil {
			t.Fatal(err)
		}
		opts.Filters = Filters{Properties: m, PropertiesFile: props}
	}
	return opts
}

// TestBadSpecs checks every spec under testdata/bad against the exact
// message in its .err golden file.
func TestBadSpecs(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	n := 0
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "_") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f, loadOpts(t, f))
			if err == nil {
				t.Fatal("Load succeeded; want an error")
			}
			if !errors.Is(err, exitcode.ErrInvalid) {
				t.Errorf("error is not classified invalid input (exit 2): %v", err)
			}
			if len(Problems(unwrapAll(err))) == 0 {
				t.Errorf("error carries no positioned problems: %v", err)
			}
			golden(t, strings.TrimSuffix(f, ".yaml")+".err", err.Error()+"\n")
		})
	}
	if n < 25 {
		t.Fatalf("only %d bad specs; want at least 25", n)
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file (run go test -update): %v", err)
	}
	if got != string(want) {
		t.Errorf("error differs from %s\n got: %s\nwant: %s", path, got, want)
	}
}

func TestGoodSpecs(t *testing.T) {
	for _, f := range []string{"wordcount.yaml", "features.yaml"} {
		path := filepath.Join("testdata", "good", f)
		s, err := Load(path, loadOpts(t, path))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if s.Name == "" || len(s.Spouts) == 0 {
			t.Errorf("%s: parsed nothing: %+v", f, s)
		}
	}
}

func TestWordcountDetails(t *testing.T) {
	path := filepath.Join("testdata", "good", "wordcount.yaml")
	s, err := Load(path, loadOpts(t, path))
	if err != nil {
		t.Fatal(err)
	}
	split := s.Component("split")
	if split.Parallelism != 2 || split.NumTasks != 4 {
		t.Errorf("split parallelism/tasks = %d/%d, want 2/4", split.Parallelism, split.NumTasks)
	}
	if got := strings.Join(split.Shell.Command, " "); got != "python3 split_bolt.py" {
		t.Errorf("split command = %q", got)
	}
	count := s.Component("count")
	if count.Config[ConfOnHeapMemory] != 256.0 || count.Config[ConfCPU] != 50.0 {
		t.Errorf("count loads not in conf: %v", count.Config)
	}
	if count.Config["topology.tick.tuple.freq.secs"] != int64(10) {
		t.Errorf("count config = %v", count.Config)
	}
	if got := s.Streams[1].Grouping; got.Type != "FIELDS" || strings.Join(got.Args, ",") != "word" {
		t.Errorf("second stream grouping = %+v", got)
	}
	if s.Config["topology.workers"] != int64(1) {
		t.Errorf("config = %v", s.Config)
	}
	if s.NamePos.Line != 1 || s.NamePos.Col != 7 {
		t.Errorf("name position = %v, want line 1 col 7", s.NamePos)
	}
}

func TestFeatures(t *testing.T) {
	path := filepath.Join("testdata", "good", "features.yaml")
	s, err := Load(path, loadOpts(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "features" {
		t.Errorf("name = %q, want the filtered value", s.Name)
	}
	if s.Config["topology.workers"] != int64(2) {
		t.Errorf("workers = %v: the including file must win without override", s.Config["topology.workers"])
	}
	if s.Config["from.include"] != true {
		t.Errorf("include config not merged: %v", s.Config)
	}
	ev := s.Component("events")
	if got := ev.Shell.Outputs; len(got) != 2 || got["clicks"][1] != "url" || got["default"][0] != "line" {
		t.Errorf("events outputs = %v", got)
	}
	if ev.Config["spout.rate"] != int64(10) {
		t.Errorf("addComponentConfig lost: %v", ev.Config)
	}
	sink := s.Component("sink")
	if sink.Java == nil || len(sink.Java.Args) != 5 || sink.Java.Args[1] != int64(3000000000) || sink.Java.Args[2] != 2.5 {
		t.Errorf("java sink = %+v", sink.Java)
	}
	if s.Component("local") == nil || s.Component("custom") == nil {
		t.Error("included bolts missing")
	}
}

func TestNameOverride(t *testing.T) {
	path := filepath.Join("testdata", "good", "wordcount.yaml")
	opts := loadOpts(t, path)
	opts.Name = "bad:name"
	_, err := Load(path, opts)
	if err == nil || !strings.Contains(err.Error(), "--name: the topology name \"bad:name\" contains \":\"") {
		t.Fatalf("err = %v", err)
	}
	opts.Name = "renamed"
	s, err := Load(path, opts)
	if err != nil || s.Name != "renamed" {
		t.Fatalf("override: %v %v", s, err)
	}
}

func TestEnvFilter(t *testing.T) {
	text := []byte("name: ${ENV-TOPO}\nspouts:\n  - id: s\n    className: " + FluxShellSpout + "\n    constructorArgs: [[\"python3\", \"s.py\"], [\"f\"]]\n")
	env := func(k string) (string, bool) {
		if k == "TOPO" {
			return "from-env", true
		}
		return "", false
	}
	s, err := Parse("t.yaml", text, Options{Filters: Filters{Env: true, LookupEnv: env}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "from-env" {
		t.Errorf("name = %q", s.Name)
	}
	_, err = Parse("t.yaml", text, Options{Filters: Filters{Env: true, LookupEnv: func(string) (string, bool) { return "", false }}})
	if err == nil || !strings.Contains(err.Error(), "t.yaml:1:7: environment variable TOPO is not set") {
		t.Errorf("unset env: %v", err)
	}
}

func TestParseProperties(t *testing.T) {
	in := "# comment\n! also\nkey=value\nspaced   =  v 2\ncolon:c\nws w\nlong=a\\\n    b\nesc=tab\\there\\u0041\n"
	m, err := ParseProperties(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"key": "value", "spaced": "v 2", "colon": "c", "ws": "w", "long": "ab", "esc": "tab\thereA"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	if len(m) != len(want) {
		t.Errorf("got %d keys: %v", len(m), m)
	}
}

func TestScript(t *testing.T) {
	cases := map[string]string{
		"python3 spout.py":        "spout.py",
		"python3 -u spout.py":     "spout.py",
		"python3 -m mod":          "",
		"node bolt.js":            "bolt.js",
		"bash -c x run.sh":        "run.sh",
		"./binary":                "",
		"/usr/bin/python2.7 a.py": "a.py",
	}
	for in, want := range cases {
		if got := Script(strings.Fields(in)); got != want {
			t.Errorf("Script(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfWarnings(t *testing.T) {
	text := []byte("name: w\nconfig:\n  topology.worker: 2\n  my.own.key: 1\nspouts:\n  - id: s\n    className: " + FluxShellSpout + "\n    constructorArgs: [[\"python3\", \"s.py\"], [\"f\"]]\n")
	s, err := Parse("t.yaml", text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 1 || s.Warnings[0].Error() != `t.yaml:3:3: "topology.worker" is not a setting Storm knows (did you mean "topology.workers"?)` {
		t.Errorf("warnings = %v", s.Warnings)
	}
}
