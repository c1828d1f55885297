package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

type pyScript struct{ path string }

// compileSource is run by the local Python to compile every script in one
// process; it prints one JSON object per script that fails.
const compileSource = `
import json, sys
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as f:
            src = f.read()
        compile(src, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        print(json.dumps({"path": path, "line": e.lineno or 1, "col": e.offset or 1, "msg": e.msg}))
    except Exception as e:
        print(json.dumps({"path": path, "line": 1, "col": 1, "msg": str(e)}))
`

// compileCheck compiles the Python scripts with the local interpreter and
// reports syntax errors at their position in the script.
func compileCheck(scripts []pyScript, python string, s *Spec, p *problems) {
	if python == "" {
		python = "python3"
	}
	exe, err := exec.LookPath(python)
	if err != nil {
		s.Warnings = append(s.Warnings, &Error{Pos: Pos{File: s.File}, Msg: python + " not found on PATH: the Python scripts were not compile-checked", Hint: "install Python 3 to catch syntax errors before the cluster does"})
		return
	}
	args := []string{"-c", compileSource}
	for _, sc := range scripts {
		args = append(args, sc.path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		msg := err.Error()
		if errors.As(err, &ee) {
			msg = stderr.String()
		}
		s.Warnings = append(s.Warnings, &Error{Pos: Pos{File: s.File}, Msg: "the Python compile check failed to run: " + msg})
		return
	}
	dec := json.NewDecoder(&out)
	for dec.More() {
		var r struct {
			Path string `json:"path"`
			Line int    `json:"line"`
			Col  int    `json:"col"`
			Msg  string `json:"msg"`
		}
		if dec.Decode(&r) != nil {
			break
		}
		p.add(Pos{File: displayPath(r.Path), Line: r.Line, Col: r.Col}, "", "Python syntax error: %s", r.Msg)
	}
}

// displayPath shortens an absolute path to one relative to the working
// directory when that is shorter, as people typed it.
func displayPath(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, p); err == nil && len(rel) < len(p) {
			return rel
		}
	}
	return p
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
