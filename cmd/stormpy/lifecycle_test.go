package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/lifecycle"
	"github.com/stormpy/stormpy/pkg/nimbus"
	"github.com/stormpy/stormpy/pkg/nimbus/nimbustest"
	"github.com/stormpy/stormpy/pkg/topology"
)

// fakeWithTopology starts a fake Nimbus of version v with topology "wc"
// submitted through the client library.
func fakeWithTopology(t *testing.T, v nimbustest.Version) *nimbustest.Cluster {
	t.Helper()
	c, err := nimbustest.Start(v, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	tp := &topology.Topology{
		Name: "wc",
		Conf: map[string]any{"topology.workers": int64(2)},
		Components: []*topology.Component{
			{ID: "sentences", Kind: topology.Spout, Parallelism: 2,
				Shell:   &topology.Shell{ExecutionCommand: "python3", Script: "spout.py"},
				Outputs: map[string]*topology.StreamDef{"default": {Fields: []string{"sentence"}}}},
			{ID: "split", Kind: topology.Bolt, Parallelism: 3,
				Shell:   &topology.Shell{ExecutionCommand: "python3", Script: "split.py"},
				Outputs: map[string]*topology.StreamDef{"default": {Fields: []string{"word"}}},
				Inputs:  []*topology.Input{{From: "sentences", Stream: "default", Grouping: topology.Grouping{Type: topology.Shuffle}}}},
		},
	}
	st, err := tp.Thrift()
	if err != nil {
		t.Fatal(err)
	}
	conf, _ := tp.ConfJSON()
	jar := filepath.Join(t.TempDir(), "wc.jar")
	os.WriteFile(jar, []byte("PK fake jar"), 0o644)
	cl, err := nimbus.Dial(context.Background(), nimbus.Options{Seeds: c.Seeds()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.Submit(context.Background(), nimbus.SubmitRequest{Name: "wc", JarPath: jar, Topology: st, ConfJSON: conf}); err != nil {
		t.Fatal(err)
	}
	c.AddError("wc", "split", "ValueError: bad line\nTraceback ...", time.Unix(1700000000, 0))
	return c
}

var allVersions = []nimbustest.Version{nimbustest.Storm093, nimbustest.Storm10, nimbustest.Storm2}

func TestCLIList(t *testing.T) {
	for _, v := range allVersions {
		t.Run(v.String(), func(t *testing.T) {
			c := fakeWithTopology(t, v)
			seed := "--nimbus=" + c.Addr(0)
			r := runBin(t, t.TempDir(), nil, "list", seed)
			if r.code != 0 {
				t.Fatalf("list: exit %d, stderr %s", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[1], "wc") || !strings.Contains(lines[1], "ACTIVE") {
				t.Errorf("list output:\n%s", r.stdout)
			}
			fields := strings.Fields(lines[1])
			if strings.Join(fields[4:], " ") != "2 6 6" {
				t.Errorf("workers/executors/tasks = %v, want 2 6 6 (including the acker)", fields[4:])
			}

			r = runBin(t, t.TempDir(), nil, "list", "--json", seed)
			var out lifecycle.ListOutput
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
				t.Fatalf("list --json: exit %d, %v\n%s", r.code, err, r.stdout)
			}
			if out.MessageType != "list" || out.Nimbus != c.Addr(0) || len(out.Topologies) != 1 || out.Topologies[0].Name != "wc" || out.Topologies[0].Workers != 2 {
				t.Errorf("list --json = %+v", out)
			}
			// The documented keys, exactly.
			var raw struct {
				Topologies []map[string]any `json:"topologies"`
			}
			json.Unmarshal([]byte(r.stdout), &raw)
			for _, k := range []string{"name", "id", "status", "uptime_secs", "workers", "executors", "tasks"} {
				if _, ok := raw.Topologies[0][k]; !ok {
					t.Errorf("list --json lacks %q: %s", k, r.stdout)
				}
			}
		})
	}
}

func TestCLIInfo(t *testing.T) {
	c := fakeWithTopology(t, nimbustest.Storm2)
	r := runBin(t, t.TempDir(), []string{"STORMPY_NIMBUS=" + c.Addr(0)}, "info", "wc")
	if r.code != 0 {
		t.Fatalf("info: exit %d, stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"topology wc (wc-", "status ACTIVE", "owner stormpy-test",
		"sentences  spout  2", "split      bolt   3", "10.500", "3.000",
		"split at 2023-11-14T22:13:20Z on 127.0.0.1:6700: ValueError: bad line …",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("info output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "__acker") {
		t.Errorf("info shows system components:\n%s", r.stdout)
	}
	r = runBin(t, t.TempDir(), []string{"STORMPY_NIMBUS=" + c.Addr(0)}, "info", "wc", "--json")
	var out struct {
		MessageType string `json:"message_type"`
		Nimbus      string `json:"nimbus"`
		Name        string `json:"name"`
		Components  []struct {
			ID                string   `json:"id"`
			Kind              string   `json:"kind"`
			Acked             int64    `json:"acked"`
			CompleteLatencyMs *float64 `json:"complete_latency_ms"`
			Errors            []struct {
				Time  int64  `json:"time"`
				Error string `json:"error"`
				Host  string `json:"host"`
			} `json:"errors"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("info --json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	if out.MessageType != "info" || out.Nimbus != c.Addr(0) || out.Name != "wc" || len(out.Components) != 2 || out.Components[0].Acked != 80 || out.Components[1].Errors[0].Time != 1700000000 {
		t.Errorf("info --json = %+v", out)
	}
	r = runBin(t, t.TempDir(), []string{"STORMPY_NIMBUS=" + c.Addr(0)}, "info", "nope")
	if r.code != 3 || !strings.Contains(r.stderr, `no topology named "nope"`) {
		t.Errorf("info nope: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestCLIKill(t *testing.T) {
	for _, v := range allVersions {
		t.Run(v.String(), func(t *testing.T) {
			c := fakeWithTopology(t, v)
			r := runBin(t, t.TempDir(), nil, "kill", "wc", "--wait", "2", "--until-gone", "--nimbus", c.Addr(0))
			if r.code != 0 || !strings.Contains(r.stdout, "killed wc; Nimbus removes it in 2s") || !strings.Contains(r.stdout, "wc is gone") {
				t.Fatalf("kill: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}
			if _, ok := c.Topology("wc"); ok {
				t.Error("topology still on the fake after --until-gone")
			}
			r = runBin(t, t.TempDir(), nil, "kill", "wc", "--nimbus", c.Addr(0))
			if r.code != 3 || !strings.Contains(r.stderr, `kill: no topology named "wc" is running`) || !strings.Contains(r.stderr, "stormpy list") {
				t.Errorf("kill again: exit %d, stderr %s", r.code, r.stderr)
			}
		})
	}
}

func TestCLIActivateDeactivateRebalance(t *testing.T) {
	c := fakeWithTopology(t, nimbustest.Storm10)
	dir := t.TempDir()
	seed := "--nimbus=" + c.Addr(0)
	if r := runBin(t, dir, nil, "deactivate", "wc", seed); r.code != 0 || r.stdout != "deactivated wc\n" {
		t.Fatalf("deactivate: %+v", r)
	}
	if tp, _ := c.Topology("wc"); tp.Status != "INACTIVE" {
		t.Errorf("status %s", tp.Status)
	}
	if r := runBin(t, dir, nil, "activate", "wc", seed); r.code != 0 || r.stdout != "activated wc\n" {
		t.Fatalf("activate: %+v", r)
	}
	if tp, _ := c.Topology("wc"); tp.Status != "ACTIVE" {
		t.Errorf("status %s", tp.Status)
	}
	r := runBin(t, dir, nil, "rebalance", "wc", "-w", "0", "-n", "3", "-e", "split=4", "-e", "sentences=1", seed)
	if r.code != 0 || r.stdout != "rebalancing wc\n" {
		t.Fatalf("rebalance: %+v", r)
	}
	tp, _ := c.Topology("wc")
	if o := tp.Rebalance; o.GetWaitSecs() != 0 || !o.IsSetWaitSecs() || o.GetNumWorkers() != 3 || o.NumExecutors["split"] != 4 || o.NumExecutors["sentences"] != 1 {
		t.Errorf("rebalance options %+v", o)
	}
	r = runBin(t, dir, nil, "rebalance", "wc", "-e", "ghost=2", seed)
	if r.code != 3 || !strings.Contains(r.stderr, "ghost does not exist") {
		t.Errorf("rebalance ghost: %+v", r)
	}
	if r := runBin(t, dir, nil, "activate", "nope", seed); r.code != 3 {
		t.Errorf("activate nope: %+v", r)
	}
}

func TestCLIUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := [][]string{
		{"kill"},
		{"kill", "a", "b", "--nimbus", "h"},
		{"rebalance", "wc", "-e", "split", "--nimbus", "h"},
		{"rebalance", "wc", "-e", "split=0", "--nimbus", "h"},
		{"kill", "wc", "--wait", "-1", "--nimbus", "h"},
		{"list", "extra", "--nimbus", "h"},
		{"list"},
		{"list", "--nimbus", "h:notaport"},
		{"list", "--env", "prod"},
		{"list", "--nope"},
	}
	for _, args := range cases {
		if r := runBin(t, dir, nil, args...); r.code != 2 || !strings.HasPrefix(r.stderr, "stormpy: ") && !strings.Contains(r.stderr, "flag provided but not defined") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error (2)", args, r.code, r.stderr)
		}
	}
}

func TestCLIUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := runBin(t, t.TempDir(), nil, "list", "--nimbus", addr, "--retries", "0")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot reach a Nimbus leader; tried "+addr) || !strings.Contains(r.stderr, "--ssh") {
		t.Errorf("unreachable: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestCLIEnvFromConfigFile(t *testing.T) {
	c := fakeWithTopology(t, nimbustest.Storm2)
	dir := t.TempDir()
	_, port, _ := net.SplitHostPort(c.Addr(0))
	yaml := "envs:\n  prod:\n    nimbus: [127.0.0.1]\n    port: " + port + "\n  broken:\n    nimbus: 127.0.0.1:1\n    retries: 0\n"
	if err := os.WriteFile(filepath.Join(dir, "stormpy.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runBin(t, dir, nil, "list", "--env", "prod"); r.code != 0 || !strings.Contains(r.stdout, "wc") {
		t.Errorf("--env prod: %+v", r)
	}
	// Flags win over the file.
	if r := runBin(t, dir, nil, "list", "--env", "broken", "--nimbus", c.Addr(0)); r.code != 0 {
		t.Errorf("--nimbus over the env: %+v", r)
	}
	if r := runBin(t, dir, nil, "list", "--env", "broken"); r.code != 1 || !strings.Contains(r.stderr, "127.0.0.1:1") {
		t.Errorf("--env broken: %+v", r)
	}
	if r := runBin(t, dir, nil, "list", "--env", "stage"); r.code != 2 || !strings.Contains(r.stderr, "defined: broken, prod") {
		t.Errorf("--env stage: %+v", r)
	}
	if err := os.WriteFile(filepath.Join(dir, "stormpy.yaml"), []byte("envs:\n  prod:\n    nimbuz: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runBin(t, dir, nil, "list", "--env", "prod"); r.code != 2 || !strings.Contains(r.stderr, "stormpy.yaml:3:5: unknown key \"nimbuz\"") {
		t.Errorf("bad stormpy.yaml: %+v", r)
	}
}
