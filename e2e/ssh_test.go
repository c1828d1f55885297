package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/stormpy/stormpy/pkg/sshtunnel/sshdtest"
)

// TestSubmitThroughSSHGateway submits to the dev cluster through a real
// sshd, naming Nimbus as the gateway resolves it ("localhost"), the way
// HDInsight users name the head nodes' internal hosts.
func TestSubmitThroughSSHGateway(t *testing.T) {
	c := needCluster(t)
	const name = "e2e-ssh"
	c.killIfRunning(t, name)
	proj := copyProject(t, filepath.Join(c.root, "examples", "wordcount"))
	// Packaged first, under the real HOME (caches); the submits below find
	// the jar fresh and only upload it.
	c.must(t, proj, "package", "--name", name)

	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	key := sshdtest.Keygen(t, filepath.Join(home, ".ssh", "id_ed25519"), "")
	gw := sshdtest.Start(t, sshdtest.Config{AuthorizedKeys: []ssh.PublicKey{key}})
	t.Setenv("HOME", home)
	t.Setenv("SSH_AUTH_SOCK", "")
	_, port, err := net.SplitHostPort(c.nimbus)
	if err != nil {
		t.Fatal(err)
	}
	via := []string{"--ssh", gw.User + "@" + gw.Addr, "--nimbus", net.JoinHostPort("localhost", port)}

	// A gateway never seen before is refused, with its fingerprint.
	r := c.run(t, proj, append([]string{"list"}, via...)...)
	if r.code != 1 || !strings.Contains(r.stderr, ssh.FingerprintSHA256(gw.HostKey)) {
		t.Fatalf("unknown gateway: want exit 1 and its fingerprint\n%s", r)
	}
	c.must(t, proj, append([]string{"list", "--accept-new-host-key"}, via...)...)

	c.must(t, proj, append([]string{"submit", "--name", name, "-c", "topology.workers=1", "-c", "topology.stats.sample.rate=1.0"}, via...)...)
	t.Cleanup(func() { c.run(t, proj, "kill", name, "--wait", "0") })
	if want := "target localhost port " + port; !strings.Contains(gw.Log(), want) {
		t.Errorf("sshd opened no channel to localhost:%s (%q not in its log)", port, want)
	}

	eventually(t, "list through the gateway shows it ACTIVE", pollTimeout, func() (bool, string) {
		r := c.invoke(t, proj, append([]string{"list", "--json"}, via...)...)
		tps, err := decodeTopologies(r.stdout)
		if r.code != 0 || err != nil {
			t.Fatalf("list --json through the gateway: %v\n%s", err, r)
		}
		for _, tp := range tps {
			if tp.Name == name {
				return tp.Status == "ACTIVE", fmt.Sprintf("%+v", tp)
			}
		}
		return false, fmt.Sprintf("%s not listed: %s", name, r.stdout)
	})

	// And it runs: info through the gateway sees Python bolts acking.
	eventually(t, "info through the gateway shows acked tuples", pollTimeout, func() (bool, string) {
		r := c.invoke(t, proj, append([]string{"info", name, "--json"}, via...)...)
		var tp topology
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &tp) != nil {
			t.Fatalf("info --json through the gateway\n%s", r)
		}
		if errs := tp.componentErrors(); len(errs) > 0 {
			t.Fatalf("components reported errors:\n%s", strings.Join(errs, "\n"))
		}
		for _, comp := range tp.Components {
			if comp.Kind == "bolt" && comp.Acked > 0 {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", tp)
	})

	c.must(t, proj, append([]string{"kill", name, "--wait", "0"}, via...)...)
	c.waitGone(t, name)
}
