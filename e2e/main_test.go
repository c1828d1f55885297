// Package e2e runs the real stormpy binary against a real Apache Storm
// cluster: ZooKeeper, Nimbus and a Supervisor whose workers run our Python
// components (scripts/storm-dev-cluster; `make test` starts it).
//
// The tests read the cluster's address from STORMPY_E2E_NIMBUS. Without it
// they skip, so `go test ./...` works on a machine with no cluster; with it,
// an unreachable cluster is a failure. On any failure the logs of every
// daemon and worker are printed.
package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

const (
	envNimbus     = "STORMPY_E2E_NIMBUS"
	envClusterDir = "STORMPY_E2E_CLUSTER_DIR"
)

// harness is what TestMain prepared; nil when the e2e stage is skipped.
var harness *cluster

// cluster describes the running cluster and the binary under test.
type cluster struct {
	nimbus string // host:port
	bin    string // the stormpy binary built for this run
	root   string // repository root
	logDir string // where the dev cluster keeps daemon and worker logs
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	addr := os.Getenv(envNimbus)
	if addr == "" {
		fmt.Fprintf(os.Stderr, "e2e: %s is not set, skipping the end-to-end tests (make test starts a cluster and sets it)\n", envNimbus)
		return m.Run()
	}
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "stormpy-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	c := &cluster{nimbus: addr, bin: filepath.Join(tmp, "stormpy"), root: root, logDir: clusterLogDir(root)}
	if err := buildBinary(c.root, c.bin); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	if err := reachable(addr); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %s=%s is set but Nimbus does not answer: %v\n"+
			"start the cluster with scripts/storm-dev-cluster start, or unset %s to skip\n",
			envNimbus, addr, err, envNimbus)
		dumpLogs(os.Stderr, c.logDir)
		return 1
	}
	harness = c
	code := m.Run()
	if code != 0 {
		dumpLogs(os.Stderr, c.logDir)
	}
	return code
}

// clusterLogDir finds the dev cluster's logs: the state directory the
// cluster script exported, else its default place in the repository.
func clusterLogDir(root string) string {
	if d := os.Getenv(envClusterDir); d != "" {
		return filepath.Join(d, "logs")
	}
	return filepath.Join(root, ".dev-cluster", "logs")
}

// buildBinary builds the real CLI the way `make build` does, into dst.
func buildBinary(root, dst string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", dst, "./cmd/stormpy")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("build stormpy: %w\n%s", err, out)
	}
	return nil
}

// reachable waits briefly for Nimbus's Thrift port to accept connections.
func reachable(addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Second)
	}
}

// dumpLogs prints the tail of every daemon and worker log under dir.
func dumpLogs(w io.Writer, dir string) {
	fmt.Fprintf(w, "\n===== cluster logs under %s =====\n", dir)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch filepath.Ext(path) {
		case ".log", ".out", ".err":
		default:
			return nil
		}
		fmt.Fprintf(w, "\n===== %s (last 150 lines) =====\n", path)
		if err := tailFile(w, path, 150); err != nil {
			fmt.Fprintf(w, "(cannot read: %v)\n", err)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintf(w, "(cannot list logs: %v)\n", err)
	}
}
