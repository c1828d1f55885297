package sshtunnel_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/stormpy/stormpy/pkg/sshtunnel"
	"github.com/stormpy/stormpy/pkg/sshtunnel/sshdtest"
)

// home is a fake user home with its own ~/.ssh, so tests never touch the
// real one, and the system-wide ssh files are pointed at nothing.
type home struct {
	dir   string
	files sshtunnel.Files
}

func newHome(t *testing.T) *home {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	return &home{dir: dir, files: sshtunnel.Files{
		Home:             dir,
		SystemConfig:     filepath.Join(dir, "no-system-config"),
		GlobalKnownHosts: filepath.Join(dir, "no-global-known-hosts"),
	}}
}

func (h *home) path(rel string) string { return filepath.Join(h.dir, ".ssh", rel) }

func (h *home) write(t *testing.T, rel, content string) {
	t.Helper()
	if err := os.WriteFile(h.path(rel), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (h *home) read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(h.path(rel))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

func (h *home) trust(t *testing.T, s *sshdtest.Server) {
	t.Helper()
	h.write(t, "known_hosts", s.KnownHostsLine()+"\n")
}

func (h *home) options(gateway string) sshtunnel.Options {
	return sshtunnel.Options{Gateway: gateway, Files: h.files, LocalUser: "nobody-in-particular"}
}

// keyServer starts sshd authorizing a fresh key stored as ~/.ssh/id_ed25519.
func keyServer(t *testing.T, cfg sshdtest.Config) (*sshdtest.Server, *home) {
	t.Helper()
	sshdtest.Require(t)
	h := newHome(t)
	cfg.AuthorizedKeys = append(cfg.AuthorizedKeys, sshdtest.Keygen(t, h.path("id_ed25519"), ""))
	s := sshdtest.Start(t, cfg)
	h.trust(t, s)
	return s, h
}

func dial(t *testing.T, opts sshtunnel.Options) *sshtunnel.Tunnel {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tun, err := sshtunnel.Dial(ctx, opts)
	if err != nil {
		t.Fatalf("Dial(%s): %v", opts.Gateway, err)
	}
	t.Cleanup(func() { tun.Close() })
	return tun
}

// echoServer echoes every connection until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// roundTrip pushes n random bytes through the tunnel to the echo server and
// checks they come back unchanged.
func roundTrip(t *testing.T, tun *sshtunnel.Tunnel, target string, n int) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := tun.DialContext(ctx, "tcp", target)
	if err != nil {
		t.Fatalf("DialContext(%s): %v", target, err)
	}
	defer c.Close()
	if c.RemoteAddr().String() != target {
		t.Errorf("RemoteAddr %s, want %s", c.RemoteAddr(), target)
	}
	data := make([]byte, n)
	rand.Read(data)
	start := time.Now()
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		errc <- err
	}()
	got := make([]byte, n)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read back: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("data came back changed")
	}
	return time.Since(start)
}

func TestKeyAuthTunnelsData(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{})
	tun := dial(t, h.options(s.User+"@"+s.Addr))
	echo := echoServer(t)
	const n = 8 << 20
	d := roundTrip(t, tun, echo, n)
	t.Logf("echoed %d MiB through sshd in %v (%.1f MiB/s each way)", n>>20, d, float64(n>>20)/d.Seconds())

	// Several channels share the one SSH connection.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { roundTrip(t, tun, echo, 64<<10) })
	}
	wg.Wait()
}

func TestTunnelConnSupportsDeadlines(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{})
	tun := dial(t, h.options(s.User+"@"+s.Addr))
	c, err := tun.DialContext(context.Background(), "tcp", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read with nothing to read: %v, want a timeout", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("deadline took %v", time.Since(start))
	}
}

func TestSSHConfigAliasHostNamePortUserIdentityFile(t *testing.T) {
	sshdtest.Require(t)
	h := newHome(t)
	keyPath := filepath.Join(h.dir, "keys", "gateway key")
	os.MkdirAll(filepath.Dir(keyPath), 0o700)
	s := sshdtest.Start(t, sshdtest.Config{AuthorizedKeys: []ssh.PublicKey{sshdtest.Keygen(t, keyPath, "")}})
	h.trust(t, s)
	h.write(t, "config", fmt.Sprintf("Host gw\n  HostName %s\n  Port %d\n  User %s\n  IdentityFile \"~/keys/gateway key\"\n", s.Host, s.Port, s.User))
	tun := dial(t, h.options("gw"))
	if want := s.User + "@" + s.Addr; tun.String() != want {
		t.Errorf("tunnel to %s, want %s", tun, want)
	}
	roundTrip(t, tun, echoServer(t), 1024)
}

// scripted answers prompts from a list and records the questions.
type scripted struct {
	mu      sync.Mutex
	answers []string
	asked   []string
}

func (p *scripted) Prompt(_ context.Context, prompt string, _ bool) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, prompt)
	if len(p.answers) == 0 {
		return "", sshtunnel.ErrNoTerminal
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	return a, nil
}

func TestEncryptedKeyAsksForPassphrase(t *testing.T) {
	sshdtest.Require(t)
	h := newHome(t)
	pub := sshdtest.Keygen(t, h.path("id_ed25519"), "correct horse")
	s := sshdtest.Start(t, sshdtest.Config{AuthorizedKeys: []ssh.PublicKey{pub}})
	h.trust(t, s)

	opts := h.options(s.User + "@" + s.Addr)
	p := &scripted{answers: []string{"wrong", "correct horse"}}
	opts.Prompter = p
	tun := dial(t, opts)
	roundTrip(t, tun, echoServer(t), 1024)
	if len(p.asked) != 2 || !strings.Contains(p.asked[0], h.path("id_ed25519")) {
		t.Errorf("prompts %q, want two passphrase prompts naming the key", p.asked)
	}

	// Without a terminal the error says how to proceed.
	opts.Prompter = nil
	_, err := sshtunnel.Dial(context.Background(), opts)
	if !errors.Is(err, sshtunnel.ErrAuthRejected) || !strings.Contains(err.Error(), "ssh-add") {
		t.Fatalf("encrypted key without prompter: %v", err)
	}
}

func TestEncryptedKeyNotAskedWhenGatewayDoesNotWantIt(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{})
	// An encrypted key the server does not know, tried first (OpenSSH order: rsa, ecdsa, ed25519).
	sshdtest.Keygen(t, h.path("id_ecdsa"), "secret")
	opts := h.options(s.User + "@" + s.Addr)
	p := &scripted{}
	opts.Prompter = p
	dial(t, opts)
	if len(p.asked) != 0 {
		t.Errorf("asked %q for a key the gateway never accepted", p.asked)
	}
}

func TestAgentKeys(t *testing.T) {
	sshdtest.Require(t)
	h := newHome(t)
	keyPath := filepath.Join(h.dir, "agent-only")
	s := sshdtest.Start(t, sshdtest.Config{AuthorizedKeys: []ssh.PublicKey{sshdtest.Keygen(t, keyPath, "")}})
	h.trust(t, s)

	sock := filepath.Join(t.TempDir(), "agent.sock")
	agentCmd := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agentCmd.Start(); err != nil {
		t.Fatalf("ssh-agent: %v", err)
	}
	t.Cleanup(func() { agentCmd.Process.Kill(); agentCmd.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i > 100 {
			t.Fatal("ssh-agent socket never appeared")
		}
		time.Sleep(20 * time.Millisecond)
	}
	add := exec.Command("ssh-add", keyPath)
	add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("ssh-add: %v\n%s", err, out)
	}

	opts := h.options(s.User + "@" + s.Addr)
	_, err := sshtunnel.Dial(context.Background(), opts)
	if !errors.Is(err, sshtunnel.ErrAuthRejected) {
		t.Fatalf("without the agent: %v, want auth rejected", err)
	}
	opts.AgentSocket = sock
	roundTrip(t, dial(t, opts), echoServer(t), 1024)
}

func TestPasswordAuth(t *testing.T) {
	sshdtest.Require(t)
	h := newHome(t)
	s := sshdtest.Start(t, sshdtest.Config{PasswordUser: true})
	h.trust(t, s)
	opts := h.options(s.PassUser + "@" + s.Addr)

	p := &scripted{answers: []string{s.Password}}
	opts.Prompter = p
	roundTrip(t, dial(t, opts), echoServer(t), 1024)
	if want := s.PassUser + "@" + s.Host + "'s password: "; len(p.asked) != 1 || p.asked[0] != want {
		t.Errorf("prompts %q, want [%q]", p.asked, want)
	}

	opts.Prompter = &scripted{answers: []string{"no", "nope", "never"}}
	_, err := sshtunnel.Dial(context.Background(), opts)
	if !errors.Is(err, sshtunnel.ErrAuthRejected) || !strings.Contains(err.Error(), "password (3 times)") {
		t.Fatalf("wrong passwords: %v", err)
	}
	t.Logf("wrong passwords: %v", err)
}

func TestKeyboardInteractiveAuth(t *testing.T) {
	sshdtest.Require(t)
	h := newHome(t)
	s := sshdtest.Start(t, sshdtest.Config{KeyboardInteractive: true})
	h.trust(t, s)
	opts := h.options(s.PassUser + "@" + s.Addr)
	p := &scripted{answers: []string{s.Password}}
	opts.Prompter = p
	roundTrip(t, dial(t, opts), echoServer(t), 1024)
	if len(p.asked) != 1 || !strings.Contains(strings.ToLower(p.asked[0]), "password") {
		t.Errorf("prompts %q, want one PAM password question", p.asked)
	}
}

func TestAuthRejectedListsWhatWasTried(t *testing.T) {
	sshdtest.Require(t)
	h := newHome(t)
	other := newHome(t)
	s := sshdtest.Start(t, sshdtest.Config{AuthorizedKeys: []ssh.PublicKey{sshdtest.Keygen(t, other.path("id_ed25519"), "")}})
	h.trust(t, s)
	pub := sshdtest.Keygen(t, h.path("id_rsa"), "")
	_, err := sshtunnel.Dial(context.Background(), h.options(s.User+"@"+s.Addr))
	if !errors.Is(err, sshtunnel.ErrAuthRejected) {
		t.Fatalf("unauthorized key: %v, want auth rejected", err)
	}
	for _, want := range []string{h.path("id_rsa"), ssh.FingerprintSHA256(pub), `user "` + s.User + `"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	t.Logf("auth rejected: %v", err)
}

func TestUnknownHostKeyRefusedThenAcceptedAndRecorded(t *testing.T) {
	for _, hashed := range []bool{false, true} {
		t.Run(fmt.Sprintf("hashed=%v", hashed), func(t *testing.T) {
			s, h := keyServer(t, sshdtest.Config{})
			h.write(t, "known_hosts", "# nothing known yet")
			if hashed {
				h.write(t, "config", "Host *\n  HashKnownHosts yes\n")
			}
			opts := h.options(s.User + "@" + s.Addr)
			_, err := sshtunnel.Dial(context.Background(), opts)
			if !errors.Is(err, sshtunnel.ErrHostKeyUnknown) {
				t.Fatalf("unknown host: %v", err)
			}
			for _, want := range []string{ssh.FingerprintSHA256(s.HostKey), "--accept-new-host-key", "[127.0.0.1]:"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q:\n%v", want, err)
				}
			}
			if got := h.read(t, "known_hosts"); got != "# nothing known yet" {
				t.Fatalf("refusal changed known_hosts: %q", got)
			}

			var notices bytes.Buffer
			opts.AcceptNewHostKey = true
			opts.Notices = &notices
			roundTrip(t, dial(t, opts), echoServer(t), 1024)
			if !strings.Contains(notices.String(), "Permanently added") {
				t.Errorf("notices %q", notices.String())
			}
			kh := h.read(t, "known_hosts")
			lines := strings.Split(strings.TrimSpace(kh), "\n")
			if len(lines) != 2 {
				t.Fatalf("known_hosts:\n%s", kh)
			}
			if hashed != strings.HasPrefix(lines[1], "|1|") || strings.Contains(lines[1], "127.0.0.1") == hashed {
				t.Errorf("recorded line %q, hashed=%v", lines[1], hashed)
			}

			// OpenSSH itself accepts what was recorded.
			out, err := exec.Command("ssh-keygen", "-F", fmt.Sprintf("[%s]:%d", s.Host, s.Port), "-f", h.path("known_hosts")).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "found") {
				t.Errorf("ssh-keygen -F does not find the recorded key: %v\n%s", err, out)
			}

			// Known now: no flag needed, nothing recorded twice.
			opts.AcceptNewHostKey = false
			dial(t, opts)
			if again := h.read(t, "known_hosts"); again != kh {
				t.Errorf("known_hosts changed on the second connection:\n%s", again)
			}
		})
	}
}

func TestChangedHostKeyRefusedEvenWithAcceptFlag(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{})
	impostor := sshdtest.Keygen(t, filepath.Join(t.TempDir(), "old_host_key"), "")
	old := fmt.Sprintf("[%s]:%d %s", s.Host, s.Port, ssh.MarshalAuthorizedKey(impostor))
	h.write(t, "known_hosts", old)
	for _, accept := range []bool{false, true} {
		var notices bytes.Buffer
		opts := h.options(s.User + "@" + s.Addr)
		opts.AcceptNewHostKey = accept
		opts.Notices = &notices
		_, err := sshtunnel.Dial(context.Background(), opts)
		if !errors.Is(err, sshtunnel.ErrHostKeyChanged) {
			t.Fatalf("accept=%v: %v, want host key changed", accept, err)
		}
		for _, want := range []string{"CHANGED", ssh.FingerprintSHA256(s.HostKey), ssh.FingerprintSHA256(impostor), "ssh-keygen -R"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not mention %q:\n%v", want, err)
			}
		}
		if !strings.Contains(notices.String(), "REMOTE HOST IDENTIFICATION HAS CHANGED") {
			t.Errorf("no loud warning: %q", notices.String())
		}
		if got := h.read(t, "known_hosts"); got != old {
			t.Errorf("known_hosts changed:\n%s", got)
		}
	}
}

func TestForwardingDisabledOnGateway(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{NoForwarding: true})
	tun := dial(t, h.options(s.User+"@"+s.Addr))
	_, err := tun.DialContext(context.Background(), "tcp", echoServer(t))
	if !errors.Is(err, sshtunnel.ErrForwardingRefused) || !strings.Contains(err.Error(), "AllowTcpForwarding") {
		t.Fatalf("forwarding disabled: %v", err)
	}
	t.Logf("forwarding disabled: %v", err)
}

func TestTargetUnreachableFromGateway(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{})
	tun := dial(t, h.options(s.User+"@"+s.Addr))
	for _, target := range []string{closedPort(t), "no-such-nimbus.invalid:6627"} {
		_, err := tun.DialContext(context.Background(), "tcp", target)
		if !errors.Is(err, sshtunnel.ErrTargetUnreachable) || !strings.Contains(err.Error(), target) {
			t.Fatalf("target %s: %v", target, err)
		}
		t.Logf("target %s: %v", target, err)
	}
	// The tunnel survives a refused channel.
	roundTrip(t, tun, echoServer(t), 1024)
}

func TestGatewayUnreachable(t *testing.T) {
	h := newHome(t)
	_, err := sshtunnel.Dial(context.Background(), h.options("me@"+closedPort(t)))
	if !errors.Is(err, sshtunnel.ErrGatewayUnreachable) {
		t.Fatalf("closed port: %v", err)
	}
}

func TestNotAnSSHServer(t *testing.T) {
	h := newHome(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n")
			c.Close()
		}
	}()
	_, err = sshtunnel.Dial(context.Background(), h.options("me@"+l.Addr().String()))
	if !errors.Is(err, sshtunnel.ErrGatewayUnreachable) || !strings.Contains(err.Error(), "SSH server") {
		t.Fatalf("not ssh: %v", err)
	}
}

func TestDialHonoursContext(t *testing.T) {
	h := newHome(t)
	// A server that accepts and then says nothing: only the context ends the wait.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = sshtunnel.Dial(ctx, h.options("me@"+l.Addr().String()))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("silent server: %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Dial took %v after its context ended", d)
	}

	s, hh := keyServer(t, sshdtest.Config{})
	tun := dial(t, hh.options(s.User+"@"+s.Addr))
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := tun.DialContext(cancelled, "tcp", echoServer(t)); !errors.Is(err, context.Canceled) {
		t.Fatalf("DialContext with a cancelled context: %v", err)
	}
}

// blackhole forwards to addr until frozen, then silently drops all traffic
// both ways, like a network path that died without a reset.
type blackhole struct {
	addr   string
	mu     sync.Mutex
	frozen bool
}

func (b *blackhole) freeze() {
	b.mu.Lock()
	b.frozen = true
	b.mu.Unlock()
}

func (b *blackhole) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		b.mu.Lock()
		frozen := b.frozen
		b.mu.Unlock()
		if !frozen {
			dst.Write(buf[:n])
		}
	}
}

func startBlackhole(t *testing.T, target string) (*blackhole, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	b := &blackhole{addr: target}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); up.Close() })
			go b.pipe(up, c)
			go b.pipe(c, up)
		}
	}()
	return b, l.Addr().String()
}

func TestServerAliveIntervalDropsDeadGateway(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{})
	hole, addr := startBlackhole(t, s.Addr)
	_, port, _ := net.SplitHostPort(addr)
	h.write(t, "known_hosts", strings.Replace(s.KnownHostsLine(), fmt.Sprint(s.Port), port, 1)+"\n")
	h.write(t, "config", "Host *\n  ServerAliveInterval 1\n  ServerAliveCountMax 2\n")
	tun := dial(t, h.options(s.User+"@"+addr))
	c, err := tun.DialContext(context.Background(), "tcp", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hole.freeze()
	start := time.Now()
	readErr := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		readErr <- err
	}()
	select {
	case err := <-readErr:
		if err == nil {
			t.Fatal("read succeeded through a dead gateway")
		}
		t.Logf("dead gateway noticed after %v: %v", time.Since(start).Round(100*time.Millisecond), err)
	case <-time.After(15 * time.Second):
		t.Fatal("a read through a dead gateway still hangs after 15s")
	}
}

func TestUserKnownHostsFileAndUnparsableConfig(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{})
	h.write(t, "known_hosts", "")
	h.write(t, "config", "Host *\n  UserKnownHostsFile ~/.ssh/team_known_hosts\n")
	opts := h.options(s.User + "@" + s.Addr)
	opts.AcceptNewHostKey = true
	dial(t, opts)
	if got := h.read(t, "team_known_hosts"); !strings.Contains(got, "[127.0.0.1]:") || h.read(t, "known_hosts") != "" {
		t.Errorf("key recorded in the wrong file: team_known_hosts %q, known_hosts %q", got, h.read(t, "known_hosts"))
	}

	// A config the library cannot read is ignored with a warning, not fatal.
	h.write(t, "config", "Match exec \"true\"\n  User nobody\n")
	var notices bytes.Buffer
	opts.Notices = &notices
	dial(t, opts)
	if !strings.Contains(notices.String(), "ignoring ssh config") {
		t.Errorf("no warning for an unreadable config: %q", notices.String())
	}
}

// A server with several host keys must be asked for the one known_hosts
// has, as OpenSSH does; otherwise a known server looks changed.
func TestKnownKeyTypeIsPreferred(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{MoreHostKeys: []string{"rsa", "ecdsa"}})
	echo := echoServer(t)
	for _, known := range []string{"rsa", "ecdsa", "ed25519"} {
		h.write(t, "known_hosts", fmt.Sprintf("[%s]:%d %s", s.Host, s.Port, ssh.MarshalAuthorizedKey(s.HostKeys[known])))
		tun := dial(t, h.options(s.User+"@"+s.Addr))
		roundTrip(t, tun, echo, 1024)
		tun.Close()
	}
}

// An encrypted key whose public half is unknown (old PEM format, no .pub)
// has to be unlocked before it can be offered; without a terminal it is
// skipped, and the next key still logs in.
func TestEncryptedPEMKeyWithoutPubIsSkippedWithoutTerminal(t *testing.T) {
	s, h := keyServer(t, sshdtest.Config{})
	pem := h.path("id_ecdsa")
	if out, err := exec.Command("ssh-keygen", "-q", "-m", "PEM", "-t", "ecdsa", "-N", "secret", "-f", pem).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	os.Remove(pem + ".pub")
	dial(t, h.options(s.User+"@"+s.Addr))

	// With a prompter it is unlocked (and offered, though this gateway does not want it).
	opts := h.options(s.User + "@" + s.Addr)
	p := &scripted{answers: []string{"secret"}}
	opts.Prompter = p
	dial(t, opts)
	if len(p.asked) != 1 || !strings.Contains(p.asked[0], pem) {
		t.Errorf("prompts %q", p.asked)
	}
}
