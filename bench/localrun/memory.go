package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// memory runs the pending topology with the stormpy binary and samples the
// runner process's resident memory (its children are separate processes),
// returning the peak and the trees in flight at the end.
func memory(ctx context.Context, stormpy, spec string) (int64, int, error) {
	cmd := exec.CommandContext(ctx, stormpy, "run", spec, "--duration", "15s")
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
