package pydeps

import (
	"reflect"
	"testing"
)

// Output of pip 23 for a top-level requirement without a wheel, and for a
// dependency without one (which pip words as a conflict).
const (
	pipNotFound = `Looking in links: /somewhere
Collecting six (from -r requirements.txt (line 1))
  Downloading six-1.17.0-py2.py3-none-any.whl (11 kB)
ERROR: Could not find a version that satisfies the requirement docopt==0.6.2 (from versions: none)
ERROR: No matching distribution found for docopt==0.6.2
`
	pipWrongVersion = `ERROR: Could not find a version that satisfies the requirement six<1.0 (from python-dateutil) (from versions: 1.16.0, 1.17.0)
ERROR: No matching distribution found for six<1.0
`
	pipConflict = `Collecting hdfs
  Downloading hdfs-2.7.0-py3-none-any.whl (34 kB)
INFO: pip is looking at multiple versions of hdfs to determine which version is compatible with other requirements. This could take a while.
ERROR: Cannot install hdfs==2.6.0 and hdfs==2.7.0 because these package versions have conflicting dependencies.

The conflict is caused by:
    hdfs 2.7.0 depends on docopt
    hdfs 2.6.0 depends on docopt>=0.6

To fix this you could try to:
1. loosen the range of package versions you've specified
2. remove package versions to allow pip attempt to solve the dependency conflict

ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts
`
)

func TestUnsatisfied(t *testing.T) {
	tests := []struct {
		name, out string
		want      []unsatisfiedReq
	}{
		{"not found", pipNotFound, []unsatisfiedReq{{req: "docopt==0.6.2", versions: "none"}}},
		{"wrong version", pipWrongVersion, []unsatisfiedReq{{req: "six<1.0", versions: "1.16.0, 1.17.0"}}},
		{"conflict", pipConflict, []unsatisfiedReq{{req: "docopt", conflict: true}, {req: "docopt>=0.6", conflict: true}}},
		{"success", "Successfully downloaded six\n", nil},
	}
	for _, tc := range tests {
		if got := unsatisfied(tc.out); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := pipErrorLine(pipNotFound); got != "No matching distribution found for docopt==0.6.2" {
		t.Errorf("pipErrorLine = %q", got)
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{
		"six": "six", "docopt==0.6.2": "docopt", "requests[socks]>=2": "requests",
		"zope.interface ; python_version>'3'": "zope.interface", "foo @ https://x": "foo",
	} {
		if got := reqName(in); got != want {
			t.Errorf("reqName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Foo_Bar": "foo-bar", "zope.interface": "zope-interface", "a--b": "a-b"} {
		if got := normalizeName(in); got != want {
			t.Errorf("normalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPureFor(t *testing.T) {
	tests := []struct {
		tags  [3]string
		major string
		want  bool
	}{
		{[3]string{"py2.py3", "none", "any"}, "3", true},
		{[3]string{"py2.py3", "none", "any"}, "2", true},
		{[3]string{"py3", "none", "any"}, "2", false},
		{[3]string{"py311", "none", "any"}, "3", true},
		{[3]string{"cp311", "cp311", "linux_x86_64"}, "3", false},
		{[3]string{"py3", "none", "linux_x86_64"}, "3", false},
		{[3]string{"cp311", "abi3", "any"}, "3", false},
	}
	for _, tc := range tests {
		if got := pureFor(tc.tags, tc.major); got != tc.want {
			t.Errorf("pureFor(%v, %s) = %v", tc.tags, tc.major, got)
		}
	}
}

func TestNormalizeVersion(t *testing.T) {
	for in, want := range map[string]string{"3.11": "3.11", "311": "3.11", "27": "2.7", "3": "3", " 3.12 ": "3.12"} {
		if got, err := normalizeVersion(in); err != nil || got != want {
			t.Errorf("normalizeVersion(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "three", "3.x"} {
		if _, err := normalizeVersion(in); err == nil {
			t.Errorf("normalizeVersion(%q): no error", in)
		}
	}
}

func TestFileOption(t *testing.T) {
	for in, want := range map[string]string{
		"six":         "",
		"-r base.txt": "",
		"-e ./local":  "",
		"--index-url https://example.invalid/simple": "--index-url https://example.invalid/simple",
		"-c constraints.txt":                         "--constraint /proj/constraints.txt",
		"--constraint=/abs/c.txt":                    "--constraint /abs/c.txt",
		"--prefer-binary":                            "--prefer-binary",
	} {
		if got := fileOption(in, "/proj"); got != want {
			t.Errorf("fileOption(%q) = %q, want %q", in, got, want)
		}
	}
}
