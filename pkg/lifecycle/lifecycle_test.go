package lifecycle

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stormpy/stormpy/pkg/config"
)

func TestResolvePrecedence(t *testing.T) {
	dir := t.TempDir()
	yaml := "envs:\n  prod:\n    nimbus: file-host\n    port: 7000\n    config: {a: 1, b: 1}\n"
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	getenv := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvNimbus {
				return v
			}
			return ""
		}
	}
	cases := []struct {
		name   string
		flags  config.Settings
		env    string
		seeds  []string
		port   int
		confB  any
		getenv string
	}{
		{"file only", config.Settings{}, "", []string{"file-host"}, 7000, int64(1), ""},
		{"env var over file", config.Settings{}, "", []string{"var-host"}, 7000, int64(1), "var-host"},
		{"flag over env var", config.Settings{Nimbus: []string{"flag-host"}, Conf: map[string]any{"b": int64(2)}}, "prod", []string{"flag-host"}, 7000, int64(2), "var-host"},
	}
	for _, tc := range cases {
		s, err := Resolve(ResolveOptions{Flags: tc.flags, Env: tc.env, ConfigDir: dir, Getenv: getenv(tc.getenv)})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(s.Nimbus, tc.seeds) || s.Port != tc.port || s.Conf["b"] != tc.confB || s.Conf["a"] != int64(1) {
			t.Errorf("%s: %+v", tc.name, s)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := newProgressBar(&b, "upload wc")
	p.update(0, 2<<20)
	p.update(1, 2<<20) // throttled
	p.update(2<<20, 2<<20)
	p.done()
	out := b.String()
	if strings.Count(out, "\r") != 2 || !strings.Contains(out, "100.0% 2.0MiB/2.0MiB") || !strings.HasSuffix(out, "\n") {
		t.Errorf("progress output %q", out)
	}
	var quiet bytes.Buffer
	newProgressBar(&quiet, "x").done()
	if quiet.Len() != 0 {
		t.Errorf("an unused bar wrote %q", quiet.String())
	}
}
