package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// clusterRate submits the word count to a real Storm cluster with the
// stormpy binary and measures the count bolt's executed tuples per second
// from Nimbus's statistics, for comparison with the local runner.
func clusterRate(ctx context.Context, stormpy, spec, nimbus string, window time.Duration) (float64, error) {
	const name = "localrun-wordcount"
	run := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, stormpy, append(args, "--nimbus", nimbus)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("stormpy %s: %w: %s", args[0], err, errb.String())
		}
		return out.Bytes(), nil
	}
	// A topology left over from an interrupted run would make submit fail.
	_, _ = run("kill", name, "--wait", "0")
	time.Sleep(2 * time.Second)
	if _, err := run("submit", spec, "--name", name); err != nil {
		return 0, err
	}
	defer func() {
		kctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = exec.CommandContext(kctx, stormpy, "kill", name, "--wait", "0", "--nimbus", nimbus).Run()
	}()
	executed := func() (int64, bool, error) {
		b, err := run("info", name, "--json")
		if err != nil {
			return 0, false, err
		}
		var info struct {
			Components []struct {
				ID        string `json:"id"`
				Executors int    `json:"executors"`
				Reporting int    `json:"reporting"`
				Executed  int64  `json:"executed"`
			} `json:"components"`
		}
		if err := json.Unmarshal(b, &info); err != nil {
			return 0, false, fmt.Errorf("stormpy info --json: %w", err)
		}
		for _, c := range info.Components {
			if c.ID == "count" {
				return c.Executed, c.Executors > 0 && c.Reporting == c.Executors, nil
			}
		}
		return 0, false, nil
	}
	deadline := time.Now().Add(4 * time.Minute)
	for {
		n, ready, err := executed()
		if err != nil {
			return 0, err
		}
		if ready && n > 0 {
			break
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the word count did not start on the cluster within 4 minutes")
		}
		fmt.Fprintln(os.Stderr, "waiting for the word count to run on the cluster")
		time.Sleep(5 * time.Second)
	}
	time.Sleep(15 * time.Second) // past the workers' start-up
	n0, _, err := executed()
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	time.Sleep(window)
	n1, _, err := executed()
	if err != nil {
		return 0, err
	}
	return float64(n1-n0) / time.Since(t0).Seconds(), nil
}
