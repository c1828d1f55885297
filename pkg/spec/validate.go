package spec

import (
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// disallowedNameChars are the characters Nimbus refuses in a topology name.
const disallowedNameChars = "/.:\\"

// ValidateName checks a topology name against Storm's rules.
func ValidateName(name string) string {
	if strings.TrimSpace(name) == "" {
		return "the topology name must not be blank"
	}
	if i := strings.IndexAny(name, disallowedNameChars); i >= 0 {
		return "the topology name " + quote(name) + " contains " + quote(name[i:i+1]) + "; Storm refuses the characters / . : \\"
	}
	return ""
}

func validate(s *Spec, top *rawSpec, opts Options, p *problems) {
	if top.failed {
		return
	}
	switch {
	case s.Name == "" && s.NamePos.Line == 0:
		p.add(Pos{File: s.File, Line: 1, Col: 1}, "add a line such as `name: wordcount`", "the topology has no name")
	default:
		if msg := ValidateName(s.Name); msg != "" {
			pos := s.NamePos
			if opts.Name != "" {
				pos = Pos{File: "--name"}
			}
			p.add(pos, "use letters, digits, - and _", "%s", msg)
		}
	}
	if top.broken {
		return
	}
	if len(s.Spouts) == 0 {
		p.add(Pos{File: s.File, Line: 1, Col: 1}, "every topology needs at least one spout under `spouts:`", "the topology has no spout")
	}
	ids := map[string]*Component{}
	var idList []string
	for _, c := range s.Components() {
		if c.ID == "" {
			continue
		}
		if prev, dup := ids[c.ID]; dup {
			p.add(c.Pos, "ids must be unique across spouts and bolts", "duplicate id %q (first defined at %s)", c.ID, prev.Pos)
			continue
		}
		if strings.HasPrefix(c.ID, "__") {
			p.add(c.Pos, "choose another id", "component ids starting with \"__\" are reserved by Storm")
		}
		ids[c.ID] = c
		idList = append(idList, c.ID)
	}
	sort.Strings(idList)

	type sub struct{ to, from, stream string }
	subs := map[sub]*Stream{}
	subscribed := map[string]bool{}
	for _, st := range s.Streams {
		from, to := ids[st.From], ids[st.To]
		if st.From != "" && from == nil {
			p.add(st.FromPos, didYouMean(st.From, idList), "stream from unknown component %q", st.From)
		}
		if st.To != "" && to == nil {
			p.add(st.ToPos, didYouMean(st.To, idList), "stream to unknown component %q", st.To)
		}
		if to != nil && to.Kind == KindSpout {
			p.add(st.ToPos, "a stream must end at a bolt", "stream goes into the spout %q; spouts take no input", st.To)
			to = nil
		}
		if to != nil {
			subscribed[to.ID] = true
		}
		if from == nil || to == nil || st.Grouping.Type == "" {
			continue
		}
		key := sub{st.To, st.From, st.Grouping.Stream()}
		if prev, dup := subs[key]; dup {
			p.add(st.Pos, "Storm keeps one grouping per source stream; remove one", "%q already subscribes to stream %q of %q at %s", st.To, key.stream, st.From, prev.Pos)
			continue
		}
		subs[key] = st
		checkSource(from, st, p)
	}
	for _, c := range s.Bolts {
		if c.ID != "" && !subscribed[c.ID] {
			s.Warnings = append(s.Warnings, &Error{Pos: c.Pos, Msg: "bolt " + quote(c.ID) + " receives no stream", Hint: "add a stream to it or remove it"})
		}
	}
	for _, c := range s.Components() {
		if c.NumTasks > 0 && c.NumTasks < c.Parallelism {
			s.Warnings = append(s.Warnings, &Error{Pos: c.Pos, Msg: quote(c.ID) + " has fewer tasks than executors; Storm runs only " + strconv.Itoa(c.NumTasks) + " executors"})
		}
	}
	if opts.ResourcesDir != "" {
		checkScripts(s, opts, p)
	}
}

// checkSource verifies that the source of a stream declares the stream and
// the fields a FIELDS grouping uses.
func checkSource(from *Component, st *Stream, p *problems) {
	g := st.Grouping
	if from.Java != nil {
		p.add(st.FromPos, "a Java component can only be a sink in a topology built without a JVM", "%q is a Java component: stormpy cannot learn its output streams without running it, so Nimbus would not know the fields of what it emits", from.ID)
		return
	}
	if from.Shell == nil {
		return
	}
	fields, ok := from.Shell.Outputs[g.Stream()]
	if !ok {
		declared := sortedKeys(from.Shell.Outputs)
		hint := didYouMean(g.Stream(), declared)
		if hint == "" && len(declared) > 0 {
			hint = quote(from.ID) + " declares " + strings.Join(declared, ", ")
		} else if hint == "" {
			hint = "declare it with output fields in constructorArgs, setDefaultStream or setNamedStream"
		}
		p.add(g.StreamPos, hint, "%q does not declare the stream %q", from.ID, g.Stream())
		return
	}
	for _, f := range g.Args {
		if !contains(fields, f) {
			p.add(g.ArgsPos, didYouMeanOr(f, fields, "stream "+quote(g.Stream())+" of "+quote(from.ID)+" has fields "+strings.Join(fields, ", ")), "FIELDS grouping on %q, which stream %q of %q does not declare", f, g.Stream(), from.ID)
		}
	}
}

func didYouMeanOr(s string, candidates []string, otherwise string) string {
	if h := didYouMean(s, candidates); h != "" {
		return h
	}
	return otherwise
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scriptExts are the file types treated as a component's script.
var scriptExts = []string{".py", ".sh", ".rb", ".js", ".pl", ".php"}

// Script returns the script a shell command runs, relative to resources/,
// or "" when none can be identified (for example a binary on PATH).
func Script(command []string) string {
	if len(command) < 2 {
		return ""
	}
	base := path.Base(command[0])
	isPython := strings.HasPrefix(base, "python") || strings.HasPrefix(base, "pypy")
	for i := 1; i < len(command); i++ {
		a := command[i]
		if isPython {
			if a == "-m" || a == "-c" {
				return ""
			}
			if strings.HasPrefix(a, "-") {
				continue
			}
			return a
		}
		for _, ext := range scriptExts {
			if strings.HasSuffix(a, ext) && !strings.HasPrefix(a, "-") {
				return a
			}
		}
	}
	return ""
}

// checkScripts verifies that every shell component's script exists in the
// resources directory and that Python scripts compile.
func checkScripts(s *Spec, opts Options, p *problems) {
	var pyScripts []pyScript
	seen := map[string]bool{}
	for _, c := range s.Components() {
		if c.Shell == nil || len(c.Shell.Command) == 0 {
			continue
		}
		script := Script(c.Shell.Command)
		if script == "" || filepath.IsAbs(script) {
			continue
		}
		clean := path.Clean(script)
		if clean == ".." || strings.HasPrefix(clean, "../") {
			p.add(c.Shell.CommandPos, "move the script into the resources directory", "the script %s of %q is outside the resources directory, which is all the jar carries", script, c.ID)
			continue
		}
		full := filepath.Join(opts.ResourcesDir, filepath.FromSlash(clean))
		if !fileExists(full) {
			p.add(c.Shell.CommandPos, "create it under "+opts.ResourcesDir+" or fix the command", "the script %s of %q does not exist in %s", script, c.ID, opts.ResourcesDir)
			continue
		}
		if strings.HasSuffix(clean, ".py") && !seen[full] {
			seen[full] = true
			pyScripts = append(pyScripts, pyScript{path: full})
		}
	}
	if len(pyScripts) > 0 && opts.Python != "-" {
		compileCheck(pyScripts, opts.Python, s, p)
	}
}
