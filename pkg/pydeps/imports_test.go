package pydeps

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestUnknownImports(t *testing.T) {
	res := t.TempDir()
	writeFile(t, filepath.Join(res, "helper.py"), "")
	writeFile(t, filepath.Join(res, "localpkg", "__init__.py"), "")
	writeFile(t, filepath.Join(res, "bolts", "sibling.py"), "")
	writeFile(t, filepath.Join(res, "bolts", "count.py"), `import os, json
import six
import helper, localpkg.sub
import sibling
from collections import Counter
from . import relative
from yaml import safe_load
import requests_toolbelt.adapters
import zope.interface
try:
    import ujson as json
except ImportError:
    pass
if TYPE_CHECKING:
    import mypy_extensions


def later():
    import missingthing
    from missing2.sub import x
`)
	writeFile(t, filepath.Join(res, "broken.py"), "import os\ndef f(:\n    pass\n")
	warns, err := UnknownImports(context.Background(), ImportCheck{
		Resources:    res,
		Scripts:      []string{"bolts/count.py", "broken.py"},
		Modules:      []string{"six"},
		Requirements: []string{"Requests-Toolbelt", "zope.interface", "PyYAML"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	// PyYAML installs yaml: without a resolution the names do not match,
	// which is why validate prefers the resolved modules when it has them.
	want := []string{
		"bolts/count.py:7:1: import of \"yaml\"",
		"bolts/count.py:19:5: import of \"missingthing\"",
		"bolts/count.py:20:5: import of \"missing2\"",
		"broken.py:2:7: imports not checked",
	}
	if len(got) != len(want) {
		t.Fatalf("warnings:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
	if warns[0].Module != "yaml" {
		t.Errorf("Module = %q", warns[0].Module)
	}
}

func TestUnknownImportsPython27(t *testing.T) {
	py := python27()
	if py == nil {
		t.Skip("no Python 2.7")
	}
	if py[0] == "env" {
		k, v, _ := strings.Cut(py[1], "=")
		t.Setenv(k, v)
	}
	res := t.TempDir()
	writeFile(t, filepath.Join(res, "old.py"), "import urllib2, ConfigParser\nimport six\nprint 'hi'\n")
	warns, err := UnknownImports(context.Background(), ImportCheck{
		Python:    py[len(py)-1],
		Resources: res,
		Scripts:   []string{"old.py"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || warns[0].Module != "six" || warns[0].Line != 2 {
		t.Errorf("warnings: %v", warns)
	}
}

func TestRequirementNames(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "base.txt"), "six==1.17.0\n-c constraints.txt\n")
	path := writeFile(t, filepath.Join(dir, "requirements.txt"), `-r base.txt
--index-url https://example.invalid/simple
PyYAML>=6 ; python_version >= "3"
requests[socks]
foo @ https://example.invalid/foo-1.0.tar.gz
git+https://example.invalid/bar.git#egg=bar
`)
	got, err := RequirementNames(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"six", "PyYAML", "requests", "foo", "bar"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
