package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

const good = `default: prod
envs:
  prod:
    nimbus: [hn0-abc, "hn1-abc:7000"]
    port: 6627
    ssh: alice@abc-ssh.azurehdinsight.net:22
    connect_timeout: 5s
    timeout: 2m
    retries: 0
    config:
      topology.workers: 4
      topology.debug: false
      topology.kryo.register: [a.B]
  dev:
    nimbus: "localhost, 127.0.0.2:6628"
`

func TestParse(t *testing.T) {
	f, err := Parse(strings.NewReader(good), "stormpy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	prod, err := f.Env("")
	if err != nil || prod == nil || prod.Name != "prod" {
		t.Fatalf("default env = %+v, %v", prod, err)
	}
	zero := 0
	want := Settings{
		Nimbus: []string{"hn0-abc", "hn1-abc:7000"}, Port: 6627, SSH: "alice@abc-ssh.azurehdinsight.net:22",
		ConnectTimeout: 5 * time.Second, Timeout: 2 * time.Minute, Retries: &zero,
		Conf: map[string]any{"topology.workers": int64(4), "topology.debug": false, "topology.kryo.register": []any{"a.B"}},
	}
	if !reflect.DeepEqual(prod.Settings, want) {
		t.Errorf("prod = %+v\nwant %+v", prod.Settings, want)
	}
	dev, err := f.Env("dev")
	if err != nil || !reflect.DeepEqual(dev.Nimbus, []string{"localhost", "127.0.0.2:6628"}) {
		t.Errorf("dev = %+v, %v", dev, err)
	}
	_, err = f.Env("staging")
	if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "defined: dev, prod") {
		t.Errorf("unknown env: %v", err)
	}
}

func TestEnvSelection(t *testing.T) {
	one, err := Parse(strings.NewReader("envs:\n  only:\n    nimbus: h\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := one.Env(""); e == nil || e.Name != "only" {
		t.Errorf("single env must be the default, got %+v", e)
	}
	two, err := Parse(strings.NewReader("envs:\n  a: {nimbus: h}\n  b: {nimbus: h}\n"), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := two.Env(""); e != nil || err != nil {
		t.Errorf("two envs and no default must pick none, got %+v, %v", e, err)
	}
	empty, err := Parse(strings.NewReader(""), "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := empty.Env(""); e != nil || err != nil {
		t.Errorf("empty file: %+v, %v", e, err)
	}
	if _, err := empty.Env("prod"); err == nil || !strings.Contains(err.Error(), "no stormpy.yaml with envs") {
		t.Errorf("--env without a file: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	in := `default: nope
envs:
  prod:
    nimbs: hn0
    port: 99999
    timeout: soon
    retries: -1
    ssh: "a b"
    config:
      "1bad": 2
  dev:
    nimbus: []
extra: 1
`
	_, err := Parse(strings.NewReader(in), "stormpy.yaml")
	if exitcode.Code(err) != exitcode.Usage {
		t.Fatalf("err = %v, want a usage error", err)
	}
	want := []string{
		`stormpy.yaml:4:5: unknown key "nimbs" in env "prod" (did you mean "nimbus"?)`,
		`stormpy.yaml:5:11: port must be a number between 1 and 65535`,
		`stormpy.yaml:6:14: timeout must be a positive duration`,
		`stormpy.yaml:7:14: retries must be a whole number`,
		`stormpy.yaml:8:10: ssh must be [user@]host[:port]`,
		`stormpy.yaml:10:7: config: key "1bad" must start with a letter`,
		`stormpy.yaml:12:13: nimbus names no host`,
		`stormpy.yaml:13:1: unknown key "extra" in top level`,
		`stormpy.yaml:1:10: default env "nope" is not defined under envs (defined: dev, prod)`,
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in\n%v", w, err)
		}
	}
	if n := len(strings.Split(err.Error(), "\n")); n != len(want) {
		t.Errorf("%d problems reported, want %d:\n%v", n, len(want), err)
	}
	if _, err := Parse(strings.NewReader("envs: [\n"), "s.yaml"); err == nil || !strings.HasPrefix(err.Error(), "s.yaml: ") {
		t.Errorf("syntax error: %v", err)
	}
}

func TestMerge(t *testing.T) {
	three := 3
	file := &Env{Name: "prod", Settings: Settings{
		Nimbus: []string{"hn0"}, Port: 7000, SSH: "gw", Timeout: time.Minute, Retries: &three,
		Conf: map[string]any{"a": int64(1), "b": int64(2)},
	}}
	got := Merge(Settings{Nimbus: []string{"cli"}, Conf: map[string]any{"b": "flag"}}, file)
	want := Settings{Nimbus: []string{"cli"}, Port: 7000, SSH: "gw", Timeout: time.Minute, Retries: &three,
		Conf: map[string]any{"a": int64(1), "b": "flag"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge = %+v\nwant %+v", got, want)
	}
	if file.Conf["b"] != int64(2) {
		t.Error("Merge must not modify the file's conf")
	}
	flags := Settings{Port: 1}
	if got := Merge(flags, nil); !reflect.DeepEqual(got, flags) {
		t.Errorf("Merge with no env = %+v", got)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	f, err := Load(dir)
	if err != nil || len(f.Envs) != 0 {
		t.Fatalf("missing file: %+v, %v", f, err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err = Load(dir)
	if err != nil || len(f.Envs) != 2 || f.Path != filepath.Join(dir, FileName) {
		t.Errorf("Load = %+v, %v", f, err)
	}
}
