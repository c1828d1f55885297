package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
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
