package nimbus_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/nimbus"
	"github.com/stormpy/stormpy/pkg/nimbus/nimbustest"
	"github.com/stormpy/stormpy/pkg/stormthrift"
	"github.com/stormpy/stormpy/pkg/topology"
)

var versions = []nimbustest.Version{nimbustest.Storm093, nimbustest.Storm10, nimbustest.Storm2}

func start(t *testing.T, v nimbustest.Version, n int, opts ...nimbustest.Option) *nimbustest.Cluster {
	t.Helper()
	c, err := nimbustest.Start(v, n, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func options(seeds ...string) nimbus.Options {
	return nimbus.Options{
		Seeds: seeds, ConnectTimeout: 2 * time.Second, CallTimeout: 5 * time.Second,
		Retries: 2, Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		PollInterval: 10 * time.Millisecond,
	}
}

func dial(t *testing.T, o nimbus.Options) *nimbus.Client {
	t.Helper()
	c, err := nimbus.Dial(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func sampleTopology(t testing.TB) (*stormthrift.StormTopology, []byte) {
	t.Helper()
	tp := &topology.Topology{
		Name: "wc",
		Conf: map[string]any{"topology.workers": int64(2)},
		Components: []*topology.Component{
			{ID: "sentences", Kind: topology.Spout, Parallelism: 2, NumTasks: 2,
				Shell:   &topology.Shell{ExecutionCommand: "python3", Script: "spout.py"},
				Outputs: map[string]*topology.StreamDef{"default": {Fields: []string{"sentence"}}}},
			{ID: "split", Kind: topology.Bolt, Parallelism: 3, NumTasks: 6,
				Shell:   &topology.Shell{ExecutionCommand: "python3", Script: "split.py"},
				Outputs: map[string]*topology.StreamDef{"default": {Fields: []string{"word"}}},
				Inputs:  []*topology.Input{{From: "sentences", Stream: "default", Grouping: topology.Grouping{Type: topology.Shuffle}}}},
		},
	}
	st, err := tp.Thrift()
	if err != nil {
		t.Fatal(err)
	}
	conf, err := tp.ConfJSON()
	if err != nil {
		t.Fatal(err)
	}
	return st, conf
}

func writeJar(t testing.TB, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	path := filepath.Join(t.TempDir(), "wc.jar")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

func submitReq(t *testing.T, name, jar string) nimbus.SubmitRequest {
	st, conf := sampleTopology(t)
	return nimbus.SubmitRequest{Name: name, JarPath: jar, Topology: st, ConfJSON: conf}
}

func count(calls []string, method string) int {
	n := 0
	for _, c := range calls {
		if strings.HasSuffix(c, ":"+method) {
			n++
		}
	}
	return n
}

func TestDiscovery(t *testing.T) {
	cases := []struct {
		v       nimbustest.Version
		nodes   int
		leader  int
		via     string
		version string
	}{
		{nimbustest.Storm093, 1, 0, "seed", ""},
		{nimbustest.Storm10, 2, 1, "getClusterInfo", "1.0.1"},
		{nimbustest.Storm2, 3, 2, "getLeader", "2.8.0"},
	}
	for _, tc := range cases {
		t.Run(tc.v.String(), func(t *testing.T) {
			c := start(t, tc.v, tc.nodes)
			c.SetLeader(tc.leader)
			cl := dial(t, options(c.Seeds()[0]))
			l := cl.Leader()
			if l.Addr != c.Addr(tc.leader) || l.Via != tc.via || l.Version != tc.version {
				t.Errorf("leader = %+v, want %s via %s version %q", l, c.Addr(tc.leader), tc.via, tc.version)
			}
			// The leader must be the node that serves the next call.
			if _, err := cl.List(context.Background()); err != nil {
				t.Fatal(err)
			}
			calls := c.Calls()
			if last := calls[len(calls)-1]; last != string(rune('0'+tc.leader))+":getClusterInfo" {
				t.Errorf("list served by %s, calls %v", last, calls)
			}
		})
	}
}

func TestDiscoverySkipsDeadSeed(t *testing.T) {
	c := start(t, nimbustest.Storm2, 3)
	c.SetLeader(2)
	c.Down(0)
	cl := dial(t, options(c.Seeds()...))
	if cl.Leader().Addr != c.Addr(2) {
		t.Errorf("leader = %v, want %s", cl.Leader(), c.Addr(2))
	}
}

func TestUnreachable(t *testing.T) {
	c := start(t, nimbustest.Storm2, 2)
	seeds := c.Seeds()
	c.Down(0)
	c.Down(1)
	start := time.Now()
	_, err := nimbus.Dial(context.Background(), options(seeds...))
	if !errors.Is(err, nimbus.ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	for _, s := range seeds {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name seed %s", err, s)
		}
	}
	if !strings.Contains(err.Error(), "--ssh") {
		t.Errorf("error %q does not suggest --ssh", err)
	}
	if exitcode.Code(err) != exitcode.Failure {
		t.Errorf("exit code %d, want 1", exitcode.Code(err))
	}
	// Two retries with 10ms and 20ms pauses: bounded, not endless.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("discovery took %s", d)
	}
}

func TestDiscoveryWaitsForElection(t *testing.T) {
	c := start(t, nimbustest.Storm2, 2)
	c.SetLeader(-1)
	go func() {
		time.Sleep(30 * time.Millisecond)
		c.SetLeader(1)
	}()
	o := options(c.Seeds()[0])
	o.Retries = 10
	cl := dial(t, o)
	if cl.Leader().Addr != c.Addr(1) {
		t.Errorf("leader = %v", cl.Leader())
	}
}

func TestParseSeeds(t *testing.T) {
	got, err := nimbus.ParseSeeds(" hn0, hn1:7000,,[::1]:6627,10.0.0.1,hn0", 6627)
	want := []string{"hn0:6627", "hn1:7000", "[::1]:6627", "10.0.0.1:6627"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseSeeds = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"", " , ", "hn0:x", "hn0:70000", "user@hn0"} {
		if _, err := nimbus.ParseSeeds(bad, 6627); exitcode.Code(err) != exitcode.Usage {
			t.Errorf("ParseSeeds(%q) err = %v, want a usage error", bad, err)
		}
	}
}

func TestSubmit(t *testing.T) {
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) {
			c := start(t, v, 1)
			cl := dial(t, options(c.Seeds()...))
			jar, data := writeJar(t, 2_500_000)
			req := submitReq(t, "wc", jar)
			var progress []int64
			req.Progress = func(sent, total int64) {
				if total != int64(len(data)) {
					t.Errorf("progress total %d", total)
				}
				progress = append(progress, sent)
			}
			res, err := cl.Submit(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := c.Topology("wc")
			if !ok || !bytes.Equal(got.Jar, data) || got.Status != "ACTIVE" {
				t.Fatalf("fake has %v (jar %d bytes), want the uploaded jar active", ok, len(got.Jar))
			}
			if got.ConfJSON != `{"topology.workers":2}` || got.Thrift.Spouts["sentences"] == nil {
				t.Errorf("conf %s, topology %+v", got.ConfJSON, got.Thrift)
			}
			if res.ID != got.ID || res.Bytes != int64(len(data)) {
				t.Errorf("result %+v, fake id %s", res, got.ID)
			}
			// 1 MiB frames less 16 KiB of room: three chunks.
			if res.Chunks != 3 || !slices.Equal(progress, []int64{0, 1032192, 2064384, 2500000}) {
				t.Errorf("chunks %d, progress %v", res.Chunks, progress)
			}
		})
	}
}

func TestSubmitChunking(t *testing.T) {
	cases := []struct {
		name   string
		opts   []nimbustest.Option
		chunks int
	}{
		// Storm's own chunk size when the conf is not readable.
		{"conf denied", []nimbustest.Option{nimbustest.WithConfDenied()}, 4},
		// The fake drops frames over its limit, so a wrong size fails.
		{"small frames", []nimbustest.Option{nimbustest.WithMaxBuffer(200_000)}, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := start(t, nimbustest.Storm2, 1, tc.opts...)
			o := options(c.Seeds()...)
			o.Retries = -1
			cl := dial(t, o)
			jar, data := writeJar(t, 1_000_000)
			res, err := cl.Submit(context.Background(), submitReq(t, "wc", jar))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := c.Topology("wc")
			if res.Chunks != tc.chunks || !bytes.Equal(got.Jar, data) {
				t.Errorf("chunks = %d, want %d; jar intact %v", res.Chunks, tc.chunks, bytes.Equal(got.Jar, data))
			}
		})
	}
}

func TestSubmitInactive(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1)
	cl := dial(t, options(c.Seeds()...))
	jar, _ := writeJar(t, 10)
	req := submitReq(t, "wc", jar)
	req.Inactive = true
	if _, err := cl.Submit(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Topology("wc"); got.Status != "INACTIVE" {
		t.Errorf("status %s", got.Status)
	}
}

func TestSubmitConnectionDroppedMidUpload(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1)
	c.Fail("uploadChunk", nimbustest.Fault{Skip: 1, Drop: true})
	cl := dial(t, options(c.Seeds()...))
	jar, data := writeJar(t, 2_500_000)
	if _, err := cl.Submit(context.Background(), submitReq(t, "wc", jar)); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Topology("wc")
	if !bytes.Equal(got.Jar, data) {
		t.Errorf("jar on Nimbus is %d bytes, want the full %d", len(got.Jar), len(data))
	}
	if n := count(c.Calls(), "beginFileUpload"); n != 2 {
		t.Errorf("beginFileUpload called %d times, want a restart after the drop", n)
	}
}

func TestSubmitDropWithoutRetriesLeavesNothing(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1)
	c.Fail("uploadChunk", nimbustest.Fault{Drop: true})
	o := options(c.Seeds()...)
	o.Retries = -1
	cl := dial(t, o)
	jar, _ := writeJar(t, 100)
	_, err := cl.Submit(context.Background(), submitReq(t, "wc", jar))
	if err == nil || !strings.Contains(err.Error(), "upload jar") {
		t.Fatalf("err = %v", err)
	}
	if _, ok := c.Topology("wc"); ok || count(c.Calls(), "submitTopologyWithOpts") != 0 {
		t.Error("a failed upload must not submit")
	}
}

func TestSubmitLeaderMoves(t *testing.T) {
	for _, v := range []nimbustest.Version{nimbustest.Storm10, nimbustest.Storm2} {
		t.Run(v.String(), func(t *testing.T) {
			c := start(t, v, 2)
			c.Fail("beginFileUpload", nimbustest.Fault{MoveLeader: true, NewLeader: 1})
			cl := dial(t, options(c.Seeds()...))
			if cl.Leader().Addr != c.Addr(0) {
				t.Fatalf("leader %v", cl.Leader())
			}
			jar, _ := writeJar(t, 1000)
			res, err := cl.Submit(context.Background(), submitReq(t, "wc", jar))
			if err != nil {
				t.Fatal(err)
			}
			if res.Leader.Addr != c.Addr(1) {
				t.Errorf("submitted via %v, want the new leader %s", res.Leader, c.Addr(1))
			}
			if !slices.Contains(c.Calls(), "1:submitTopologyWithOpts") {
				t.Errorf("calls %v", c.Calls())
			}
		})
	}
}

func TestSubmitAlreadyAlive(t *testing.T) {
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) {
			c := start(t, v, 1)
			cl := dial(t, options(c.Seeds()...))
			jar, _ := writeJar(t, 1000)
			if _, err := cl.Submit(context.Background(), submitReq(t, "wc", jar)); err != nil {
				t.Fatal(err)
			}
			uploads := count(c.Calls(), "beginFileUpload")
			_, err := cl.Submit(context.Background(), submitReq(t, "wc", jar))
			if !errors.Is(err, nimbus.ErrAlreadyAlive) || exitcode.Code(err) != exitcode.Refused {
				t.Fatalf("err = %v (code %d), want already alive, exit 3", err, exitcode.Code(err))
			}
			if !strings.Contains(err.Error(), "--force") {
				t.Errorf("error %q does not suggest --force", err)
			}
			if count(c.Calls(), "beginFileUpload") != uploads {
				t.Error("the name check must come before the upload")
			}
		})
	}
}

func TestKillWaitGone(t *testing.T) {
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) {
			c := start(t, v, 1)
			cl := dial(t, options(c.Seeds()...))
			jar, _ := writeJar(t, 10)
			ctx := context.Background()
			if _, err := cl.Submit(ctx, submitReq(t, "wc", jar)); err != nil {
				t.Fatal(err)
			}
			if err := cl.Kill(ctx, "wc", 3*time.Second); err != nil {
				t.Fatal(err)
			}
			got, ok := c.Topology("wc")
			if !ok || got.Status != "KILLED" || got.KillWait != 3 {
				t.Errorf("after kill: %v %s wait %d", ok, got.Status, got.KillWait)
			}
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := cl.WaitGone(wctx, "wc"); err != nil {
				t.Fatal(err)
			}
			if _, ok := c.Topology("wc"); ok {
				t.Error("WaitGone returned while the topology exists")
			}
			err := cl.Kill(ctx, "wc", nimbus.NimbusDefault)
			if !errors.Is(err, nimbus.ErrNotAlive) || exitcode.Code(err) != exitcode.Refused || !strings.Contains(err.Error(), "stormpy list") {
				t.Errorf("second kill: %v", err)
			}
		})
	}
}

func TestActivateDeactivateRebalance(t *testing.T) {
	c := start(t, nimbustest.Storm10, 1)
	cl := dial(t, options(c.Seeds()...))
	jar, _ := writeJar(t, 10)
	ctx := context.Background()
	if _, err := cl.Submit(ctx, submitReq(t, "wc", jar)); err != nil {
		t.Fatal(err)
	}
	if err := cl.Deactivate(ctx, "wc"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Topology("wc"); got.Status != "INACTIVE" {
		t.Errorf("status %s", got.Status)
	}
	if err := cl.Activate(ctx, "wc"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Topology("wc"); got.Status != "ACTIVE" {
		t.Errorf("status %s", got.Status)
	}
	err := cl.Rebalance(ctx, "wc", nimbus.RebalanceOptions{Wait: 5 * time.Second, Workers: 4, Executors: map[string]int{"split": 6}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := c.Topology("wc")
	if r := got.Rebalance; r.GetWaitSecs() != 5 || r.GetNumWorkers() != 4 || r.NumExecutors["split"] != 6 {
		t.Errorf("rebalance options %+v", r)
	}
	err = cl.Rebalance(ctx, "wc", nimbus.RebalanceOptions{Wait: nimbus.NimbusDefault, Executors: map[string]int{"nope": 2}})
	if !errors.Is(err, nimbus.ErrInvalidTopology) || !strings.Contains(err.Error(), "nope does not exist") {
		t.Errorf("rebalance of an unknown component: %v", err)
	}
	if got, _ := c.Topology("wc"); got.Rebalance.WaitSecs == nil {
		t.Error("a rejected rebalance must not replace the recorded one")
	}
	if err := cl.Activate(ctx, "other"); !errors.Is(err, nimbus.ErrNotAlive) {
		t.Errorf("activate unknown: %v", err)
	}
}
