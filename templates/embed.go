// Package templates holds what `stormpy init` writes: a project with a
// Flux topology.yaml and a Python word count that validates, packages and
// runs as it is.
package templates

import "embed"

// Project is the project template, under the directory "project". Files
// whose names end in ".tmpl" are text/template sources, written without
// the suffix; every other file is written as it is. The "all:" prefix keeps
// dotfiles such as .gitignore.
//
//go:embed all:project
var Project embed.FS
