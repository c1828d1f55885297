package multilang

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestReaderFraming(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
		err  error
	}{
		{"one", "{\"command\":\"sync\"}\nend\n", []string{`{"command":"sync"}`}, io.EOF},
		{"two", "{\"a\":1}\nend\n{\"b\":2}\nend\n", []string{`{"a":1}`, `{"b":2}`}, io.EOF},
		{"multiline", "{\n\"a\": 1\n}\nend\n", []string{"{\n\"a\": 1\n}"}, io.EOF},
		{"crlf", "{\"a\":1}\r\nend\r\n", []string{`{"a":1}`}, io.EOF},
		{"bare end skipped", "end\n{\"a\":1}\nend\n", []string{`{"a":1}`}, io.EOF},
		{"end inside a line", "{\"a\":\"end\"}\nend\n", []string{`{"a":"end"}`}, io.EOF},
		{"truncated", "{\"a\":1}\n", nil, io.ErrUnexpectedEOF},
		{"truncated no newline", "{\"a\"", nil, io.ErrUnexpectedEOF},
		{"empty", "", nil, io.EOF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(c.in), 0)
			var got []string
			var err error
			for {
				var doc []byte
				doc, err = r.Next()
				if err != nil {
					break
				}
				got = append(got, string(doc))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("docs = %q, want %q", got, c.want)
			}
			if !errors.Is(err, c.err) {
				t.Errorf("err = %v, want %v", err, c.err)
			}
		})
	}
}

func TestReaderLongLine(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	in := "{\"msg\":\"" + long + "end\"}\nend\n"
	r := NewReader(strings.NewReader(in), 0)
	doc, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if len(doc) != len(in)-len("\nend\n") {
		t.Fatalf("doc length %d", len(doc))
	}
	r = NewReader(strings.NewReader(in), 1000)
	if _, err := r.Next(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestDecode(t *testing.T) {
	m, err := Decode([]byte(`{"command":"emit","id":{"k":[1,2]},"stream":"s","task":7,"tuple":["a b",1.5,null],"anchors":["12","13"],"need_task_ids":false}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Command != CmdEmit || string(m.ID) != `{"k":[1,2]}` || m.Stream != "s" || *m.Task != 7 || m.WantsTaskIDs() {
		t.Errorf("bad decode: %+v", m)
	}
	if len(m.Tuple) != 3 || string(m.Tuple[0]) != `"a b"` || string(m.Tuple[2]) != "null" {
		t.Errorf("tuple = %q", m.Tuple)
	}
	for _, a := range m.Anchors {
		if _, err := ParseTupleID(a); err != nil {
			t.Error(err)
		}
	}
	m, err = Decode([]byte(`{"command":"log","msg":"hi"}`))
	if err != nil || m.LogLevel() != LevelInfo || !m.WantsTaskIDs() {
		t.Errorf("log: %+v %v", m, err)
	}
	for _, bad := range []string{`{}`, `[1]`, `{"command":`, `{"command":"emit","tuple":"x"}`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%s) succeeded", bad)
		}
	}
	m, err = Decode([]byte(`{"pid": 1234}`))
	if err != nil || *m.PID != 1234 {
		t.Errorf("pid: %+v %v", m, err)
	}
}

func TestParseTupleID(t *testing.T) {
	for in, want := range map[string]uint64{`"42"`: 42, `42`: 42, `"18446744073709551615"`: 1<<64 - 1} {
		got, err := ParseTupleID(json.RawMessage(in))
		if err != nil || got != want {
			t.Errorf("ParseTupleID(%s) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{`"x"`, `-1`, `1.5`, `""`, `null`} {
		if _, err := ParseTupleID(json.RawMessage(in)); err == nil {
			t.Errorf("ParseTupleID(%s) succeeded", in)
		}
	}
}

func TestWriterMessages(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteTuple(9, "split", "default", 3, []json.RawMessage{json.RawMessage(`"a"`), json.RawMessage(`2`)}))
	must(w.WriteHeartbeat(10))
	must(w.WriteSpoutCommand(SpoutAck, json.RawMessage(`{"x":1}`)))
	must(w.WriteSpoutCommand(SpoutNext, nil))
	must(w.WriteTaskIDs([]int{4, 5}))
	must(w.WriteTaskIDs(nil))
	if out.Len() != 0 {
		t.Fatal("wrote before Flush")
	}
	must(w.Flush())
	want := `{"id":"9","comp":"split","stream":"default","task":3,"tuple":["a",2]}
end
{"id":"10","comp":null,"stream":"__heartbeat","task":-1,"tuple":[]}
end
{"command":"ack","id":{"x":1}}
end
{"command":"next"}
end
[4,5]
end
[]
end
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	r := NewReader(&out, 0)
	for i := 0; ; i++ {
		doc, err := r.Next()
		if err == io.EOF {
			if i != 6 {
				t.Errorf("read back %d docs", i)
			}
			break
		}
		if err != nil || !json.Valid(doc) {
			t.Fatalf("doc %d: %q %v", i, doc, err)
		}
	}
}

func TestHandshakeGroupings(t *testing.T) {
	h := Handshake{PIDDir: "/p", Conf: map[string]any{"k": 1}, Context: &Context{
		TaskToComponent: map[int]string{1: "s", 2: "b"},
		TaskID:          2, ComponentID: "b",
		SourceToStreamToGrouping: map[string]map[string]Grouping{"s": {
			"default": {Type: "FIELDS"}, "x": {Type: "SHUFFLE"}, "y": {Type: "FIELDS", Fields: []string{"w"}}}},
	}}
	var out bytes.Buffer
	w := NewWriter(&out)
	if err := w.WriteJSON(h); err != nil {
		t.Fatal(err)
	}
	_ = w.Flush()
	b, err := NewReader(&out, 0).Next()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"default":{"type":"FIELDS","fields":[]}`, `"x":{"type":"SHUFFLE"}`, `"y":{"type":"FIELDS","fields":["w"]}`, `"task->component":{"1":"s","2":"b"}`, `"pidDir":"/p"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("handshake %s lacks %s", b, want)
		}
	}
	var back Handshake
	if err := json.Unmarshal(b, &back); err != nil || back.Context.SourceToStreamToGrouping["s"]["y"].Fields[0] != "w" {
		t.Errorf("round trip: %v %+v", err, back.Context)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", "quo\"te\\", "line\nbreak\r\t", "\x00\x1f", "é漢字🙂", "bad\xffutf8", "\u2028\u2029", "end"} {
		got := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("AppendString(%q) = %s: %v", s, got, err)
			continue
		}
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("AppendString(%q) decodes to %q, want %q", s, back, wantBack)
		}
		if bytes.ContainsAny(got, "\n\r") {
			t.Errorf("AppendString(%q) has a raw line break", s)
		}
	}
}

// FuzzStringRoundTrip checks that any string survives the writer and the
// reader as one document.
func FuzzStringRoundTrip(f *testing.F) {
	for _, s := range []string{"", "end", "a\nend\nb", "\xff", "🙂"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var out bytes.Buffer
		w := NewWriter(&out)
		if err := w.WriteTuple(1, s, s, 1, []json.RawMessage{AppendString(nil, s)}); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		r := NewReader(&out, 0)
		doc, err := r.Next()
		if err != nil {
			t.Fatalf("read back: %v", err)
		}
		var v struct {
			Comp  string   `json:"comp"`
			Tuple []string `json:"tuple"`
		}
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatalf("decode %q: %v", doc, err)
		}
		// Like encoding/json, each invalid byte becomes one U+FFFD.
		wb, _ := json.Marshal(s)
		var want string
		_ = json.Unmarshal(wb, &want)
		if v.Comp != want || v.Tuple[0] != want {
			t.Fatalf("round trip %q -> %q", s, v.Comp)
		}
		if _, err := r.Next(); err != io.EOF {
			t.Fatalf("trailing data: %v", err)
		}
	})
}

// FuzzReader checks that arbitrary child output never panics the reader
// and that every document it yields is a prefix-free slice of the input.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"{}\nend\n", "end\nend\n", "x\r\nend\r\n{", "\n\nend\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), 1<<16)
		total := 0
		for {
			doc, err := r.Next()
			if err != nil {
				break
			}
			total += len(doc)
			if total > len(in) {
				t.Fatalf("read more than the input")
			}
			_, _ = Decode(doc)
		}
	})
}

func TestReaderReady(t *testing.T) {
	pr, pw := io.Pipe()
	r := NewReader(pr, 0)
	go func() {
		_, _ = pw.Write([]byte("{\"a\":1}\nend\n{\"b\":2}\nend\n{\"c\""))
	}()
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if !r.Ready() {
		t.Error("second message is buffered but Ready is false")
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if r.Ready() {
		t.Error("Ready is true with only part of a message buffered")
	}
	pw.Close()
}
