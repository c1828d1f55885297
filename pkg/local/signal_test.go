package local

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/topology"
)

// runnerEnv makes the test binary act as a runner process, so that the
// signal tests can kill a real, separate runner.
const runnerEnv = "STORMPY_LOCAL_TEST_RUNNER"

type runnerSpec struct {
	Topology *topology.Topology `json:"topology"`
	Dir      string             `json:"dir"`
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(runnerEnv); spec != "" {
		os.Exit(runnerMain(spec))
	}
	os.Exit(m.Run())
}

func runnerMain(specFile string) int {
	b, err := os.ReadFile(specFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var spec runnerSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := Run(ctx, spec.Topology, Options{ResourcesDir: spec.Dir, Out: os.Stdout})
	if sum != nil {
		_ = sum.Write(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// alive reports whether pid is a live process (zombies are dead).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestNoChildOutlivesTheRunner(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := resourcesDir(t)
			outdir := t.TempDir()
			topo := &topology.Topology{Name: "signals", Conf: map[string]any{"test.outdir": outdir}, Components: []*topology.Component{
				testSpout("spout", 2, map[string]any{"test.count": 1000000000, "test.reliable": true}),
				testBolt("fwd", 2, 3, map[string]any{"test.mode": "forward"}, in("spout", "default", topology.Shuffle)),
				testBolt("sink", 1, 2, nil, in("fwd", "default", topology.Fields, "key")),
				// A child that sleeps never sees its stdin close: only
				// the parent-death signal or the runner's kill stops it.
				testBolt("sleeper", 1, 1, map[string]any{"test.mode": "hang"}, in("spout", "default", topology.Global)),
			}}
			b, err := json.Marshal(runnerSpec{Topology: topo, Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			specFile := filepath.Join(t.TempDir(), "spec.json")
			if err := os.WriteFile(specFile, b, 0o644); err != nil {
				t.Fatal(err)
			}
			exe, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(exe)
			cmd.Env = append(os.Environ(), runnerEnv+"="+specFile)
			var out syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()

			const tasks = 8
			var pids []int
			deadline := time.Now().Add(60 * time.Second)
			for len(pids) < tasks {
				if time.Now().After(deadline) {
					t.Fatalf("only %d of %d children started; output:\n%s", len(pids), tasks, out.String())
				}
				time.Sleep(100 * time.Millisecond)
				pids = pids[:0]
				files, _ := filepath.Glob(filepath.Join(outdir, "pid-*"))
				for _, f := range files {
					b, _ := os.ReadFile(f)
					if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
						pids = append(pids, pid)
					}
				}
			}
			// Let tuples flow so that children are busy when the signal lands.
			time.Sleep(time.Second)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			if sig != syscall.SIGKILL {
				if err != nil {
					t.Errorf("runner exited with %v after %s; output:\n%s", err, sig, out.String())
				}
				if !strings.Contains(out.String(), "summary of \"signals\"") {
					t.Errorf("no summary after %s; output:\n%s", sig, out.String())
				}
			}
			deadline = time.Now().Add(5 * time.Second)
			for _, pid := range pids {
				for alive(pid) {
					if time.Now().After(deadline) {
						t.Fatalf("child pid %d outlived the runner after %s", pid, sig)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
}
