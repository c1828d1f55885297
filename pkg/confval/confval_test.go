package confval

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

func TestValue(t *testing.T) {
	cases := []struct {
		raw  string
		want any
	}{
		{"4", int64(4)},
		{"-7", int64(-7)},
		{"1.5", 1.5},
		{"1e3", 1000.0},
		{"1.0", 1.0},
		{"99999999999999999999", 1e20},
		{"true", true},
		{"false", false},
		{"null", nil},
		{"wc", "wc"},
		{"", ""},
		{"  ", "  "},
		{`"quoted"`, "quoted"},
		{`"4"`, "4"},
		{"True", "True"},
		{"1 2", "1 2"},
		{"4x", "4x"},
		{"0x10", "0x10"},
		{"[1, \"a\", 2.5]", []any{int64(1), "a", 2.5}},
		{`{"a": 1, "b": [true]}`, map[string]any{"a": int64(1), "b": []any{true}}},
		{"[1,", "[1,"},
		{"-Xmx512m -Dfoo=bar", "-Xmx512m -Dfoo=bar"},
		{" 3 ", int64(3)},
	}
	for _, c := range cases {
		if got := Value(c.raw); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Value(%q) = %#v, want %#v", c.raw, got, c.want)
		}
	}
}

func TestParse(t *testing.T) {
	got, err := Parse([]string{
		"topology.workers=2",
		"topology.debug=true",
		"topology.worker.childopts=-Xmx1g -Da=b",
		"topology.workers=3",
		"my_app.empty=",
		"topology.kryo.register=[\"a.B\"]",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"topology.workers":          int64(3),
		"topology.debug":            true,
		"topology.worker.childopts": "-Xmx1g -Da=b",
		"my_app.empty":              "",
		"topology.kryo.register":    []any{"a.B"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse = %#v\nwant %#v", got, want)
	}
	if m, err := Parse(nil); err != nil || len(m) != 0 {
		t.Errorf("Parse(nil) = %v, %v", m, err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ arg, msg string }{
		{"noequals", "want key=value"},
		{"=5", "empty key"},
		{"1abc=5", "must start with a letter"},
		{"a b=5", "contains ' '"},
		{"topology..workers=1", "empty part"},
		{"topology.=1", "empty part"},
		{"top$=1", "contains '$'"},
	}
	for _, c := range cases {
		_, err := Parse([]string{"ok=1", c.arg})
		if err == nil {
			t.Errorf("Parse(%q): no error", c.arg)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), c.arg) {
			t.Errorf("Parse(%q) error %q, want it to name the argument and contain %q", c.arg, err, c.msg)
		}
		if !errors.Is(err, exitcode.ErrInvalid) {
			t.Errorf("Parse(%q) error is not exitcode.Invalid", c.arg)
		}
	}
}
