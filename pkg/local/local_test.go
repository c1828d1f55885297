package local

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/topology"
)

func TestGroupingsDistribution(t *testing.T) {
	dir := resourcesDir(t)
	outdir := t.TempDir()
	const n = 400
	rec := map[string]any{"test.outdir": outdir}
	topo := &topology.Topology{Name: "groupings", Conf: map[string]any{"test.outdir": outdir}, Components: []*topology.Component{
		testSpout("spout", 1, map[string]any{"test.count": n, "test.keys": 10}),
		testBolt("shuf", 2, 4, rec, in("spout", "default", topology.Shuffle)),
		testBolt("fields", 3, 3, rec, in("spout", "default", topology.Fields, "key")),
		testBolt("all", 2, 2, rec, in("spout", "default", topology.All)),
		testBolt("global", 3, 3, rec, in("spout", "default", topology.Global)),
		testBolt("none", 2, 2, rec, in("spout", "default", topology.None)),
		testBolt("los", 2, 2, rec, in("spout", "default", topology.LocalOrShuffle)),
	}}
	want := n * (1 + 1 + 2 + 1 + 1 + 1)
	res := runUntil(t, topo, dir, Options{}, 60*time.Second, func() bool {
		return countRecords(t, outdir, "shuf", "fields", "all", "global", "none", "los") >= want
	})
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, res.out)
	}
	tasksOf := func(comp string) []int { return newPlanMust(t, topo).byID[comp].tasks }

	shuf := records(t, outdir, "shuf")
	for _, task := range tasksOf("shuf") {
		if got := len(shuf[task]); got < n/4-n/8 || got > n/4+n/8 {
			t.Errorf("shuffle: task %d got %d of %d tuples, want about %d", task, got, n, n/4)
		}
	}
	keyTask := map[any]int{}
	perTask := map[int]int{}
	for task, rs := range records(t, outdir, "fields") {
		for _, r := range rs {
			k := r.Values[1]
			if prev, ok := keyTask[k]; ok && prev != task {
				t.Errorf("fields: key %v went to tasks %d and %d", k, prev, task)
			}
			keyTask[k] = task
			perTask[task]++
		}
	}
	if len(keyTask) != 10 || len(perTask) < 2 {
		t.Errorf("fields: %d keys over %d tasks, want 10 keys over several tasks", len(keyTask), len(perTask))
	}
	all := records(t, outdir, "all")
	for _, task := range tasksOf("all") {
		if len(all[task]) != n {
			t.Errorf("all: task %d got %d, want %d", task, len(all[task]), n)
		}
	}
	global := records(t, outdir, "global")
	gt := tasksOf("global")
	if len(global[gt[0]]) != n {
		t.Errorf("global: lowest task %d got %d, want %d", gt[0], len(global[gt[0]]), n)
	}
	for _, task := range gt[1:] {
		if len(global[task]) != 0 {
			t.Errorf("global: task %d got %d tuples, want none", task, len(global[task]))
		}
	}
	for _, comp := range []string{"none", "los"} {
		total := 0
		for _, rs := range records(t, outdir, comp) {
			total += len(rs)
		}
		if total != n {
			t.Errorf("%s: %d tuples, want %d", comp, total, n)
		}
	}
	if s := res.sum.Component("spout"); s == nil || s.Emitted != n {
		t.Errorf("spout stats: %+v", s)
	}
	if s := res.sum.Component("all"); s.Executed != 2*n {
		t.Errorf("all executed %d, want %d", s.Executed, 2*n)
	}
	st := tasksOf("spout")[0]
	if want := "INFO  [spout:" + itoa(st) + "] spout " + itoa(st) + " ready"; !strings.Contains(res.out, want) {
		t.Errorf("log line missing from output:\n%s", res.out)
	}
	if strings.Contains(res.out, "a debug line") {
		t.Errorf("DEBUG log printed without --debug")
	}
}

func newPlanMust(t *testing.T, topo *topology.Topology) *plan {
	p, err := newPlan(topo)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNamedStreamsAndDirect(t *testing.T) {
	dir := resourcesDir(t)
	outdir := t.TempDir()
	const n = 60
	rec := map[string]any{"test.outdir": outdir}
	direct := testSpout("dspout", 1, map[string]any{"test.count": n, "test.direct_to": "d"})
	direct.Outputs["default"].Direct = true
	topo := &topology.Topology{Name: "streams", Conf: map[string]any{"test.outdir": outdir}, Components: []*topology.Component{
		testSpout("spout", 1, map[string]any{"test.count": n, "test.streams": []any{"even", "odd"}}, "even", "odd"),
		direct,
		testBolt("evens", 1, 2, rec, in("spout", "even", topology.Shuffle)),
		testBolt("odds", 1, 1, rec, in("spout", "odd", topology.Shuffle)),
		testBolt("d", 1, 3, rec, in("dspout", "default", topology.Direct)),
	}}
	res := runUntil(t, topo, dir, Options{Debug: true}, 60*time.Second, func() bool {
		return countRecords(t, outdir, "evens", "odds", "d") >= 2*n
	})
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, res.out)
	}
	for comp, parity := range map[string]float64{"evens": 0, "odds": 1} {
		total := 0
		for _, rs := range records(t, outdir, comp) {
			for _, r := range rs {
				total++
				if v := r.Values[0].(float64); int(v)%2 != int(parity) || r.Stream != map[float64]string{0: "even", 1: "odd"}[parity] {
					t.Errorf("%s got %v on stream %q", comp, r.Values, r.Stream)
				}
			}
		}
		if total != n/2 {
			t.Errorf("%s got %d tuples, want %d", comp, total, n/2)
		}
	}
	dt := newPlanMust(t, topo).byID["d"].tasks
	got := records(t, outdir, "d")
	for i, task := range dt {
		for _, r := range got[task] {
			if int(r.Values[0].(float64))%len(dt) != i {
				t.Errorf("direct: task %d got %v", task, r.Values)
			}
		}
		if len(got[task]) != n/len(dt) {
			t.Errorf("direct: task %d got %d tuples, want %d", task, len(got[task]), n/len(dt))
		}
	}
	if !strings.Contains(res.out, "DEBUG [spout:") || !strings.Contains(res.out, "emit even") {
		t.Errorf("--debug did not print tuples:\n%.2000s", res.out)
	}
	if !strings.Contains(res.out, "a debug line") {
		t.Errorf("--debug did not print the DEBUG log line")
	}
}

func TestReplayUntilEveryTupleCountedOnce(t *testing.T) {
	dir := resourcesDir(t)
	outdir := t.TempDir()
	const n = 300
	topo := &topology.Topology{Name: "replay", Conf: map[string]any{"test.outdir": outdir, "topology.max.spout.pending": 50}, Components: []*topology.Component{
		testSpout("spout", 1, map[string]any{"test.count": n, "test.reliable": true}),
		testBolt("flaky", 2, 2, map[string]any{"test.mode": "flaky", "test.fail_ratio": 0.3}, in("spout", "default", topology.Shuffle)),
		testBolt("sink", 1, 2, nil, in("flaky", "default", topology.Fields, "n")),
	}}
	doneFile := filepath.Join(outdir, "done-"+itoa(newPlanMust(t, topo).byID["spout"].tasks[0]))
	res := runUntil(t, topo, dir, Options{}, 90*time.Second, func() bool {
		_, err := os.Stat(doneFile)
		return err == nil
	})
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, res.out)
	}
	seen := map[float64]int{}
	for _, rs := range records(t, outdir, "sink") {
		for _, r := range rs {
			seen[r.Values[0].(float64)]++
		}
	}
	if len(seen) != n {
		t.Errorf("sink counted %d distinct tuples, want %d", len(seen), n)
	}
	for v, c := range seen {
		if c != 1 {
			t.Errorf("tuple %v counted %d times", v, c)
		}
	}
	s := res.sum.Component("spout")
	if s.Acked != n || s.Failed == 0 {
		t.Errorf("spout acked %d failed %d, want %d acked and some failed", s.Acked, s.Failed, n)
	}
	if f := res.sum.Component("flaky"); f.Failed == 0 || f.Acked < n {
		t.Errorf("flaky bolt: %+v", f)
	}
}

func TestMessageTimeoutFailsTrees(t *testing.T) {
	dir := resourcesDir(t)
	topo := &topology.Topology{Name: "timeout", Conf: map[string]any{"topology.message.timeout.secs": 1}, Components: []*topology.Component{
		testSpout("spout", 1, map[string]any{"test.count": 5, "test.reliable": true}),
		testBolt("sink", 1, 1, map[string]any{"test.mode": "noack"}, in("spout", "default", topology.Shuffle)),
	}}
	res := runUntil(t, topo, dir, Options{Duration: 3500 * time.Millisecond, Grace: 100 * time.Millisecond}, 30*time.Second, nil)
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, res.out)
	}
	s := res.sum.Component("spout")
	if s.Acked != 0 || s.Failed < 5 {
		t.Errorf("spout acked %d failed %d; want every tree failed by the timeout", s.Acked, s.Failed)
	}
}

func TestAckersZeroAcksOnEmit(t *testing.T) {
	dir := resourcesDir(t)
	outdir := t.TempDir()
	topo := &topology.Topology{Name: "noackers", Conf: map[string]any{"topology.acker.executors": 0, "topology.debug": true, "test.outdir": outdir}, Components: []*topology.Component{
		testSpout("spout", 1, map[string]any{"test.count": 20, "test.reliable": true}),
		testBolt("sink", 1, 1, map[string]any{"test.mode": "noack"}, in("spout", "default", topology.Shuffle)),
	}}
	doneFile := filepath.Join(outdir, "done-"+itoa(newPlanMust(t, topo).byID["spout"].tasks[0]))
	res := runUntil(t, topo, dir, Options{Grace: 100 * time.Millisecond}, 30*time.Second, func() bool {
		_, err := os.Stat(doneFile)
		return err == nil
	})
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, res.out)
	}
	if s := res.sum.Component("spout"); s.Acked != 20 || res.sum.Acking {
		t.Errorf("spout stats %+v acking %v", s, res.sum.Acking)
	}
	if !strings.Contains(res.out, "emit default [") {
		t.Errorf("topology.debug: true did not print tuples:\n%.2000s", res.out)
	}
}

func TestCrashingBoltStopsTheRun(t *testing.T) {
	dir := resourcesDir(t)
	topo := &topology.Topology{Name: "crash", Components: []*topology.Component{
		testSpout("spout", 1, map[string]any{"test.count": 10}),
		testBolt("crasher", 1, 1, map[string]any{"test.mode": "crash"}, in("spout", "default", topology.Shuffle)),
	}}
	start := time.Now()
	res := runUntil(t, topo, dir, Options{}, 30*time.Second, nil)
	var ee *exitError
	if !errors.As(res.err, &ee) {
		t.Fatalf("err = %v, want a child exit error", res.err)
	}
	msg := res.err.Error()
	for _, want := range []string{`component "crasher"`, "exited with status 3", "crashing on purpose"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if time.Since(start) > 15*time.Second {
		t.Errorf("crash took %s to stop the run", time.Since(start))
	}
}

func TestHungBoltTimesOut(t *testing.T) {
	dir := resourcesDir(t)
	topo := &topology.Topology{Name: "hang", Conf: map[string]any{"topology.subprocess.timeout.secs": 2}, Components: []*topology.Component{
		testSpout("spout", 1, map[string]any{"test.count": 3}),
		testBolt("hanger", 1, 1, map[string]any{"test.mode": "hang"}, in("spout", "default", topology.Shuffle)),
	}}
	res := runUntil(t, topo, dir, Options{}, 30*time.Second, nil)
	if res.err == nil || !strings.Contains(res.err.Error(), `component "hanger"`) || !strings.Contains(res.err.Error(), "did not answer heartbeats") {
		t.Fatalf("err = %v, want a heartbeat timeout of hanger", res.err)
	}
}

func TestRefusesJavaComponents(t *testing.T) {
	topo := &topology.Topology{Name: "java", Components: []*topology.Component{
		{ID: "kafka", Kind: topology.Spout, Java: &topology.JavaObject{ClassName: "org.apache.storm.kafka.spout.KafkaSpout"}, Outputs: map[string]*topology.StreamDef{"default": {Fields: []string{"x"}}}},
		testBolt("b", 1, 1, nil, in("kafka", "default", topology.Shuffle)),
	}}
	_, err := Run(t.Context(), topo, Options{ResourcesDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "kafka (org.apache.storm.kafka.spout.KafkaSpout)") || !strings.Contains(err.Error(), "cannot run locally") {
		t.Fatalf("err = %v", err)
	}
}

func TestUndeclaredStreamIsReported(t *testing.T) {
	dir := resourcesDir(t)
	sp := testSpout("spout", 1, map[string]any{"test.count": 3, "test.streams": []any{"nope"}})
	topo := &topology.Topology{Name: "undeclared", Components: []*topology.Component{sp,
		testBolt("b", 1, 1, nil, in("spout", "default", topology.Shuffle))}}
	res := runUntil(t, topo, dir, Options{}, 30*time.Second, nil)
	if res.err == nil || !strings.Contains(res.err.Error(), `stream "nope"`) {
		t.Fatalf("err = %v", res.err)
	}
}

func itoa(n int) string { return fmtInt(n) }

func TestMaxSpoutPendingCapsTreesInFlight(t *testing.T) {
	dir := resourcesDir(t)
	topo := &topology.Topology{Name: "pending", Conf: map[string]any{"topology.max.spout.pending": 5}, Components: []*topology.Component{
		testSpout("spout", 1, map[string]any{"test.count": 50, "test.reliable": true}),
		testBolt("sink", 1, 1, map[string]any{"test.mode": "noack"}, in("spout", "default", topology.Shuffle)),
	}}
	res := runUntil(t, topo, dir, Options{Duration: 2 * time.Second, Grace: 100 * time.Millisecond}, 30*time.Second, nil)
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, res.out)
	}
	if s := res.sum.Component("spout"); s.Emitted != 5 || res.sum.InFlight != 5 {
		t.Errorf("spout emitted %d with %d trees in flight; want 5 and 5 under topology.max.spout.pending: 5", s.Emitted, res.sum.InFlight)
	}
}

// TestFullPipeKeepsEveryTuple makes the pipe to a bolt fill up, so that
// writes to it are partial and the rest goes through the writer goroutine,
// and checks that every tuple arrives whole.
func TestFullPipeKeepsEveryTuple(t *testing.T) {
	dir := resourcesDir(t)
	outdir := t.TempDir()
	const n = 400
	topo := &topology.Topology{Name: "fullpipe", Conf: map[string]any{"test.outdir": outdir}, Components: []*topology.Component{
		testSpout("spout", 1, map[string]any{"test.count": n, "test.reliable": true, "test.pad": 3000}),
		testBolt("sink", 1, 1, map[string]any{"test.mode": "slowstart"}, in("spout", "default", topology.Shuffle)),
	}}
	doneFile := filepath.Join(outdir, "done-"+itoa(newPlanMust(t, topo).byID["spout"].tasks[0]))
	res := runUntil(t, topo, dir, Options{}, 60*time.Second, func() bool {
		_, err := os.Stat(doneFile)
		return err == nil
	})
	if res.err != nil {
		t.Fatalf("run: %v\n%s", res.err, res.out)
	}
	seen := map[float64]bool{}
	for _, rs := range records(t, outdir, "sink") {
		for _, r := range rs {
			if k := r.Values[1].(string); len(k) < 3000 {
				t.Fatalf("tuple %v arrived cut to %d bytes", r.Values[0], len(k))
			}
			seen[r.Values[0].(float64)] = true
		}
	}
	if len(seen) != n {
		t.Errorf("sink got %d distinct tuples, want %d", len(seen), n)
	}
}
