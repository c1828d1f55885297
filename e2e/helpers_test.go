package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Generous: a 2-core machine runs the cluster, its workers and the tests.
const (
	commandTimeout = 5 * time.Minute
	pollTimeout    = 4 * time.Minute
	pollInterval   = time.Second
)

// result is one finished stormpy run.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("stormpy %s: exit %d\nstdout:\n%s\nstderr:\n%s",
		strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// needCluster skips the test when the e2e stage is off.
func needCluster(t *testing.T) *cluster {
	t.Helper()
	if harness == nil {
		t.Skipf("%s is not set", envNimbus)
	}
	return harness
}

// run runs the stormpy binary in dir against the cluster's Nimbus and logs
// its exit status.
func (c *cluster) run(t *testing.T, dir string, args ...string) result {
	t.Helper()
	r := c.invoke(t, dir, args...)
	t.Logf("stormpy %s: exit %d", strings.Join(args, " "), r.code)
	return r
}

// invoke is run without the log line, for the commands polls repeat.
func (c *cluster) invoke(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "STORMPY_NIMBUS="+c.nimbus)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		r.code = exit.ExitCode()
	default:
		t.Fatalf("stormpy %s: %v (timeout %s)\n%s", strings.Join(args, " "), err, commandTimeout, r)
	}
	return r
}

// must runs stormpy and fails the test unless it exits 0.
func (c *cluster) must(t *testing.T, dir string, args ...string) result {
	t.Helper()
	r := c.run(t, dir, args...)
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	return r
}

// topology is the part of `stormpy list --json` / `info --json` the tests
// read; decoded independently of stormpy's own types, so the JSON contract
// itself is under test.
type topology struct {
	Name       string      `json:"name"`
	ID         string      `json:"id"`
	Status     string      `json:"status"`
	Workers    int         `json:"workers"`
	Executors  int         `json:"executors"`
	Components []component `json:"components"`
}

type component struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Emitted int64  `json:"emitted"`
	Acked   int64  `json:"acked"`
	Failed  int64  `json:"failed"`
	Errors  []struct {
		Error string `json:"error"`
	} `json:"errors"`
}

func (tp topology) component(id string) (component, bool) {
	for _, c := range tp.Components {
		if c.ID == id {
			return c, true
		}
	}
	return component{}, false
}

// componentErrors lists every error Nimbus holds for the topology.
func (tp topology) componentErrors() []string {
	var errs []string
	for _, c := range tp.Components {
		for _, e := range c.Errors {
			errs = append(errs, c.ID+": "+e.Error)
		}
	}
	return errs
}

// list returns the running topologies, by name.
func (c *cluster) list(t *testing.T) map[string]topology {
	t.Helper()
	r := c.invoke(t, t.TempDir(), "list", "--json")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	tops, err := decodeTopologies(r.stdout)
	if err != nil {
		t.Fatalf("list --json: %v\n%s", err, r)
	}
	m := make(map[string]topology, len(tops))
	for _, tp := range tops {
		m[tp.Name] = tp
	}
	return m
}

// decodeTopologies accepts a JSON array of topologies, an object holding
// one under "topologies", or one topology object per line.
func decodeTopologies(s string) ([]topology, error) {
	var out []topology
	dec := json.NewDecoder(strings.NewReader(s))
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		trimmed := bytes.TrimSpace(raw)
		switch {
		case bytes.HasPrefix(trimmed, []byte("[")):
			var tops []topology
			if err := json.Unmarshal(raw, &tops); err != nil {
				return nil, err
			}
			out = append(out, tops...)
		default:
			var wrapped struct {
				Topologies *[]topology `json:"topologies"`
			}
			if err := json.Unmarshal(raw, &wrapped); err == nil && wrapped.Topologies != nil {
				out = append(out, *wrapped.Topologies...)
				continue
			}
			var tp topology
			if err := json.Unmarshal(raw, &tp); err != nil {
				return nil, err
			}
			out = append(out, tp)
		}
	}
}

// info returns `stormpy info --json NAME`.
func (c *cluster) info(t *testing.T, name string) topology {
	t.Helper()
	r := c.invoke(t, t.TempDir(), "info", name, "--json")
	if r.code != 0 {
		t.Fatalf("want exit 0\n%s", r)
	}
	var tp topology
	if err := json.Unmarshal([]byte(r.stdout), &tp); err != nil {
		t.Fatalf("info --json: %v\n%s", err, r)
	}
	return tp
}

// eventually polls check until it reports done, failing the test with the
// last state it described when timeout passes.
func eventually(t *testing.T, what string, timeout time.Duration, check func() (done bool, state string)) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		done, state := check()
		if done {
			t.Logf("%s after %s", what, time.Since(start).Round(100*time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last state: %s", timeout, what, state)
		}
		time.Sleep(pollInterval)
	}
}

// killIfRunning removes a topology left by an earlier, interrupted run.
func (c *cluster) killIfRunning(t *testing.T, name string) {
	t.Helper()
	if _, ok := c.list(t)[name]; !ok {
		return
	}
	c.run(t, t.TempDir(), "kill", name, "--wait", "0")
	c.waitGone(t, name)
}

// waitGone polls `list` until name is no longer there.
func (c *cluster) waitGone(t *testing.T, name string) {
	t.Helper()
	eventually(t, name+" gone from list", pollTimeout, func() (bool, string) {
		tp, ok := c.list(t)[name]
		return !ok, fmt.Sprintf("%+v", tp)
	})
}

// lastLogged returns the number captured by re's last match in the
// worker logs of topology id, which the dev cluster keeps under
// logs/workers-artifacts/<id>/<port>/worker.log.
func (c *cluster) lastLogged(t *testing.T, id string, re *regexp.Regexp) (int, bool) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(c.logDir, "workers-artifacts", id, "*", "worker.log"))
	if err != nil {
		t.Fatalf("worker logs: %v", err)
	}
	n, found := 0, false
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("worker log: %v", err)
		}
		for _, m := range re.FindAllSubmatch(data, -1) {
			v, err := strconv.Atoi(string(m[1]))
			if err != nil {
				t.Fatalf("worker log %s: %v", f, err)
			}
			n, found = v, true
		}
	}
	return n, found
}

// copyProject copies a project tree into a fresh temporary directory, so
// that packaging writes its target/ there and never into the repository.
func copyProject(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "target" || d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return os.MkdirAll(to, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
}

// readLines returns a file's lines; a missing file has none.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	s := strings.TrimSuffix(string(data), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// tailFile writes the last n lines of path to w, long lines cut short
// (a worker's first lines hold its whole conf).
func tailFile(w io.Writer, path string, n int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ring := make([]string, 0, n)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if len(line) > 2000 {
			line = line[:2000] + " …"
		}
		if len(ring) == n {
			ring = append(ring[:0], ring[1:]...)
		}
		ring = append(ring, line)
	}
	for _, l := range ring {
		fmt.Fprintln(w, l)
	}
	return sc.Err()
}
