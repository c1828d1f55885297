package sshtunnel

import (
	"strings"
	"testing"

	"github.com/kevinburke/ssh_config"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

func TestParseGateway(t *testing.T) {
	tests := []struct {
		in   string
		want Gateway
		err  string
	}{
		{in: "gw", want: Gateway{Host: "gw"}},
		{in: "sshuser@c1-ssh.azurehdinsight.net", want: Gateway{User: "sshuser", Host: "c1-ssh.azurehdinsight.net"}},
		{in: "sshuser@c1-ssh.azurehdinsight.net:23", want: Gateway{User: "sshuser", Host: "c1-ssh.azurehdinsight.net", Port: 23}},
		{in: "a@b@host:2222", want: Gateway{User: "a@b", Host: "host", Port: 2222}},
		{in: "[::1]:2222", want: Gateway{Host: "::1", Port: 2222}},
		{in: "me@[fe80::1]", want: Gateway{User: "me", Host: "fe80::1"}},
		{in: "", err: "empty"},
		{in: "@host", err: "empty user"},
		{in: "user@", err: "empty host"},
		{in: "host:0", err: "port \"0\""},
		{in: "host:http", err: "port \"http\""},
		{in: "host:70000", err: "port \"70000\""},
		{in: "::1", err: "brackets"},
		{in: "[::1", err: "missing ]"},
		{in: "[::1]x", err: "unexpected"},
		{in: "ho st", err: "not a host name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseGateway(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseGateway(%q) error = %v, want one containing %q", tt.in, err, tt.err)
				}
				if exitcode.Code(err) != exitcode.Usage {
					t.Errorf("exit code %d, want %d", exitcode.Code(err), exitcode.Usage)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseGateway(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseGateway(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if again, _ := ParseGateway(got.String()); again != got {
				t.Errorf("round trip through %q gave %+v", got.String(), again)
			}
		})
	}
}

func TestResolveAppliesConfigLikeOpenSSH(t *testing.T) {
	user := `
Host hdi
  HostName c1-ssh.azurehdinsight.net
  User sshuser
  Port 23
  IdentityFile ~/.ssh/hdi_%r_%h
  IdentityFile %d/second
  HashKnownHosts yes
  ConnectTimeout 7
  ServerAliveInterval 15
  UserKnownHostsFile ~/.ssh/kh_%h /etc/shared_known_hosts

Host *
  User fallback
  Port 2200
`
	system := `
Host *
  HashKnownHosts no
  IdentitiesOnly yes
`
	u, err := ssh_config.Decode(strings.NewReader(user))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh_config.Decode(strings.NewReader(system))
	if err != nil {
		t.Fatal(err)
	}
	cfg := sshConfig{u, s}

	e, err := resolve(Gateway{Host: "hdi"}, cfg, "/home/me", "me")
	if err != nil {
		t.Fatal(err)
	}
	if e.hostName != "c1-ssh.azurehdinsight.net" || e.user != "sshuser" || e.port != 23 {
		t.Errorf("resolved %+v", e)
	}
	want := []string{"/home/me/.ssh/hdi_sshuser_c1-ssh.azurehdinsight.net", "/home/me/second"}
	if strings.Join(e.identityFiles, ",") != strings.Join(want, ",") {
		t.Errorf("identity files %v, want %v", e.identityFiles, want)
	}
	if !e.hashKnownHosts || !e.identitiesOnly || e.connectTimeout.Seconds() != 7 || e.aliveInterval.Seconds() != 15 || e.aliveCountMax != 3 {
		t.Errorf("hash=%v identitiesOnly=%v timeout=%v alive=%v×%d", e.hashKnownHosts, e.identitiesOnly, e.connectTimeout, e.aliveInterval, e.aliveCountMax)
	}

	if want := "/home/me/.ssh/kh_c1-ssh.azurehdinsight.net /etc/shared_known_hosts"; strings.Join(e.knownHosts, " ") != want {
		t.Errorf("known hosts files %v, want %s", e.knownHosts, want)
	}

	// The command line wins over the config.
	e, err = resolve(Gateway{User: "other", Host: "hdi", Port: 22}, cfg, "/home/me", "me")
	if err != nil {
		t.Fatal(err)
	}
	if e.user != "other" || e.port != 22 {
		t.Errorf("command line lost: %+v", e)
	}

	// Other hosts fall through to Host *.
	e, err = resolve(Gateway{Host: "10.0.0.5"}, cfg, "/home/me", "me")
	if err != nil {
		t.Fatal(err)
	}
	if e.hostName != "10.0.0.5" || e.user != "fallback" || e.port != 2200 || e.hashKnownHosts {
		t.Errorf("resolved %+v", e)
	}

	// Without any config: the local user and port 22.
	e, err = resolve(Gateway{Host: "gw"}, nil, "/home/me", "me")
	if err != nil {
		t.Fatal(err)
	}
	if e.String() != "me@gw:22" {
		t.Errorf("resolved %s, want me@gw:22", e)
	}

	jump, _ := ssh_config.Decode(strings.NewReader("Host inner\n  ProxyJump bastion\nHost other\n  ProxyCommand none\n"))
	if _, err := resolve(Gateway{Host: "inner"}, sshConfig{jump}, "/h", "me"); err == nil || !strings.Contains(err.Error(), "ProxyJump bastion") {
		t.Errorf("ProxyJump: %v, want an error naming it", err)
	}
	if _, err := resolve(Gateway{Host: "other"}, sshConfig{jump}, "/h", "me"); err != nil {
		t.Errorf("ProxyCommand none: %v", err)
	}

	bad, _ := ssh_config.Decode(strings.NewReader("Host x\n  Port many\n"))
	if _, err := resolve(Gateway{Host: "x"}, sshConfig{bad}, "/h", "me"); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("bad Port: err %v, code %d", err, exitcode.Code(err))
	}
}
