package config

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// Python is the `python` section of stormpy.yaml: the Python the workers
// run, for which the packages of requirements.txt are bundled.
//
//	python:
//	  version: "3.8"                          # default: the local python3's
//	  platforms: [manylinux2014_x86_64]       # default: manylinux2014 x86_64 and older
//	  implementation: cp                      # default: cp
//	  abi: cp38                               # default: implementation + version
//
// Empty fields mean the defaults.
type Python struct {
	Version        string
	Platforms      []string
	Implementation string
	ABI            string
}

var pythonKeys = []string{"version", "platforms", "implementation", "abi"}

func (p *parser) python(n *yaml.Node) Python {
	var out Python
	p.mapping(n, "python", pythonKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "version":
			// The node's text, not a decoded float: 3.10 must stay "3.10".
			s, ok := p.str(v, "python version")
			if !ok {
				return
			}
			if !validVersion(s) {
				p.errf(v, "python version must look like 3.11, got %q", s)
				return
			}
			out.Version = s
		case "platforms":
			switch v.Kind {
			case yaml.ScalarNode:
				if s, ok := p.str(v, "python platforms"); ok && s != "" {
					out.Platforms = []string{s}
				}
			case yaml.SequenceNode:
				for _, item := range v.Content {
					if s, ok := p.str(item, "a python platform"); ok && s != "" {
						out.Platforms = append(out.Platforms, s)
					}
				}
			default:
				p.errf(v, "python platforms must be a list of wheel platform tags such as manylinux2014_x86_64")
			}
		case "implementation", "abi":
			s, ok := p.str(v, "python "+key)
			if !ok {
				return
			}
			if s == "" || strings.ContainsAny(s, " \t,-") {
				p.errf(v, "python %s must be one tag such as cp or cp311", key)
				return
			}
			if key == "abi" {
				out.ABI = s
			} else {
				out.Implementation = s
			}
		}
	})
	return out
}

func validVersion(s string) bool {
	major, minor, ok := strings.Cut(s, ".")
	if !ok {
		minor = "0"
	}
	return major != "" && minor != "" && strings.Trim(major, "0123456789") == "" && strings.Trim(minor, "0123456789") == ""
}
