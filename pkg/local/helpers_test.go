package local

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/topology"
)

// resourcesDir assembles a packaged-like resources/ tree: the project's
// storm.py next to the test components.
func resourcesDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyFile(t, filepath.Join("..", "..", "resources", "storm.py"), filepath.Join(dir, "storm.py"))
	for _, f := range []string{"spout.py", "bolt.py"} {
		copyFile(t, filepath.Join("testdata", "components", f), filepath.Join(dir, f))
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func shell(script string) *topology.Shell {
	return &topology.Shell{Command: []string{"python3", script}, ExecutionCommand: "python3", Script: script}
}

// testSpout is components/spout.py declaring [n, key] on the given streams.
func testSpout(id string, tasks int, conf map[string]any, streams ...string) *topology.Component {
	if len(streams) == 0 {
		streams = []string{topology.DefaultStream}
	}
	out := map[string]*topology.StreamDef{}
	for _, s := range streams {
		out[s] = &topology.StreamDef{Fields: []string{"n", "key"}}
	}
	return &topology.Component{ID: id, Kind: topology.Spout, Shell: shell("spout.py"), Parallelism: tasks, NumTasks: tasks, Conf: conf, Outputs: out}
}

// testBolt is components/bolt.py declaring [n, key] on the default stream.
func testBolt(id string, executors, tasks int, conf map[string]any, inputs ...*topology.Input) *topology.Component {
	return &topology.Component{ID: id, Kind: topology.Bolt, Shell: shell("bolt.py"), Parallelism: executors, NumTasks: tasks, Conf: conf,
		Outputs: map[string]*topology.StreamDef{topology.DefaultStream: {Fields: []string{"n", "key"}}}, Inputs: inputs}
}

func in(from, stream string, g topology.GroupingType, fields ...string) *topology.Input {
	return &topology.Input{From: from, Stream: stream, Grouping: topology.Grouping{Type: g, Fields: fields}}
}

// syncBuffer is an io.Writer the test can read while the run writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type result struct {
	sum *Summary
	err error
	out string
}

// runUntil runs topo until done reports true (then stops it like Ctrl-C),
// or until timeout, which fails the test when done is not nil.
func runUntil(t *testing.T, topo *topology.Topology, dir string, opts Options, timeout time.Duration, done func() bool) result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	opts.ResourcesDir = dir
	opts.Out = &out
	ch := make(chan result, 1)
	go func() {
		sum, err := Run(ctx, topo, opts)
		ch <- result{sum: sum, err: err}
	}()
	deadline := time.After(timeout)
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case res := <-ch:
			res.out = out.String()
			return res
		case <-poll.C:
			if done != nil && done() {
				cancel()
				res := <-ch
				res.out = out.String()
				return res
			}
		case <-deadline:
			cancel()
			res := <-ch
			res.out = out.String()
			if done != nil {
				t.Fatalf("condition not reached within %s; output:\n%s", timeout, res.out)
			}
			return res
		}
	}
}

// record is one line a recording bolt wrote.
type record struct {
	Stream string `json:"stream"`
	Comp   string `json:"comp"`
	Task   int    `json:"task"`
	Values []any  `json:"values"`
}

// records reads what component comp's tasks recorded, by task id.
func records(t *testing.T, outdir, comp string) map[int][]record {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(outdir, comp+"-*.jsonl"))
	res := map[int][]record{}
	for _, f := range files {
		var task int
		base := strings.TrimSuffix(filepath.Base(f), ".jsonl")
		if _, err := fmtSscan(base[len(comp)+1:], &task); err != nil {
			continue
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var r record
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				res[task] = append(res[task], r)
			}
		}
		fh.Close()
	}
	return res
}

func countRecords(t *testing.T, outdir string, comps ...string) int {
	n := 0
	for _, c := range comps {
		for _, rs := range records(t, outdir, c) {
			n += len(rs)
		}
	}
	return n
}

func fmtSscan(s string, v *int) (int, error) { return fmt.Sscan(s, v) }

func fmtInt(n int) string { return fmt.Sprint(n) }
