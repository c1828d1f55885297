// Package sshtunnel reaches hosts behind an SSH gateway the way OpenSSH's
// `ssh -W` does: one SSH connection, and a direct-tcpip channel per
// connection, so host names are resolved on the gateway's side and no local
// port is opened. Authentication, ~/.ssh/config and known_hosts behave as
// OpenSSH users expect.
package sshtunnel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/user"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Classes of failure; test with errors.Is. Each error's text says what
// happened and what to do.
var (
	ErrGatewayUnreachable = errors.New("ssh gateway unreachable")
	ErrHostKeyUnknown     = errors.New("ssh gateway host key unknown")
	ErrHostKeyChanged     = errors.New("ssh gateway host key changed")
	ErrAuthRejected       = errors.New("ssh authentication rejected")
	ErrForwardingRefused  = errors.New("ssh gateway refused forwarding")
	ErrTargetUnreachable  = errors.New("target unreachable from ssh gateway")
)

// tunnelError carries a full message and its class.
type tunnelError struct {
	class error
	msg   string
	err   error
}

func newError(class error, msg string, err error) error {
	return &tunnelError{class: class, msg: msg, err: err}
}

func (e *tunnelError) Error() string { return e.msg }

func (e *tunnelError) Unwrap() []error {
	if e.err == nil {
		return []error{e.class}
	}
	return []error{e.class, e.err}
}

// defaultConnectTimeout bounds the TCP connect and the SSH handshake (but not
// the time a user takes to type a password) when ConnectTimeout is unset.
const defaultConnectTimeout = 30 * time.Second

// Options configures Dial.
type Options struct {
	// Gateway is `[user@]host[:port]`; host may be a Host alias of the ssh config.
	Gateway string
	// AcceptNewHostKey records the key of a gateway missing from known_hosts
	// instead of refusing it. A changed key is refused regardless.
	AcceptNewHostKey bool
	// Prompter asks for passphrases and passwords; nil disables prompts.
	Prompter Prompter
	// Notices receives what OpenSSH would print on stderr (a recorded host
	// key, the changed-key warning); nil discards them.
	Notices io.Writer
	// Files locates the ssh config and known_hosts files.
	Files Files
	// AgentSocket is the ssh-agent's socket ($SSH_AUTH_SOCK); empty means no agent.
	AgentSocket string
	// LocalUser is the login name when neither Gateway nor the config names
	// one; empty means the current user.
	LocalUser string
}

// Tunnel is an authenticated SSH connection to a gateway.
type Tunnel struct {
	client  *ssh.Client
	gateway string // user@host:port, for messages
	closers []io.Closer
}

// Dial connects and authenticates to the gateway. Every step honours ctx.
func Dial(ctx context.Context, opts Options) (*Tunnel, error) {
	g, err := ParseGateway(opts.Gateway)
	if err != nil {
		return nil, err
	}
	files, err := opts.Files.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg, warnings, err := loadSSHConfig(files.Config, files.SystemConfig)
	if err != nil {
		return nil, err
	}
	if opts.Notices != nil {
		for _, w := range warnings {
			fmt.Fprintln(opts.Notices, w)
		}
	}
	local := opts.LocalUser
	if local == "" {
		u, err := user.Current()
		if err != nil {
			return nil, fmt.Errorf("find local user name for ssh: %w", err)
		}
		local = u.Username
	}
	e, err := resolve(g, cfg, files.Home, local)
	if err != nil {
		return nil, err
	}
	hk, err := newHostKeys(files, e.knownHosts, e.hashKnownHosts, opts.AcceptNewHostKey, opts.Notices)
	if err != nil {
		return nil, err
	}

	timeout := e.connectTimeout
	if timeout == 0 {
		timeout = defaultConnectTimeout
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", e.addr())
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect to ssh gateway %s: %w", e.addr(), ctx.Err())
		}
		return nil, newError(ErrGatewayUnreachable, fmt.Sprintf(
			"cannot reach ssh gateway %s: %v; check the host name and port (for HDInsight: CLUSTER-ssh.azurehdinsight.net, port 22 or 23)",
			e.addr(), err), err)
	}

	// The deadline stops a silent server from hanging the handshake; it is
	// lifted while the user types a passphrase or password.
	_ = conn.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	auth := &authState{ctx: ctx, label: e.user + "@" + e.hostName}
	if opts.Prompter != nil {
		auth.prompter = &deadlineLiftingPrompter{p: opts.Prompter, conn: conn, timeout: timeout}
	}
	clientCfg := &ssh.ClientConfig{
		User:              e.user,
		Auth:              auth.methods(e, files.Home, opts.AgentSocket),
		HostKeyCallback:   hk.callback,
		HostKeyAlgorithms: hk.knownAlgorithms(e.addr()),
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, e.addr(), clientCfg)
	if err != nil {
		conn.Close()
		auth.close()
		return nil, handshakeError(ctx, e, hk, auth, err)
	}
	_ = conn.SetDeadline(time.Time{})
	t := &Tunnel{client: ssh.NewClient(c, chans, reqs), gateway: e.String(), closers: auth.closers}
	if e.aliveInterval > 0 {
		go t.keepAlive(e.aliveInterval, e.aliveCountMax)
	}
	return t, nil
}

// keepAlive does what ServerAliveInterval does for ssh: it asks the gateway
// for a reply every interval and drops the connection after max missed
// replies, so that a dead gateway fails calls instead of hanging them.
func (t *Tunnel) keepAlive(interval time.Duration, max int) {
	done := make(chan struct{})
	go func() {
		t.client.Wait()
		close(done)
	}()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	missed := 0
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		reply := make(chan error, 1)
		go func() {
			_, _, err := t.client.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case <-done:
			return
		case err := <-reply:
			if err != nil {
				t.client.Close()
				return
			}
			missed = 0
		case <-time.After(interval):
			missed++
			if missed >= max {
				t.client.Close()
				return
			}
		}
	}
}

func handshakeError(ctx context.Context, e endpoint, hk *hostKeys, auth *authState, err error) error {
	switch {
	case hk.refusal != nil:
		return hk.refusal
	case ctx.Err() != nil:
		return fmt.Errorf("ssh handshake with gateway %s: %w", e.addr(), ctx.Err())
	case !hk.passed:
		return newError(ErrGatewayUnreachable, fmt.Sprintf(
			"ssh handshake with gateway %s failed before authentication: %v; is an SSH server listening on that port?",
			e.addr(), err), err)
	case auth.fatal != nil:
		return newError(ErrAuthRejected, fmt.Sprintf("authenticate to ssh gateway %s: %v", e, auth.fatal), auth.fatal)
	case strings.Contains(err.Error(), "unable to authenticate"), strings.Contains(err.Error(), "disconnect"):
		return newError(ErrAuthRejected, fmt.Sprintf(
			"ssh gateway %s rejected authentication as user %q (%v).\nTried: %s.\n"+
				"Check the user name (--ssh USER@HOST), load your key into ssh-agent (ssh-add) "+
				"or name it with IdentityFile in ~/.ssh/config, or run from a terminal to be asked for a password",
			e.addr(), e.user, err, summarize(auth.tried)), err)
	default:
		return fmt.Errorf("ssh gateway %s: %w", e.addr(), err)
	}
}

// summarize joins attempts, counting repeats (three password prompts read
// "password (3 times)").
func summarize(tried []string) string {
	if len(tried) == 0 {
		return "nothing (the gateway offered no method stormpy can use)"
	}
	var order []string
	count := map[string]int{}
	for _, t := range tried {
		if count[t] == 0 {
			order = append(order, t)
		}
		count[t]++
	}
	for i, t := range order {
		if count[t] > 1 {
			order[i] = fmt.Sprintf("%s (%d times)", t, count[t])
		}
	}
	return strings.Join(order, "; ")
}

// deadlineLiftingPrompter clears the handshake deadline while a prompt waits
// for the user, and restarts it afterwards.
type deadlineLiftingPrompter struct {
	p       Prompter
	conn    net.Conn
	timeout time.Duration
}

func (d *deadlineLiftingPrompter) Prompt(ctx context.Context, prompt string, echo bool) (string, error) {
	_ = d.conn.SetDeadline(time.Time{})
	defer d.conn.SetDeadline(time.Now().Add(d.timeout))
	return d.p.Prompt(ctx, prompt, echo)
}

// DialContext opens a direct-tcpip channel from the gateway to addr; addr's
// host name is resolved by the gateway. The returned conn supports deadlines.
func (t *Tunnel) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("ssh tunnel to %s: network %q is not supported, only tcp", addr, network)
	}
	ch, err := t.client.DialContext(ctx, network, addr)
	if err != nil {
		var oce *ssh.OpenChannelError
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("open ssh channel to %s through %s: %w", addr, t.gateway, ctx.Err())
		case errors.As(err, &oce) && oce.Reason == ssh.Prohibited:
			return nil, newError(ErrForwardingRefused, fmt.Sprintf(
				"ssh gateway %s refused to forward a connection to %s (%s): TCP forwarding is disabled for this user "+
					"(AllowTcpForwarding/PermitOpen in its sshd_config); ask the gateway's administrator to allow it",
				t.gateway, addr, oce.Message), err)
		case errors.As(err, &oce) && oce.Reason == ssh.ConnectionFailed:
			return nil, newError(ErrTargetUnreachable, fmt.Sprintf(
				"ssh gateway %s cannot reach %s (%s); check the host name and port as the gateway resolves them, "+
					"and that the service is running there", t.gateway, addr, oce.Message), err)
		default:
			return nil, fmt.Errorf("open ssh channel to %s through %s: %w", addr, t.gateway, err)
		}
	}
	return bridge(ch, addr), nil
}

// Close closes the SSH connection and every channel opened through it.
func (t *Tunnel) Close() error {
	err := t.client.Close()
	for _, c := range t.closers {
		c.Close()
	}
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// String is the gateway as user@host:port.
func (t *Tunnel) String() string { return t.gateway }

// bridge puts a net.Pipe in front of an SSH channel. x/crypto's channel
// conns reject deadlines, and Thrift ignores that error, so without this a
// dead gateway would hang a Nimbus call forever.
func bridge(ch net.Conn, addr string) net.Conn {
	near, far := net.Pipe()
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			far.Close()
			ch.Close()
		})
	}
	go func() {
		_, _ = io.Copy(ch, far)
		closeBoth()
	}()
	go func() {
		_, _ = io.Copy(far, ch)
		closeBoth()
	}()
	return &bridgedConn{Conn: near, remote: tunnelAddr(addr)}
}

type bridgedConn struct {
	net.Conn
	remote net.Addr
}

func (b *bridgedConn) RemoteAddr() net.Addr { return b.remote }

// tunnelAddr is the target as given, since only the gateway resolves it.
type tunnelAddr string

func (tunnelAddr) Network() string  { return "tcp" }
func (a tunnelAddr) String() string { return string(a) }
