// Package sshdtest runs a real OpenSSH server (Debian's openssh-server) on a
// loopback port for tests, with its own host key, authorized_keys and config.
package sshdtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Binary is where Debian installs sshd.
const Binary = "/usr/sbin/sshd"

// Require skips t when sshd is missing, unless the environment demands a
// real sshd (CI set, or STORMPY_REQUIRE_SSHD=1): then it fails.
func Require(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Binary); err == nil {
		return
	}
	if os.Getenv("CI") != "" || os.Getenv("STORMPY_REQUIRE_SSHD") == "1" {
		t.Fatalf("%s is missing and CI or STORMPY_REQUIRE_SSHD=1 demands it; install openssh-server", Binary)
	}
	t.Skipf("%s is missing; install openssh-server to run the ssh tests", Binary)
}

// Config shapes the server.
type Config struct {
	// AuthorizedKeys may log in as the current user (root runs as root).
	AuthorizedKeys []ssh.PublicKey
	// NoForwarding sets AllowTcpForwarding no.
	NoForwarding bool
	// PasswordUser creates a throwaway local account with a random password
	// (needs root) and enables password authentication; the account has no
	// home and no login shell, and is deleted when the test ends.
	PasswordUser bool
	// KeyboardInteractive enables keyboard-interactive through PAM (needs
	// root) and disables plain password authentication.
	KeyboardInteractive bool
	// MoreHostKeys are ssh-keygen types ("rsa", "ecdsa") of host keys the
	// server has besides its ed25519 one, as real servers do.
	MoreHostKeys []string
}

// Server is a running sshd.
type Server struct {
	Addr     string // 127.0.0.1:port
	Host     string
	Port     int
	HostKey  ssh.PublicKey            // the ed25519 host key
	HostKeys map[string]ssh.PublicKey // every host key by ssh-keygen type
	User     string                   // the account AuthorizedKeys log in as
	Password string                   // PasswordUser's password
	PassUser string                   // PasswordUser's name
	Dir      string

	mu  sync.Mutex
	log strings.Builder
}

// Log returns what sshd printed so far.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Start runs sshd until the test ends. Its log is attached to a failing test.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	Require(t)
	dir := t.TempDir()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	root := os.Getuid() == 0
	if (cfg.PasswordUser || cfg.KeyboardInteractive) && !root {
		t.Skip("password and keyboard-interactive tests need root to create a throwaway account")
	}
	s := &Server{Host: "127.0.0.1", User: me.Username, Dir: dir}
	s.HostKeys = map[string]ssh.PublicKey{}
	var hostKeyLines []string
	for _, typ := range append([]string{"ed25519"}, cfg.MoreHostKeys...) {
		path := filepath.Join(dir, "ssh_host_"+typ+"_key")
		s.HostKeys[typ] = KeygenType(t, typ, path, "")
		hostKeyLines = append(hostKeyLines, "HostKey "+path)
	}
	s.HostKey = s.HostKeys["ed25519"]

	var auth strings.Builder
	for _, k := range cfg.AuthorizedKeys {
		auth.Write(ssh.MarshalAuthorizedKey(k))
	}
	authPath := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authPath, []byte(auth.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	users := []string{s.User}
	if cfg.PasswordUser || cfg.KeyboardInteractive {
		s.PassUser, s.Password = createUser(t)
		users = append(users, s.PassUser)
	}
	if root {
		// Debian's sshd refuses to start as root without this directory.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.Port = freePort(t)
	s.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	conf := strings.Join([]string{
		"Port " + strconv.Itoa(s.Port),
		"ListenAddress " + s.Host,
		strings.Join(hostKeyLines, "\n"),
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"AuthorizedKeysFile " + authPath,
		"StrictModes no",
		"PermitRootLogin yes",
		"UsePAM " + yesNo(cfg.KeyboardInteractive),
		"PubkeyAuthentication yes",
		"PasswordAuthentication " + yesNo(cfg.PasswordUser),
		"KbdInteractiveAuthentication " + yesNo(cfg.KeyboardInteractive),
		"AllowTcpForwarding " + yesNo(!cfg.NoForwarding),
		"AllowUsers " + strings.Join(users, " "),
		"PermitTTY no",
		"X11Forwarding no",
		"PrintMotd no",
		"LogLevel DEBUG1", // logs each direct-tcpip target, which tests check
		"",
	}, "\n")
	confPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, Binary, "-D", "-e", "-f", confPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	listening := make(chan struct{})
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			if strings.Contains(line, "Server listening on") {
				once.Do(func() { close(listening) })
			}
		}
	}()
	exited := make(chan error, 1)
	go func() {
		<-logDone
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("sshd log:\n%s", s.Log())
		}
	})
	select {
	case <-listening:
	case err := <-exited:
		exited <- err
		t.Fatalf("sshd exited before listening: %v\n%s", err, s.Log())
	case <-time.After(15 * time.Second):
		t.Fatalf("sshd did not listen within 15s\n%s", s.Log())
	}
	return s
}

// Keygen writes a new ed25519 key pair at path (and path.pub) with ssh-keygen,
// encrypted when passphrase is not empty, and returns its public key.
func Keygen(t testing.TB, path, passphrase string) ssh.PublicKey {
	t.Helper()
	return KeygenType(t, "ed25519", path, passphrase)
}

// KeygenType is Keygen for another key type ("rsa", "ecdsa").
func KeygenType(t testing.TB, typ, path, passphrase string) ssh.PublicKey {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-q", "-t", typ, "-N", passphrase, "-C", "stormpy-test", "-f", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// createUser adds a throwaway account that can authenticate with a
// password but has no home and no shell, and deletes it when the test ends.
func createUser(t testing.TB) (name, password string) {
	t.Helper()
	removeOrphanUsers(t)
	name = userPrefix + randomHex(t, 4)
	password = randomHex(t, 16)
	comment := fmt.Sprintf("%s%d, safe to delete", commentPrefix, os.Getpid())
	if out, err := exec.Command("useradd", "--no-create-home", "--home-dir", "/nonexistent",
		"--shell", "/usr/sbin/nologin", "--comment", comment, name).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v\n%s", name, err, out)
		}
	})
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(name + ":" + password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v\n%s", err, out)
	}
	return name, password
}

const (
	userPrefix    = "stormpy-sshtest-"
	commentPrefix = "stormpy ssh test pid "
)

// removeOrphanUsers deletes accounts left by a test process that was killed
// before its cleanup ran; the creator's pid is in the comment field.
func removeOrphanUsers(t testing.TB) {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 5 || !strings.HasPrefix(f[0], userPrefix) || !strings.HasPrefix(f[4], commentPrefix) {
			continue
		}
		pidText, _, _ := strings.Cut(strings.TrimPrefix(f[4], commentPrefix), ",")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || syscall.Kill(pid, 0) == nil {
			continue
		}
		if out, err := exec.Command("userdel", f[0]).CombinedOutput(); err != nil {
			t.Logf("remove orphan test account %s: %v\n%s", f[0], err, out)
		}
	}
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// KnownHostsLine is s's host key as a known_hosts line.
func (s *Server) KnownHostsLine() string {
	return fmt.Sprintf("[%s]:%d %s", s.Host, s.Port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.HostKey))))
}
