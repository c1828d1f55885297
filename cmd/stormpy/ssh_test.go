package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/stormpy/stormpy/pkg/nimbus/nimbustest"
	"github.com/stormpy/stormpy/pkg/sshtunnel/sshdtest"
)

// sshHome is a HOME for the stormpy binary whose ~/.ssh holds a key that
// the real sshd accepts and, when trusted, the sshd's host key.
type sshHome struct {
	dir string
	srv *sshdtest.Server
}

func startGateway(t *testing.T, cfg sshdtest.Config, trusted bool) *sshHome {
	t.Helper()
	sshdtest.Require(t)
	h := &sshHome{dir: t.TempDir()}
	os.MkdirAll(filepath.Join(h.dir, ".ssh"), 0o700)
	cfg.AuthorizedKeys = append(cfg.AuthorizedKeys, sshdtest.Keygen(t, filepath.Join(h.dir, ".ssh", "id_ed25519"), ""))
	h.srv = sshdtest.Start(t, cfg)
	if trusted {
		h.writeKnownHosts(t, h.srv.KnownHostsLine()+"\n")
	}
	return h
}

func (h *sshHome) writeKnownHosts(t *testing.T, s string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, ".ssh", "known_hosts"), []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (h *sshHome) env() []string { return []string{"HOME=" + h.dir} }

func (h *sshHome) flag() string { return "--ssh=" + h.srv.User + "@" + h.srv.Addr }

// throughGateway checks that sshd opened a direct-tcpip channel to addr,
// which proves the connection went through the gateway.
func (h *sshHome) throughGateway(t *testing.T, addr string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	want := fmt.Sprintf("target %s port %s", host, port)
	if !strings.Contains(h.srv.Log(), want) {
		t.Errorf("sshd log has no direct-tcpip channel to %s (%q)", addr, want)
	}
}

func TestCLIListAndKillThroughSSH(t *testing.T) {
	h := startGateway(t, sshdtest.Config{}, true)
	c := fakeWithTopology(t, nimbustest.Storm2)

	r := runBin(t, t.TempDir(), h.env(), "list", "--nimbus", c.Addr(0), h.flag(), "--verbose")
	if r.code != 0 || !strings.Contains(r.stdout, "wc") {
		t.Fatalf("list through ssh: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "connected to ssh gateway "+h.srv.User+"@"+h.srv.Addr) {
		t.Errorf("--verbose does not name the gateway:\n%s", r.stderr)
	}
	h.throughGateway(t, c.Addr(0))

	r = runBin(t, t.TempDir(), h.env(), "kill", "wc", "--wait", "0", "--until-gone", "--nimbus", c.Addr(0), h.flag())
	if r.code != 0 || !strings.Contains(r.stdout, "wc is gone") {
		t.Fatalf("kill through ssh: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if _, ok := c.Topology("wc"); ok {
		t.Error("topology still on the fake after kill through ssh")
	}
}

func TestCLISSHFromStormpyYaml(t *testing.T) {
	h := startGateway(t, sshdtest.Config{}, true)
	c := fakeWithTopology(t, nimbustest.Storm10)
	dir := t.TempDir()
	yaml := fmt.Sprintf("envs:\n  prod:\n    nimbus: [%s]\n    ssh: %s@%s\n    retries: 0\n", c.Addr(0), h.srv.User, h.srv.Addr)
	if err := os.WriteFile(filepath.Join(dir, "stormpy.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runBin(t, dir, h.env(), "deactivate", "wc", "--env", "prod"); r.code != 0 {
		t.Fatalf("deactivate with ssh from stormpy.yaml: %+v", r)
	}
	if tp, _ := c.Topology("wc"); tp.Status != "INACTIVE" {
		t.Errorf("status %s", tp.Status)
	}
	h.throughGateway(t, c.Addr(0))

	// --ssh wins over the file: a gateway that does not exist fails.
	r := runBin(t, dir, h.env(), "activate", "wc", "--env", "prod", "--ssh", "me@"+closedAddr(t))
	if r.code != 1 || !strings.Contains(r.stderr, "cannot reach ssh gateway") {
		t.Errorf("--ssh over the file: exit %d, stderr %s", r.code, r.stderr)
	}
}

func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestCLISSHHostKeyPolicy(t *testing.T) {
	h := startGateway(t, sshdtest.Config{}, false)
	c := fakeWithTopology(t, nimbustest.Storm2)
	fp := ssh.FingerprintSHA256(h.srv.HostKey)

	r := runBin(t, t.TempDir(), h.env(), "list", "--nimbus", c.Addr(0), h.flag())
	if r.code != 1 || !strings.Contains(r.stderr, fp) || !strings.Contains(r.stderr, "--accept-new-host-key") {
		t.Fatalf("unknown host: exit %d, stderr %s", r.code, r.stderr)
	}
	if strings.Count(r.stderr, fp) != 1 {
		t.Errorf("the refusal is repeated (once per seed or retry?):\n%s", r.stderr)
	}

	r = runBin(t, t.TempDir(), h.env(), "list", "--nimbus", c.Addr(0), h.flag(), "--accept-new-host-key")
	if r.code != 0 || !strings.Contains(r.stderr, "Permanently added") {
		t.Fatalf("--accept-new-host-key: exit %d, stderr %s", r.code, r.stderr)
	}
	if r := runBin(t, t.TempDir(), h.env(), "list", "--nimbus", c.Addr(0), h.flag()); r.code != 0 || r.stderr != "" {
		t.Fatalf("recorded host: %+v", r)
	}

	other := sshdtest.Keygen(t, filepath.Join(t.TempDir(), "k"), "")
	h.writeKnownHosts(t, fmt.Sprintf("[%s]:%d %s", h.srv.Host, h.srv.Port, ssh.MarshalAuthorizedKey(other)))
	r = runBin(t, t.TempDir(), h.env(), "list", "--nimbus", c.Addr(0), h.flag(), "--accept-new-host-key")
	if r.code != 1 || !strings.Contains(r.stderr, "REMOTE HOST IDENTIFICATION HAS CHANGED") || !strings.Contains(r.stderr, "ssh-keygen -R") {
		t.Fatalf("changed host key: exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestCLISSHFailures(t *testing.T) {
	c := fakeWithTopology(t, nimbustest.Storm2)

	noFwd := startGateway(t, sshdtest.Config{NoForwarding: true}, true)
	r := runBin(t, t.TempDir(), noFwd.env(), "list", "--nimbus", c.Addr(0), noFwd.flag(), "--retries", "0")
	if r.code != 1 || !strings.Contains(r.stderr, "refused to forward") {
		t.Errorf("forwarding disabled: exit %d, stderr %s", r.code, r.stderr)
	}
	t.Logf("forwarding disabled: %s", r.stderr)

	h := startGateway(t, sshdtest.Config{}, true)
	r = runBin(t, t.TempDir(), h.env(), "list", "--nimbus", closedAddr(t), h.flag(), "--retries", "0")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot reach "+"127.0.0.1") {
		t.Errorf("nimbus unreachable from the gateway: exit %d, stderr %s", r.code, r.stderr)
	}
	t.Logf("nimbus unreachable from the gateway: %s", r.stderr)

	// A failing gateway is reported as such, once, not as an unreachable Nimbus per seed.
	r = runBin(t, t.TempDir(), h.env(), "list", "--nimbus", c.Addr(0)+",other-seed", "--ssh", "nobody-here@"+h.srv.Addr)
	if r.code != 1 || !strings.Contains(r.stderr, "rejected authentication") || strings.Count(r.stderr, "rejected") != 1 ||
		strings.Contains(r.stderr, "Nimbus leader") {
		t.Errorf("unknown user: exit %d, stderr %s", r.code, r.stderr)
	}
	t.Logf("unknown user: %s", r.stderr)

	for _, bad := range []string{"user@", "host:99999", "::1"} {
		if r := runBin(t, t.TempDir(), h.env(), "list", "--nimbus", c.Addr(0), "--ssh", bad); r.code != 2 {
			t.Errorf("--ssh %q: exit %d, stderr %s; want usage error", bad, r.code, r.stderr)
		}
	}
}

func TestCLISubmitThroughSSH(t *testing.T) {
	h := startGateway(t, sshdtest.Config{}, true)
	c := startFake(t, nimbustest.Storm2)
	dir := copyProject(t)
	start := time.Now()
	r := runBin(t, dir, h.env(), "submit", "--nimbus", c.Addr(0), h.flag(), "--wait")
	if r.code != 0 || !strings.Contains(r.stdout, "wordcount is running") {
		t.Fatalf("submit through ssh: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	took := time.Since(start)
	tp, ok := c.Topology("wordcount")
	if !ok {
		t.Fatal("the fake has no topology")
	}
	jar, err := os.ReadFile(filepath.Join(dir, "target", "wordcount.jar"))
	if err != nil || !bytes.Equal(jar, tp.Jar) {
		t.Errorf("the jar uploaded through ssh differs from target/wordcount.jar (%v)", err)
	}
	h.throughGateway(t, c.Addr(0))
	t.Logf("packaged and submitted a %d-byte jar through sshd in %v", len(jar), took.Round(time.Millisecond))
}

func TestCLISubmitLargeJarThroughSSH(t *testing.T) {
	h := startGateway(t, sshdtest.Config{}, true)
	c := startFake(t, nimbustest.Storm2)
	dir := copyProject(t)
	jar := make([]byte, 4<<20)
	rand.Read(jar)
	jarPath := filepath.Join(t.TempDir(), "big.jar")
	if err := os.WriteFile(jarPath, jar, 0o644); err != nil {
		t.Fatal(err)
	}
	var took [2]time.Duration
	for i, via := range [][]string{nil, {h.flag()}} {
		name := fmt.Sprintf("big%d", i)
		args := append([]string{"submit", "--jar", jarPath, "--name", name, "--nimbus", c.Addr(0)}, via...)
		start := time.Now()
		if r := runBin(t, dir, h.env(), args...); r.code != 0 {
			t.Fatalf("submit %v: exit %d, stderr %s", via, r.code, r.stderr)
		}
		took[i] = time.Since(start)
		if tp, ok := c.Topology(name); !ok || !bytes.Equal(tp.Jar, jar) {
			t.Fatalf("submit %v: the fake got a different jar", via)
		}
	}
	t.Logf("4 MiB jar: direct %v, through sshd %v", took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
}

// The gateway is logged into only when a Nimbus call is due: a broken spec
// is reported without any SSH connection.
func TestCLISSHNotDialledForAnInvalidSpec(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "topology.yaml"), []byte("name: x\nspouts: []\nbolts: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	r := runBin(t, dir, nil, "submit", "--nimbus", "nimbus-host", "--ssh", "me@"+l.Addr().String())
	if r.code != 2 {
		t.Errorf("invalid spec with --ssh: exit %d, stderr %s; want 2", r.code, r.stderr)
	}
	select {
	case <-accepted:
		t.Error("stormpy connected to the gateway before finding the spec broken")
	default:
	}
}

// TestCLIPasswordAskedOnTerminal runs stormpy under script(1), which gives it
// a terminal, against a gateway that only takes a password: stormpy must ask
// on the terminal and get in.
func TestCLIPasswordAskedOnTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is missing")
	}
	sshdtest.Require(t)
	gw := sshdtest.Start(t, sshdtest.Config{PasswordUser: true})
	h := &sshHome{dir: t.TempDir(), srv: gw}
	os.MkdirAll(filepath.Join(h.dir, ".ssh"), 0o700)
	h.writeKnownHosts(t, gw.KnownHostsLine()+"\n")
	c := fakeWithTopology(t, nimbustest.Storm2)

	// A prompt nobody answers waits forever, as ssh's does; bound the test.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qec", stormpyBin+" list --nimbus "+c.Addr(0)+" --ssh "+gw.PassUser+"@"+gw.Addr, "/dev/null")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + h.dir}
	cmd.Stdin = strings.NewReader(gw.Password + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("list with a password typed on the terminal: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), gw.PassUser+"@"+gw.Host+"'s password:") || !strings.Contains(string(out), "wc") {
		t.Errorf("terminal showed:\n%s", out)
	}
}
