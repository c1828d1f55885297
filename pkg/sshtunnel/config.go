package sshtunnel

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

// Gateway is a parsed `[user@]host[:port]` as the user typed it; empty
// fields are filled from the ssh config and OpenSSH's defaults.
type Gateway struct {
	User string
	Host string
	Port int
}

// ParseGateway parses `[user@]host[:port]`, with IPv6 literals in brackets
// (`[::1]:2222`). A malformed value is invalid usage (exit code 2).
func ParseGateway(s string) (Gateway, error) {
	var g Gateway
	orig := s
	if s == "" {
		return g, exitcode.Invalid(errors.New("ssh gateway is empty; want [user@]host[:port]"))
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		g.User, s = s[:i], s[i+1:]
		if g.User == "" {
			return g, exitcode.Invalid(fmt.Errorf("ssh gateway %q: empty user before @; want [user@]host[:port]", orig))
		}
	}
	host, port := s, ""
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.Index(s, "]")
		if end < 0 {
			return g, exitcode.Invalid(fmt.Errorf("ssh gateway %q: missing ] after IPv6 address", orig))
		}
		host, port = s[1:end], strings.TrimPrefix(s[end+1:], ":")
		if rest := s[end+1:]; rest != "" && !strings.HasPrefix(rest, ":") {
			return g, exitcode.Invalid(fmt.Errorf("ssh gateway %q: unexpected %q after ]", orig, rest))
		}
	case strings.Count(s, ":") == 1:
		host, port, _ = strings.Cut(s, ":")
	case strings.Count(s, ":") > 1:
		return g, exitcode.Invalid(fmt.Errorf("ssh gateway %q: put an IPv6 address in brackets, e.g. [::1]:22", orig))
	}
	if host == "" {
		return g, exitcode.Invalid(fmt.Errorf("ssh gateway %q: empty host; want [user@]host[:port]", orig))
	}
	if strings.ContainsAny(host, " \t/") {
		return g, exitcode.Invalid(fmt.Errorf("ssh gateway %q: %q is not a host name", orig, host))
	}
	g.Host = host
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return g, exitcode.Invalid(fmt.Errorf("ssh gateway %q: port %q is not a number from 1 to 65535", orig, port))
		}
		g.Port = p
	}
	return g, nil
}

// String formats g back as `[user@]host[:port]`.
func (g Gateway) String() string {
	s := g.Host
	if strings.Contains(s, ":") {
		s = "[" + s + "]"
	}
	if g.Port != 0 {
		s += ":" + strconv.Itoa(g.Port)
	}
	if g.User != "" {
		s = g.User + "@" + s
	}
	return s
}

// Files locates the user's OpenSSH files. Empty fields take OpenSSH's
// defaults: Home from the OS, Config and KnownHosts under Home/.ssh, the
// system files under /etc/ssh. Missing files count as empty.
type Files struct {
	Home             string
	Config           string
	SystemConfig     string
	KnownHosts       string
	GlobalKnownHosts string
}

func (f Files) withDefaults() (Files, error) {
	if f.Home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return f, fmt.Errorf("find home directory for ssh files: %w", err)
		}
		f.Home = h
	}
	if f.Config == "" {
		f.Config = filepath.Join(f.Home, ".ssh", "config")
	}
	if f.SystemConfig == "" {
		f.SystemConfig = filepath.Join("/etc", "ssh", "ssh_config")
	}
	if f.KnownHosts == "" {
		f.KnownHosts = filepath.Join(f.Home, ".ssh", "known_hosts")
	}
	if f.GlobalKnownHosts == "" {
		f.GlobalKnownHosts = filepath.Join("/etc", "ssh", "ssh_known_hosts")
	}
	return f, nil
}

// endpoint is a gateway with the ssh config applied: what is actually dialled.
type endpoint struct {
	alias          string // what the user typed as host; config Host patterns match this
	user           string
	hostName       string
	port           int
	identityFiles  []string
	identitiesOnly bool
	hashKnownHosts bool
	knownHosts     []string // UserKnownHostsFile; the first one is written to
	connectTimeout time.Duration
	aliveInterval  time.Duration // ServerAliveInterval; 0 sends no keepalives
	aliveCountMax  int
}

// addr is host:port for net.Dial and for known_hosts lookups.
func (e endpoint) addr() string { return net.JoinHostPort(e.hostName, strconv.Itoa(e.port)) }

func (e endpoint) String() string { return e.user + "@" + e.addr() }

// sshConfig is the user's and the system's ssh_config, searched in that
// order: OpenSSH takes the first value it finds for each keyword.
type sshConfig []*ssh_config.Config

func loadSSHConfig(paths ...string) (cfgs sshConfig, warnings []string, err error) {
	for _, p := range paths {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read ssh config: %w", err)
		}
		c, err := ssh_config.Decode(f)
		f.Close()
		if err != nil {
			// The library lacks some of OpenSSH's syntax (Match exec); a
			// config ssh itself accepts must not lock the user out.
			warnings = append(warnings, fmt.Sprintf("warning: ignoring ssh config %s: %v", p, err))
			continue
		}
		cfgs = append(cfgs, c)
	}
	return cfgs, warnings, nil
}

func (c sshConfig) get(alias, key string) string {
	for _, cfg := range c {
		if v, err := cfg.Get(alias, key); err == nil && v != "" {
			return v
		}
	}
	return ""
}

func (c sshConfig) getAll(alias, key string) []string {
	for _, cfg := range c {
		if v, err := cfg.GetAll(alias, key); err == nil && len(v) > 0 {
			return v
		}
	}
	return nil
}

// resolve applies the ssh config to g the way OpenSSH does: values on the
// command line win, then the first matching config value, then defaults.
func resolve(g Gateway, cfg sshConfig, home, localUser string) (endpoint, error) {
	e := endpoint{alias: g.Host, user: g.User, hostName: g.Host, port: g.Port}
	if hn := cfg.get(g.Host, "HostName"); hn != "" {
		e.hostName = strings.ReplaceAll(hn, "%h", g.Host)
	}
	if e.user == "" {
		e.user = cfg.get(g.Host, "User")
	}
	if e.user == "" {
		e.user = localUser
	}
	if e.port == 0 {
		if p := cfg.get(g.Host, "Port"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return e, exitcode.Invalid(fmt.Errorf("ssh config: Port %q for host %s is not a number from 1 to 65535", p, g.Host))
			}
			e.port = n
		}
	}
	if e.port == 0 {
		e.port = 22
	}
	for _, f := range cfg.getAll(g.Host, "IdentityFile") {
		e.identityFiles = append(e.identityFiles, expandPath(f, e, home, localUser))
	}
	e.identitiesOnly = strings.EqualFold(cfg.get(g.Host, "IdentitiesOnly"), "yes")
	e.hashKnownHosts = strings.EqualFold(cfg.get(g.Host, "HashKnownHosts"), "yes")
	for _, f := range strings.Fields(cfg.get(g.Host, "UserKnownHostsFile")) {
		e.knownHosts = append(e.knownHosts, expandPath(f, e, home, localUser))
	}
	for _, k := range []string{"ProxyJump", "ProxyCommand"} {
		if v := cfg.get(g.Host, k); v != "" && !strings.EqualFold(v, "none") {
			return e, fmt.Errorf("ssh config sets %s %s for host %s, which stormpy does not follow; "+
				"name the gateway that can reach Nimbus directly in --ssh", k, v, g.Host)
		}
	}
	if t := cfg.get(g.Host, "ConnectTimeout"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return e, exitcode.Invalid(fmt.Errorf("ssh config: ConnectTimeout %q for host %s is not a number of seconds", t, g.Host))
		}
		e.connectTimeout = time.Duration(n) * time.Second
	}
	if t := cfg.get(g.Host, "ServerAliveInterval"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			return e, exitcode.Invalid(fmt.Errorf("ssh config: ServerAliveInterval %q for host %s is not a number of seconds", t, g.Host))
		}
		e.aliveInterval = time.Duration(n) * time.Second
	}
	e.aliveCountMax = 3
	if c := cfg.get(g.Host, "ServerAliveCountMax"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			return e, exitcode.Invalid(fmt.Errorf("ssh config: ServerAliveCountMax %q for host %s is not a positive number", c, g.Host))
		}
		e.aliveCountMax = n
	}
	return e, nil
}

// expandPath expands the `~` and the %-tokens OpenSSH allows in IdentityFile.
func expandPath(p string, e endpoint, home, localUser string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = home + p[1:]
	}
	r := strings.NewReplacer("%%", "%", "%d", home, "%h", e.hostName, "%n", e.alias,
		"%r", e.user, "%u", localUser, "%p", strconv.Itoa(e.port))
	return r.Replace(p)
}
