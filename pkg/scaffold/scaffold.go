// Package scaffold creates new stormpy projects from the embedded template
// (package templates): a Flux topology.yaml, Python components in
// resources/, a .gitignore and a README.
package scaffold

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/spec"
	"github.com/stormpy/stormpy/templates"
)

// templateRoot is the directory of templates.Project holding the project.
const templateRoot = "project"

// Data is what the ".tmpl" files of the template are rendered with.
type Data struct {
	// Name is the topology name.
	Name string
}

// Create writes a new project for the topology name into dir. It refuses,
// with an error classified exitcode.ErrInvalid, a name Storm would refuse
// and a dir that already exists, so nothing is ever overwritten. If
// writing fails halfway, the directory it created is removed again.
func Create(dir, name string) (err error) {
	if msg := spec.ValidateName(name); msg != "" {
		return exitcode.Invalid(errors.New(msg))
	}
	if _, err := os.Lstat(dir); err == nil {
		return exitcode.Invalid(fmt.Errorf("%s already exists; stormpy init never overwrites, so pick another name or --dir", dir))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create project: %w", err)
	}
	// Mkdir, not MkdirAll: it fails if dir appeared since the check above.
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return exitcode.Invalid(fmt.Errorf("%s already exists; stormpy init never overwrites, so pick another name or --dir", dir))
		}
		return fmt.Errorf("create project: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	root, err := fs.Sub(templates.Project, templateRoot)
	if err != nil {
		return fmt.Errorf("open template: %w", err)
	}
	return fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read template: %w", err)
		}
		if p == "." {
			return nil
		}
		target := filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(p, ".tmpl")))
		if d.IsDir() {
			return os.Mkdir(target, 0o755)
		}
		body, err := render(root, p, Data{Name: name})
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, body, 0o644); err != nil {
			return fmt.Errorf("create project: %w", err)
		}
		return nil
	})
}

// render returns the file at p in root, executed as a template if its name
// ends in ".tmpl".
func render(root fs.FS, p string, data Data) ([]byte, error) {
	body, err := fs.ReadFile(root, p)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	if !strings.HasSuffix(p, ".tmpl") {
		return body, nil
	}
	t, err := template.New(path.Base(p)).Funcs(template.FuncMap{"quote": quote}).
		Option("missingkey=error").Parse(string(body))
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", p, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("render template %s: %w", p, err)
	}
	return []byte(b.String()), nil
}

// quote returns s as a double-quoted YAML scalar. A JSON string is one,
// whatever characters the name holds.
func quote(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}
