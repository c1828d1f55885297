package spec

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Filters are Flux's property substitutions, applied to the text of a spec
// before it is parsed as YAML, exactly like Flux does: `${key}` is replaced
// from a properties file (--filter) and `${ENV-NAME}` from the environment
// (--env-filter). Unlike Flux, a reference that nothing resolves is an
// error with its position rather than a silent leftover.
type Filters struct {
	// Properties holds the values from the --filter file; nil when none.
	Properties map[string]string
	// PropertiesFile names that file, for messages.
	PropertiesFile string
	// Env enables ${ENV-NAME} substitution.
	Env bool
	// LookupEnv reads the environment; os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
}

// LoadProperties reads a Java .properties file.
func LoadProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read filter file: %w", err)
	}
	defer f.Close()
	return ParseProperties(f)
}

// ParseProperties parses the Java .properties format: `key=value`,
// `key: value` or `key value` lines, `#` and `!` comments, backslash line
// continuations and the usual escapes.
func ParseProperties(r io.Reader) (map[string]string, error) {
	props := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var logical strings.Builder
	continuing := false
	for sc.Scan() {
		line := sc.Text()
		if continuing {
			line = strings.TrimLeft(line, " \t\f")
		} else {
			trimmed := strings.TrimLeft(line, " \t\f")
			if trimmed == "" || trimmed[0] == '#' || trimmed[0] == '!' {
				continue
			}
			line = trimmed
		}
		// An odd number of trailing backslashes continues the line.
		n := len(line) - len(strings.TrimRight(line, "\\"))
		if n%2 == 1 {
			logical.WriteString(line[:len(line)-1])
			continuing = true
			continue
		}
		logical.WriteString(line)
		continuing = false
		k, v := splitProperty(logical.String())
		props[unescapeProperty(k)] = unescapeProperty(v)
		logical.Reset()
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if logical.Len() > 0 {
		k, v := splitProperty(logical.String())
		props[unescapeProperty(k)] = unescapeProperty(v)
	}
	return props, nil
}

func splitProperty(line string) (string, string) {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '=', ':', ' ', '\t', '\f':
			key := line[:i]
			rest := strings.TrimLeft(line[i:], " \t\f")
			if line[i] == ' ' || line[i] == '\t' || line[i] == '\f' {
				if rest != "" && (rest[0] == '=' || rest[0] == ':') {
					rest = strings.TrimLeft(rest[1:], " \t\f")
				}
			} else {
				rest = strings.TrimLeft(line[i+1:], " \t\f")
			}
			return key, rest
		}
	}
	return line, ""
}

func unescapeProperty(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// substitute applies the filters to a spec's text. Every reference is
// resolved or reported; the text is returned only when all resolve.
func (f Filters) substitute(file string, text []byte, p *problems) []byte {
	src := string(text)
	if !strings.Contains(src, "${") {
		return text
	}
	lookupEnv := f.LookupEnv
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	var out strings.Builder
	line, col := 1, 1
	for i := 0; i < len(src); {
		if strings.HasPrefix(src[i:], "${") {
			end := strings.IndexByte(src[i:], '}')
			nl := strings.IndexByte(src[i:], '\n')
			if end > 0 && (nl < 0 || end < nl) {
				key := src[i+2 : i+end]
				pos := Pos{File: file, Line: line, Col: col}
				if v, ok := f.resolve(key, lookupEnv, pos, p); ok {
					out.WriteString(v)
				} else {
					out.WriteString(src[i : i+end+1])
				}
				col += end + 1
				i += end + 1
				continue
			}
		}
		c := src[i]
		out.WriteByte(c)
		if c == '\n' {
			line, col = line+1, 1
		} else if c < 0x80 || c >= 0xC0 {
			col++
		}
		i++
	}
	return []byte(out.String())
}

func (f Filters) resolve(key string, lookupEnv func(string) (string, bool), pos Pos, p *problems) (string, bool) {
	if name, isEnv := strings.CutPrefix(key, "ENV-"); isEnv {
		if !f.Env {
			p.add(pos, "pass --env-filter to substitute environment variables", "unresolved variable ${%s}", key)
			return "", false
		}
		v, ok := lookupEnv(name)
		if !ok {
			p.add(pos, "set it in the environment, or remove the reference", "environment variable %s is not set (referenced as ${%s})", name, key)
			return "", false
		}
		return v, true
	}
	if f.Properties == nil {
		p.add(pos, "pass --filter FILE.properties that defines "+quote(key), "unresolved variable ${%s}", key)
		return "", false
	}
	v, ok := f.Properties[key]
	if !ok {
		keys := make([]string, 0, len(f.Properties))
		for k := range f.Properties {
			keys = append(keys, k)
		}
		hint := didYouMean(key, keys)
		if hint == "" {
			hint = "define it in " + f.PropertiesFile
		}
		p.add(pos, hint, "unresolved variable ${%s}: %s does not define it", key, f.PropertiesFile)
		return "", false
	}
	return v, true
}
