package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stormpy/stormpy/pkg/nimbus/nimbustest"
)

func startFake(t *testing.T, v nimbustest.Version) *nimbustest.Cluster {
	t.Helper()
	c, err := nimbustest.Start(v, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestCLISubmit(t *testing.T) {
	for _, v := range allVersions {
		t.Run(v.String(), func(t *testing.T) {
			c := startFake(t, v)
			dir := copyProject(t)
			yaml := "envs:\n  test:\n    nimbus: " + c.Addr(0) + "\n    config:\n      topology.debug: true\n      topology.workers: 5\n"
			if err := os.WriteFile(filepath.Join(dir, "stormpy.yaml"), []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			r := runBin(t, dir, nil, "submit", "-c", "topology.workers=3", "--wait")
			if r.code != 0 {
				t.Fatalf("submit: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, "packaged ") || !strings.Contains(r.stdout, "submitted wordcount (wordcount-") ||
				!strings.Contains(r.stdout, "wordcount is running") {
				t.Errorf("submit output:\n%s", r.stdout)
			}
			if strings.Contains(r.stderr, "\r") {
				t.Errorf("progress bar drawn while stderr is not a terminal: %q", r.stderr)
			}
			tp, ok := c.Topology("wordcount")
			if !ok {
				t.Fatal("fake has no topology")
			}
			jar, err := os.ReadFile(filepath.Join(dir, "target", "wordcount.jar"))
			if err != nil || !bytes.Equal(jar, tp.Jar) {
				t.Errorf("uploaded jar differs from target/wordcount.jar (%v)", err)
			}
			var conf map[string]any
			json.Unmarshal([]byte(tp.ConfJSON), &conf)
			// -c beats stormpy.yaml, which beats the spec.
			if conf["topology.workers"] != 3.0 || conf["topology.debug"] != true || conf["topology.max.spout.pending"] != 100.0 {
				t.Errorf("conf sent: %s", tp.ConfJSON)
			}
			if sh := tp.Thrift.Bolts["split"].BoltObject.Shell; sh == nil || sh.ExecutionCommand != "python3" || sh.Script != "split_bolt.py" {
				t.Errorf("split bolt object: %+v", tp.Thrift.Bolts["split"].BoltObject)
			}

			// Again: refused before any upload, with a hint; the jar is
			// fresh, so nothing is packaged.
			r = runBin(t, dir, nil, "submit")
			if r.code != 3 || !strings.Contains(r.stderr, "already running") || !strings.Contains(r.stderr, "--force") || strings.Contains(r.stdout, "packaged") {
				t.Errorf("second submit: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}

			r = runBin(t, dir, nil, "submit", "--force", "--inactive")
			if r.code != 0 || !strings.Contains(r.stdout, "killed the running wordcount") || !strings.Contains(r.stdout, "inactive") {
				t.Fatalf("submit --force: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}
			if tp2, _ := c.Topology("wordcount"); tp2.ID == tp.ID || tp2.Status != "INACTIVE" {
				t.Errorf("after --force: %s %s (before %s)", tp2.ID, tp2.Status, tp.ID)
			}
		})
	}
}

func TestCLISubmitJarAndName(t *testing.T) {
	c := startFake(t, nimbustest.Storm2)
	dir := copyProject(t)
	jar := filepath.Join(t.TempDir(), "custom.jar")
	os.WriteFile(jar, []byte("PK custom"), 0o644)
	// The jar's scripts are what runs: a broken local copy is not checked.
	os.WriteFile(filepath.Join(dir, "resources", "split_bolt.py"), []byte("def broken(:\n"), 0o644)
	r := runBin(t, dir, nil, "submit", "topology.yaml", "--jar", jar, "--name", "wc2", "--nimbus", c.Addr(0))
	if r.code != 0 {
		t.Fatalf("submit --jar: exit %d, stderr %s", r.code, r.stderr)
	}
	tp, ok := c.Topology("wc2")
	if !ok || string(tp.Jar) != "PK custom" {
		t.Errorf("fake has %v %q", ok, tp.Jar)
	}
	if _, err := os.Stat(filepath.Join(dir, "target")); err == nil {
		t.Error("--jar must not package")
	}
}

func TestCLISubmitInvalidSpecTouchesNoCluster(t *testing.T) {
	c := startFake(t, nimbustest.Storm2)
	dir := copyProject(t)
	if err := os.WriteFile(filepath.Join(dir, "topology.yaml"), []byte("name: wc\nspouts: []\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBin(t, dir, nil, "submit", "--nimbus", c.Addr(0))
	if r.code != 2 || !strings.Contains(r.stderr, "topology.yaml:3") {
		t.Errorf("invalid spec: exit %d, stderr %s", r.code, r.stderr)
	}
	if n := len(c.Calls()); n != 0 {
		t.Errorf("invalid spec made %d Nimbus calls: %v", n, c.Calls())
	}
	if r := runBin(t, copyProject(t), nil, "submit"); r.code != 2 || !strings.Contains(r.stderr, "no Nimbus given") {
		t.Errorf("no nimbus: exit %d, stderr %s", r.code, r.stderr)
	}
}
