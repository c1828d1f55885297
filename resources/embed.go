// Package resources holds the files stormpy adds to every topology jar.
package resources

import _ "embed"

// StormPy is stormpy's own multilang module for Python, storm.py. The
// packager writes it to resources/storm.py in every jar, so that scripts
// there can `import storm` on the cluster and under `stormpy run`.
//
//go:embed storm.py
var StormPy []byte
