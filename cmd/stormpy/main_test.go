package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// stormpyBin is the binary built once by TestMain for end-to-end tests.
var stormpyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stormpy-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stormpyBin = filepath.Join(dir, "stormpy")
	build := exec.Command("go", "build", "-o", stormpyBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build stormpy: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the built binary.
type result struct {
	stdout, stderr string
	code           int
}

// runBin runs the built binary with args in dir, with env added to a
// clean environment (no STORMPY_NIMBUS leaking in from the caller).
func runBin(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(stormpyBin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{stdout.String(), stderr.String(), code}
}
