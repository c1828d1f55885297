package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// memory runs the pending topology with the stormpy binary and samples the
// runner process's resident memory (its children are separate processes),
// returning the peak and the trees in flight at the end. The topology's
// spout is the word count's, copied in beside its own bolt.
func memory(ctx context.Context, stormpy, spec, spout string) (int64, int, error) {
	dir, err := os.MkdirTemp("", "stormpy-bench-pending-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	for src, dst := range map[string]string{
		spec: "topology.yaml",
		filepath.Join(filepath.Dir(spec), "resources", "hold_bolt.py"): "resources/hold_bolt.py",
		spout: "resources/sentence_spout.py",
	} {
		if err := copyFile(src, filepath.Join(dir, dst)); err != nil {
			return 0, 0, err
		}
	}
	cmd := exec.CommandContext(ctx, stormpy, "run", filepath.Join(dir, "topology.yaml"), "--duration", "15s")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var peak int64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return 0, 0, fmt.Errorf("%s run %s: %w\n%s", stormpy, spec, err, out.String())
			}
			m := regexp.MustCompile(`(\d+) tuple trees in flight at the end`).FindStringSubmatch(out.String())
			if m == nil {
				return 0, 0, fmt.Errorf("no summary in the output:\n%s", out.String())
			}
			n, _ := strconv.Atoi(m[1])
			return peak, n, nil
		case <-tick.C:
			if rss := rssBytes(cmd.Process.Pid); rss > peak {
				peak = rss
			}
		}
	}
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

func rssBytes(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
