package pack

import (
	"strings"
	"testing"
)

func TestIgnoreMatch(t *testing.T) {
	type probe struct {
		path  string
		isDir bool
		want  bool
	}
	tests := []struct {
		name     string
		patterns string
		probes   []probe
	}{
		{"plain name at any depth", "secret.txt", []probe{
			{"secret.txt", false, true},
			{"resources/a/b/secret.txt", false, true},
			{"resources/secret.txt.bak", false, false},
			{"resources/my-secret.txt", false, false},
			{"secret.txt", true, true}, // a directory of that name too
		}},
		{"star", "*.log", []probe{
			{"resources/x.log", false, true},
			{"resources/deep/er/y.log", false, true},
			{"resources/x.logs", false, false},
			{"resources/log", false, false},
		}},
		{"star does not cross slashes", "resources/*.py", []probe{
			{"resources/a.py", false, true},
			{"resources/sub/a.py", false, false},
		}},
		{"question mark and class", "data?.[ct]sv", []probe{
			{"resources/data1.csv", false, true},
			{"resources/data2.tsv", false, true},
			{"resources/data.csv", false, false},
			{"resources/data1.xsv", false, false},
		}},
		{"anchored with a leading slash", "/resources/tmp", []probe{
			{"resources/tmp", true, true},
			{"resources/tmp", false, true},
			{"resources/sub/resources/tmp", true, false},
		}},
		{"a middle slash anchors too", "resources/cache", []probe{
			{"resources/cache", true, true},
			{"other/resources/cache", true, false},
		}},
		{"directory only", "build/", []probe{
			{"resources/build", true, true},
			{"resources/build", false, false},
			{"build", true, true},
		}},
		{"anchored directory only", "/resources/out/", []probe{
			{"resources/out", true, true},
			{"resources/out", false, false},
			{"resources/x/out", true, false},
		}},
		{"leading double star", "**/fixtures", []probe{
			{"fixtures", true, true},
			{"resources/a/b/fixtures", true, true},
			{"resources/fixtures2", true, false},
		}},
		{"leading double star with a path", "**/tests/data", []probe{
			{"tests/data", true, true},
			{"resources/x/tests/data", true, true},
			{"resources/x/tests/other", true, false},
		}},
		{"trailing double star", "resources/vendor/**", []probe{
			{"resources/vendor", true, false}, // the directory stays, empty
			{"resources/vendor/a.py", false, true},
			{"resources/vendor/x/y/z.py", false, true},
		}},
		{"middle double star", "resources/**/gen_*.py", []probe{
			{"resources/gen_a.py", false, true},
			{"resources/x/y/gen_b.py", false, true},
			{"resources/x/y/keep.py", false, false},
			{"other/gen_a.py", false, false},
		}},
		{"stars around other characters are plain stars", "a**b", []probe{
			{"resources/axxb", false, true},
			{"resources/ax/xb", false, false},
		}},
		{"negation, last match wins", "*.txt\n!keep.txt", []probe{
			{"resources/drop.txt", false, true},
			{"resources/keep.txt", false, false},
		}},
		{"negation then re-exclusion", "*.txt\n!keep.txt\nresources/deep/keep.txt", []probe{
			{"resources/keep.txt", false, false},
			{"resources/deep/keep.txt", false, true},
		}},
		{"comments, blanks and trailing spaces", "# a comment\n\n  \nnotes.md   \n", []probe{
			{"resources/notes.md", false, true},
			{"# a comment", false, false},
		}},
		{"escaped hash and bang", `\#hash` + "\n" + `\!bang`, []probe{
			{"resources/#hash", false, true},
			{"resources/!bang", false, true},
			{"resources/bang", false, false},
		}},
		{"escaped trailing space", `space\ `, []probe{
			{"resources/space ", false, true},
			{"resources/space", false, false},
		}},
		{"escaped star", `\*.py`, []probe{
			{"resources/*.py", false, true},
			{"resources/a.py", false, false},
		}},
		{"windows line endings", "a.txt\r\nb.txt\r\n", []probe{
			{"resources/a.txt", false, true},
			{"resources/b.txt", false, true},
		}},
		{"repeated double stars", "**/**/**/x/**/**", []probe{
			{"x/a", false, true},
			{"resources/a/b/x/c/d", false, true},
			{"resources/x", true, false},
		}},
		{"nothing matches by default", "", []probe{
			{"resources/a.py", false, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseIgnore(strings.NewReader(tt.patterns), IgnoreFile)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.probes {
				if got := m.Match(p.path, p.isDir); got != p.want {
					t.Errorf("Match(%q, dir=%v) = %v, want %v", p.path, p.isDir, got, p.want)
				}
			}
		})
	}
}

func TestIgnoreParseErrors(t *testing.T) {
	tests := []struct {
		patterns, want string
	}{
		{"ok\n[unclosed", ".stormpyignore:2: bad pattern"},
		{"a//b", ".stormpyignore:1: pattern \"a//b\" has an empty path element"},
		{"/", ".stormpyignore:1: pattern \"/\" matches nothing"},
	}
	for _, tt := range tests {
		_, err := ParseIgnore(strings.NewReader(tt.patterns), IgnoreFile)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseIgnore(%q) error = %v, want one containing %q", tt.patterns, err, tt.want)
		}
	}
}

// FuzzIgnore checks that no ignore file makes the parser or the matcher
// panic, and that a pattern without special characters matches itself.
func FuzzIgnore(f *testing.F) {
	for _, seed := range []string{"*.log\n!keep.log", "/a/**/b/", "**/x/**", `\#a\ `, "[a-", "a//b", "!", "# c\n\n/"} {
		f.Add(seed, "resources/a/b.log")
	}
	f.Fuzz(func(t *testing.T, patterns, path string) {
		m, err := ParseIgnore(strings.NewReader(patterns), IgnoreFile)
		if err != nil {
			return
		}
		m.Match(path, false)
		m.Match(path, true)
		if name := strings.Trim(path, "/"); name != "" &&
			!strings.ContainsAny(name, "*?[]\\!#/ \r\n\ufeff") {
			if m, err := ParseIgnore(strings.NewReader(name), IgnoreFile); err != nil || !m.Match("resources/"+name, false) {
				t.Errorf("pattern %q does not match resources/%s (err %v)", name, name, err)
			}
		}
	})
}
