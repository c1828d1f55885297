package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/nimbus/nimbustest"
)

// TestCLIInterruptBlockedCall sends SIGINT while Nimbus sits on a call: the
// binary must return at once with exit 130.
func TestCLIInterruptBlockedCall(t *testing.T) {
	c := startFake(t, nimbustest.Storm2)
	c.Fail("getClusterInfo", nimbustest.Fault{Hang: true})
	cmd := exec.Command(stormpyBin, "list", "--nimbus", c.Addr(0))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the call is in flight.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(strings.Join(c.Calls(), " "), "getClusterInfo") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("getClusterInfo never called")
		}
		time.Sleep(10 * time.Millisecond)
	}
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	took := time.Since(sent)
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want 130; stderr %s", err, stderr.String())
	}
	if took > 2*time.Second {
		t.Errorf("took %s to stop after SIGINT", took)
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// TestRunInterrupted stops `stormpy run` with SIGINT once the topology is
// flowing: the summary is printed, the exit status is 130, and no Python
// child is left behind.
func TestRunInterrupted(t *testing.T) {
	dir := copyTree(t, filepath.Join("..", "..", "examples", "wordcount"))
	cmd := exec.Command(stormpyBin, "run", dir)
	var stdout lockedBuffer
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the count bolts report, so the topology is flowing.
	deadline := time.Now().Add(90 * time.Second)
	for {
		if strings.Contains(stdout.String(), "top 5 after") {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("children never started; stderr %s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want 130; stderr %s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), `summary of "wordcount"`) {
		t.Errorf("no summary on stdout:\n%s", stdout.String())
	}
	if out, _ := exec.Command("pgrep", "-P", strconv.Itoa(cmd.Process.Pid)).Output(); len(out) > 0 {
		t.Errorf("children outlived the runner: %s", out)
	}
}

// lockedBuffer is a bytes.Buffer a test may read while a child writes it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
