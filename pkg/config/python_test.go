package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestPythonSection(t *testing.T) {
	f, err := Parse(strings.NewReader(`python:
  version: 3.10
  platforms: [manylinux2014_aarch64, manylinux_2_17_aarch64]
  implementation: cp
  abi: cp310
envs:
  dev: {nimbus: 127.0.0.1}
`), "stormpy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Python{Version: "3.10", Platforms: []string{"manylinux2014_aarch64", "manylinux_2_17_aarch64"}, Implementation: "cp", ABI: "cp310"}
	if !reflect.DeepEqual(f.Python, want) {
		t.Errorf("got %+v, want %+v", f.Python, want)
	}

	_, err = Parse(strings.NewReader(`python:
  version: three
  platform: x
  abi: [cp3]
`), "stormpy.yaml")
	if err == nil {
		t.Fatal("bad python section: no error")
	}
	for _, want := range []string{
		`stormpy.yaml:2:12: python version must look like 3.11`,
		`stormpy.yaml:3:3: unknown key "platform" in python (did you mean "platforms"?)`,
		`stormpy.yaml:4:8: python abi must be a string`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
