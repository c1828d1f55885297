package multilang

import (
	"encoding/json"
	"reflect"
	"testing"
)

var decodeSeeds = []string{
	`{"command":"emit","id":{"k":[1,2]},"stream":"s","task":7,"tuple":["a b",1.5,null,{"x":[true,false]}],"anchors":["12","13"],"need_task_ids":false}`,
	`{"command":"ack","id":"123"}`,
	`{"command":"log","msg":"caf\u00e9 \"quoted\"","level":3}`,
	`{"command":"sync"}`,
	`{"pid":4242}`,
	`{"command":"emit","tuple":[],"anchors":null,"task":null}`,
	`{"Command":"emit"}`,
	`{"command":"metrics","name":"m","params":[1,{"a":2}]}`,
	` { "command" : "emit" , "tuple" : [ 1 , -2.5e3 , "x" ] } `,
	`{"command":"emit","tuple":[01]}`,
	`{"command":"emit","task":1.0}`,
	`{"command":"emit","tuple":[1,]}`,
	`{"command":"emit","id":null,"need_task_ids":true}`,
	`{"ſtream":"x","command":"emit"}`,
	`{}`,
}

// decodeStd is what Decode did before the fast path.
func decodeStd(doc []byte) (*Message, error) {
	m := new(Message)
	err := json.Unmarshal(doc, m)
	return m, err
}

func TestDecodeFastMatchesEncodingJSON(t *testing.T) {
	for _, s := range decodeSeeds {
		checkAgree(t, []byte(s))
	}
	var m Message
	if !decodeFast([]byte(decodeSeeds[0]), &m) {
		t.Error("the common emit shape took the slow path")
	}
}

func checkAgree(t *testing.T, doc []byte) {
	t.Helper()
	var fast Message
	ok := decodeFast(doc, &fast)
	std, err := decodeStd(doc)
	if !ok {
		return // Decode falls back to encoding/json
	}
	if err != nil {
		t.Fatalf("fast path accepted %q, which encoding/json rejects: %v", doc, err)
	}
	if !reflect.DeepEqual(normalize(&fast), normalize(std)) {
		t.Fatalf("decode %q:\nfast %+v\nstd  %+v", doc, fast, *std)
	}
}

// normalize compares raw values by their meaning, not their spacing.
func normalize(m *Message) map[string]any {
	raw := func(r json.RawMessage) any {
		if r == nil {
			return "<nil>"
		}
		var v any
		if err := json.Unmarshal(r, &v); err != nil {
			return "<invalid " + string(r) + ">"
		}
		return v
	}
	raws := func(rs []json.RawMessage) any {
		if rs == nil {
			return "<nil>"
		}
		out := []any{}
		for _, r := range rs {
			out = append(out, raw(r))
		}
		return out
	}
	deref := func(p *int) any {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	var need any = "<nil>"
	if m.NeedTaskIDs != nil {
		need = *m.NeedTaskIDs
	}
	return map[string]any{"command": m.Command, "id": raw(m.ID), "stream": m.Stream, "task": deref(m.Task),
		"tuple": raws(m.Tuple), "anchors": raws(m.Anchors), "need": need, "msg": m.Msg, "level": deref(m.Level),
		"name": m.Name, "params": raw(m.Params), "pid": deref(m.PID)}
}

func FuzzDecodeFast(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkAgree(t, doc)
	})
}

func BenchmarkDecode(b *testing.B) {
	doc := []byte(`{"command":"emit","anchors":["12345"],"tuple":["snow",42],"need_task_ids":false}`)
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, err := Decode(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeStd(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestValidNumber(t *testing.T) {
	for _, n := range []string{"0", "-0", "12", "-1.5", "1e9", "1E+2", "2.5e-3", "01", "-", "1.", ".5", "1e", "+1", "1-", "0x1", "--1", "1.2.3"} {
		if got, want := validNumber([]byte(n)), json.Valid([]byte(n)); got != want {
			t.Errorf("validNumber(%q) = %v, want %v", n, got, want)
		}
	}
}
