package multilang

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeFast parses the message shapes children send without reflection:
// a flat object whose tuple values, ids and params are kept raw. It gives
// up (ok false) on anything unusual, and Decode then uses encoding/json,
// so the two always agree. It copies doc once; raw values point into the
// copy.
func decodeFast(doc []byte, m *Message) (ok bool) {
	b := make([]byte, len(doc))
	copy(b, doc)
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return skipWS(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		ks, ke, esc, ok := scanString(b, i)
		if !ok || esc {
			return false
		}
		key := b[ks:ke]
		i = skipWS(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		vEnd, ok := skipValue(b, i, 0)
		if !ok {
			return false
		}
		v := b[i:vEnd]
		switch string(key) {
		case "command":
			if m.Command, ok = knownString(v); !ok {
				return false
			}
		case "stream":
			if m.Stream, ok = knownString(v); !ok {
				return false
			}
		case "msg":
			if m.Msg, ok = plainString(v); !ok {
				return false
			}
		case "name":
			if m.Name, ok = plainString(v); !ok {
				return false
			}
		case "id":
			// Like encoding/json, a null stays as the raw literal.
			m.ID = json.RawMessage(v)
		case "params":
			m.Params = json.RawMessage(v)
		case "task":
			if m.Task, ok = intPtr(v); !ok {
				return false
			}
		case "level":
			if m.Level, ok = intPtr(v); !ok {
				return false
			}
		case "pid":
			if m.PID, ok = intPtr(v); !ok {
				return false
			}
		case "need_task_ids":
			switch string(v) {
			case "true", "false":
				x := v[0] == 't'
				m.NeedTaskIDs = &x
			case "null":
				m.NeedTaskIDs = nil
			default:
				return false
			}
		case "tuple":
			if m.Tuple, ok = rawArray(v); !ok {
				return false
			}
		case "anchors":
			if m.Anchors, ok = rawArray(v); !ok {
				return false
			}
		default:
			// encoding/json matches keys case-insensitively; leave
			// anything but exact known keys to it.
			for _, c := range key {
				if c >= 'A' && c <= 'Z' || c >= 0x80 {
					return false
				}
			}
		}
		i = skipWS(b, vEnd)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			return skipWS(b, i+1) == len(b)
		}
		if b[i] != ',' {
			return false
		}
		i = skipWS(b, i+1)
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString scans the string starting at b[i] == '"', returning the
// content's bounds and whether it holds escapes.
func scanString(b []byte, i int) (start, end int, esc, ok bool) {
	start = i + 1
	for j := start; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return start, j, esc, true
		case c == '\\':
			esc = true
			j++
		case c < 0x20:
			return 0, 0, false, false
		}
	}
	return 0, 0, false, false
}

const maxDepth = 1000

// skipValue returns the end of the JSON value at b[i], checking its
// structure (brackets, strings, literals) but not every number's syntax.
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > maxDepth {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		_, e, _, ok := scanString(b, i)
		return e + 1, ok
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		j := skipWS(b, i+1)
		if j < len(b) && b[j] == closer {
			return j + 1, true
		}
		for {
			if c == '{' {
				if j >= len(b) || b[j] != '"' {
					return 0, false
				}
				_, e, _, ok := scanString(b, j)
				if !ok {
					return 0, false
				}
				j = skipWS(b, e+1)
				if j >= len(b) || b[j] != ':' {
					return 0, false
				}
				j = skipWS(b, j+1)
			}
			e, ok := skipValue(b, j, depth+1)
			if !ok {
				return 0, false
			}
			j = skipWS(b, e)
			if j >= len(b) {
				return 0, false
			}
			if b[j] == closer {
				return j + 1, true
			}
			if b[j] != ',' {
				return 0, false
			}
			j = skipWS(b, j+1)
		}
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		j := i + 1
		for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '.' || b[j] == 'e' || b[j] == 'E' || b[j] == '+' || b[j] == '-') {
			j++
		}
		return j, validNumber(b[i:j])
	}
	return 0, false
}

// validNumber checks JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(n []byte) bool {
	i := 0
	if i < len(n) && n[i] == '-' {
		i++
	}
	digits := func() int {
		s := i
		for i < len(n) && n[i] >= '0' && n[i] <= '9' {
			i++
		}
		return i - s
	}
	switch {
	case i < len(n) && n[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(n) && n[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(n) && (n[i] == 'e' || n[i] == 'E') {
		i++
		if i < len(n) && (n[i] == '+' || n[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(n)
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit), true
	}
	return 0, false
}

// knownString is plainString without allocating for the commands and
// the stream names that make up most of the traffic.
func knownString(v []byte) (string, bool) {
	switch string(v) {
	case `"emit"`:
		return CmdEmit, true
	case `"ack"`:
		return CmdAck, true
	case `"sync"`:
		return CmdSync, true
	case `"fail"`:
		return CmdFail, true
	case `"default"`:
		return "default", true
	}
	return plainString(v)
}

// plainString decodes a string value without escapes; null gives "".
func plainString(v []byte) (string, bool) {
	if string(v) == "null" {
		return "", true
	}
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	s, e, esc, ok := scanString(v, 0)
	if !ok || esc || e != len(v)-1 || !validUTF8(v[s:e]) {
		return "", false
	}
	return string(v[s:e]), true
}

func validUTF8(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.Valid(b)
		}
	}
	return true
}

func intPtr(v []byte) (*int, bool) {
	if string(v) == "null" {
		return nil, true
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return nil, false
	}
	return &n, true
}

// rawArray splits an array into its raw elements; null gives nil.
func rawArray(v []byte) ([]json.RawMessage, bool) {
	if string(v) == "null" {
		return nil, true
	}
	if len(v) < 2 || v[0] != '[' {
		return nil, false
	}
	out := make([]json.RawMessage, 0, 4)
	j := skipWS(v, 1)
	if j < len(v) && v[j] == ']' {
		return out, true
	}
	for {
		e, ok := skipValue(v, j, 1)
		if !ok {
			return nil, false
		}
		out = append(out, json.RawMessage(v[j:e]))
		j = skipWS(v, e)
		if j >= len(v) {
			return nil, false
		}
		if v[j] == ']' {
			return out, true
		}
		if v[j] != ',' {
			return nil, false
		}
		j = skipWS(v, j+1)
	}
}
