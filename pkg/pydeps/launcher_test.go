package pydeps

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLauncherPath(t *testing.T) {
	tests := map[string]string{
		"count":      "_stormpy/launch_count.py",
		"word-split": "_stormpy/launch_word-split.py",
	}
	for id, want := range tests {
		if got := LauncherPath(id); got != want {
			t.Errorf("LauncherPath(%q) = %q, want %q", id, got, want)
		}
	}
	// Ids that are not plain names stay distinct and safe as file names.
	a, b := LauncherPath("a/b"), LauncherPath("a_b")
	if a == b || strings.Count(a, "/") != 1 || !strings.HasPrefix(a, "_stormpy/launch_a_b_") {
		t.Errorf("LauncherPath(a/b) = %q, LauncherPath(a_b) = %q", a, b)
	}
	if LauncherPath("") == LauncherPath("_") {
		t.Error("empty id collides")
	}
}

// pythons returns the interpreters to run launchers with: python3, and
// Python 2.7 when this machine has one.
// Each runs with site-packages off, like a worker with nothing installed.
func pythons(t *testing.T) map[string][]string {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found")
	}
	out := map[string][]string{"python3": {"python3", "-I", "-S"}}
	if py2 := python27(); py2 != nil {
		out["python2.7"] = append(py2, "-E", "-s", "-S")
	}
	if len(out) == 1 {
		t.Log("no Python 2.7 found; testing the launcher with python3 only")
	}
	return out
}

// python27 returns the command that runs Python 2.7 here, or nil; with
// pyenv, the version is picked through its environment variable.
func python27() []string {
	for _, cand := range [][]string{{"python2.7"}, {"env", "PYENV_VERSION=2.7", "python2.7"}} {
		if exec.Command(cand[0], append(cand[1:], "-c", "import sys; assert sys.version_info[0] == 2")...).Run() == nil {
			return cand
		}
	}
	return nil
}

// TestLauncherRunsScriptWithBundle runs a generated launcher the way
// Storm does (cwd resources/, [python, launcher]) with site-packages off,
// and checks the script sees the bundle, its own directory, its argv and
// __name__.
func TestLauncherRunsScriptWithBundle(t *testing.T) {
	for name, py := range pythons(t) {
		t.Run(name, func(t *testing.T) {
			res := t.TempDir()
			writeFile(t, filepath.Join(res, "_deps", "bundledmod", "__init__.py"), "WHERE = 'bundle'\n")
			// A .pth file must take effect, as in site-packages.
			writeFile(t, filepath.Join(res, "_deps", "extra.pth"), "pthdir\n")
			writeFile(t, filepath.Join(res, "_deps", "pthdir", "viapth.py"), "OK = True\n")
			writeFile(t, filepath.Join(res, "bolts", "helper.py"), "NAME = 'helper'\n")
			writeFile(t, filepath.Join(res, "bolts", "count.py"), `
import json, os, sys
import bundledmod, helper, viapth
print(json.dumps({
    "name": __name__,
    "argv": sys.argv,
    "bundled": bundledmod.WHERE,
    "helper": helper.NAME,
    "pth": viapth.OK,
    "path0": sys.path[0],
    "launcher_dir_on_path": any(p.endswith("_stormpy") for p in sys.path),
}))
`)
			lp := filepath.Join(res, filepath.FromSlash(LauncherPath("count")))
			if err := os.MkdirAll(filepath.Dir(lp), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(lp, Launcher("bolts/count.py", "--flag", "v\u00e9"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(context.Background(), py[0], append(py[1:], LauncherPath("count"), "extra")...)
			cmd.Dir = res
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("launcher: %v\n%s", err, stderr.String())
			}
			var got struct {
				Name, Bundled, Helper, Path0 string
				Argv                         []string
				Pth                          bool
				LauncherDirOnPath            bool `json:"launcher_dir_on_path"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			script := filepath.Join(res, "bolts", "count.py")
			if got.Name != "__main__" || got.Bundled != "bundle" || got.Helper != "helper" || !got.Pth ||
				got.LauncherDirOnPath || got.Path0 != filepath.Dir(script) {
				t.Errorf("script saw %+v", got)
			}
			if want := []string{script, "--flag", "v\u00e9", "extra"}; strings.Join(got.Argv, "|") != strings.Join(want, "|") {
				t.Errorf("argv = %q, want %q", got.Argv, want)
			}
		})
	}
}

func TestLauncherPropagatesExitStatus(t *testing.T) {
	res := t.TempDir()
	writeFile(t, filepath.Join(res, "fail.py"), "import sys\nsys.stderr.write('bad\\n')\nsys.exit(3)\n")
	writeFile(t, filepath.Join(res, "_stormpy", "launch_fail.py"), string(Launcher("fail.py")))
	cmd := exec.Command("python3", "-I", "_stormpy/launch_fail.py")
	cmd.Dir = res
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 || !strings.Contains(string(out), "bad") {
		t.Errorf("exit: %v, output %q", err, out)
	}
}

func TestPyString(t *testing.T) {
	for in, want := range map[string]string{
		`a.py`: `u"a.py"`, `q"\`: `u"q\"\\"`, "é": `u"\u00e9"`, "\U0001F600": `u"\U0001f600"`, "\n": `u"\u000a"`,
	} {
		if got := pyString(in); got != want {
			t.Errorf("pyString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestLaunchCommand(t *testing.T) {
	l := LauncherPath("b")
	tests := []struct {
		cmd    []string
		launch []string
		script string
	}{
		{[]string{"python3", "bolt.py"}, []string{"python3", l}, "bolt.py"},
		{[]string{"/usr/bin/python3.11", "-u", "bolts/b.py", "--x", "1"}, []string{"/usr/bin/python3.11", "-u", l, "--x", "1"}, "bolts/b.py"},
		{[]string{"python", "-W", "ignore", "-uB", "b.py"}, []string{"python", "-W", "ignore", "-uB", l}, "b.py"},
		{[]string{"pypy3", "b.py"}, []string{"pypy3", l}, "b.py"},
		{[]string{"python3", "-m", "mybolt"}, nil, ""},
		{[]string{"python3", "-c", "print(1)"}, nil, ""},
		{[]string{"python3", "-uc", "print(1)"}, nil, ""},
		{[]string{"sh", "run.sh"}, nil, ""},
		{[]string{"pythonista", "b.py"}, nil, ""},
		{[]string{"python3"}, nil, ""},
		{[]string{"python3", "-u"}, nil, ""},
	}
	for _, tc := range tests {
		launch, script, ok := LaunchCommand("b", tc.cmd)
		if ok != (tc.launch != nil) || !reflect.DeepEqual(launch, tc.launch) || script != tc.script {
			t.Errorf("LaunchCommand(%q) = %q, %q, %v", tc.cmd, launch, script, ok)
		}
	}
}
