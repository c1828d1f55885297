// Package confval parses `-c key=value` topology configuration overrides,
// typing each value the way the storm CLI does: a value that is a complete
// JSON document (number, boolean, list, map, quoted string, null) takes that
// JSON type, anything else is a plain string.
//
// Storm's own client (Utils.readCommandLineOpts) runs each value through a
// JSON parser and falls back to the raw text, so `-c topology.workers=4`
// sends the integer 4 and `-c topology.name=wc` the string "wc". stormpy
// matches that, and keeps integers as int64 rather than float64 so that they
// reach Nimbus as JSON integers, which Storm's ObjectReader requires for
// integer settings.
package confval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/stormpy/stormpy/pkg/exitcode"
)

// Parse turns overrides of the form key=value into a conf map. A later
// override of the same key wins, as with the storm CLI. `key=` sets the
// empty string. Errors are marked exitcode.Invalid and name the offending
// argument.
func Parse(args []string) (map[string]any, error) {
	out := make(map[string]any, len(args))
	for _, a := range args {
		k, v, err := ParseOne(a)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// ParseOne parses a single key=value override.
func ParseOne(arg string) (string, any, error) {
	key, raw, ok := strings.Cut(arg, "=")
	if !ok {
		return "", nil, exitcode.Invalid(fmt.Errorf("config override %q: want key=value (for example -c topology.workers=2)", arg))
	}
	if err := ValidKey(key); err != nil {
		return "", nil, exitcode.Invalid(fmt.Errorf("config override %q: %w", arg, err))
	}
	return key, Value(raw), nil
}

// ValidKey reports whether key can name a Storm configuration setting:
// non-empty, starting with a letter, and made of letters, digits, '.', '_'
// and '-', with no empty dot-separated part.
func ValidKey(key string) error {
	if key == "" {
		return errors.New("empty key")
	}
	if c := key[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return fmt.Errorf("key %q must start with a letter", key)
	}
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return fmt.Errorf("key %q contains %q; keys use letters, digits, '.', '_' and '-'", key, r)
		}
	}
	if strings.HasSuffix(key, ".") || strings.Contains(key, "..") {
		return fmt.Errorf("key %q has an empty part between dots", key)
	}
	return nil
}

// Value types raw like the storm CLI: JSON if the whole text is one JSON
// value, else the text itself. Integers become int64 (float64 when they do
// not fit), other numbers float64, nested values likewise.
func Value(raw string) any {
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" {
		return raw
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	// Trailing text ("1 2", "true false") means it was not one JSON value.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return raw
	}
	return normalize(v)
}

func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil && !bytes.ContainsAny([]byte(x), ".eE") {
			return i
		}
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = normalize(x[k])
		}
		return x
	default:
		return v
	}
}
