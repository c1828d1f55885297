package topology

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/stormpy/stormpy/pkg/stormthrift"
)

func sampleTopology() *Topology {
	return &Topology{
		Name: "wc",
		Conf: map[string]any{"topology.workers": int64(2), "topology.debug": true},
		Components: []*Component{
			{
				ID: "sentences", Kind: Spout, Parallelism: 2, NumTasks: 4,
				Shell:   &Shell{Command: []string{"python3", "spout.py"}, ExecutionCommand: "python3", Script: "spout.py"},
				Conf:    map[string]any{"topology.max.spout.pending": int64(100)},
				Outputs: map[string]*StreamDef{"default": {Fields: []string{"sentence"}}, "direct": {Fields: []string{"x"}, Direct: true}},
			},
			{
				ID: "split", Kind: Bolt, Parallelism: 3,
				Java:    &JavaObject{ClassName: "org.example.Split", Args: []any{int64(7), int64(1) << 40, 1.5, "s", true, []byte(nil)}},
				Outputs: map[string]*StreamDef{"default": {Fields: []string{"word"}}},
				Inputs: []*Input{
					{From: "sentences", Stream: "default", Grouping: Grouping{Type: Shuffle}},
					{From: "sentences", Stream: "direct", Grouping: Grouping{Type: Direct}},
				},
			},
			{
				ID: "count", Kind: Bolt, Parallelism: 1,
				Shell:   &Shell{ExecutionCommand: "bin/launch-count"},
				Outputs: map[string]*StreamDef{},
				Inputs: []*Input{
					{From: "split", Grouping: Grouping{Type: Fields, Fields: []string{"word"}}},
				},
			},
		},
	}
}

func inputOf(t *testing.T, common *stormthrift.ComponentCommon, from, stream string) *stormthrift.Grouping {
	t.Helper()
	for k, g := range common.Inputs {
		if k.ComponentId == from && k.StreamId == stream {
			return g
		}
	}
	t.Fatalf("no input %s/%s", from, stream)
	return nil
}

func TestThrift(t *testing.T) {
	st, err := sampleTopology().Thrift()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Spouts) != 1 || len(st.Bolts) != 2 || st.StateSpouts == nil || len(st.StateSpouts) != 0 {
		t.Fatalf("spouts %d bolts %d state %v", len(st.Spouts), len(st.Bolts), st.StateSpouts)
	}
	if st.StormVersion != nil {
		t.Error("storm_version must stay unset")
	}
	sp := st.Spouts["sentences"]
	if sh := sp.SpoutObject.Shell; sh == nil || sh.ExecutionCommand != "python3" || sh.Script != "spout.py" {
		t.Errorf("spout object = %+v", sp.SpoutObject)
	}
	if sp.Common.GetParallelismHint() != 2 {
		t.Errorf("parallelism = %d", sp.Common.GetParallelismHint())
	}
	var conf map[string]any
	if err := json.Unmarshal([]byte(sp.Common.GetJSONConf()), &conf); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(conf, map[string]any{"topology.max.spout.pending": 100.0, "topology.tasks": 4.0}) {
		t.Errorf("spout json_conf = %v", conf)
	}
	if s := sp.Common.Streams["direct"]; s == nil || !s.Direct || !reflect.DeepEqual(s.OutputFields, []string{"x"}) {
		t.Errorf("direct stream = %+v", s)
	}
	if s := sp.Common.Streams["default"]; s == nil || s.Direct {
		t.Errorf("default stream = %+v", s)
	}

	split := st.Bolts["split"]
	jo := split.BoltObject.JavaObject
	if jo == nil || jo.FullClassName != "org.example.Split" || len(jo.ArgsList) != 6 {
		t.Fatalf("java object = %+v", jo)
	}
	if jo.ArgsList[0].IntArg == nil || *jo.ArgsList[0].IntArg != 7 {
		t.Errorf("small int must be int_arg: %+v", jo.ArgsList[0])
	}
	if jo.ArgsList[1].LongArg == nil || *jo.ArgsList[1].LongArg != 1<<40 {
		t.Errorf("large int must be long_arg: %+v", jo.ArgsList[1])
	}
	if jo.ArgsList[2].GetDoubleArg() != 1.5 || jo.ArgsList[3].GetStringArg() != "s" || !jo.ArgsList[4].GetBoolArg() || !jo.ArgsList[5].IsSetBinaryArg() {
		t.Errorf("args = %+v", jo.ArgsList)
	}
	if split.Common.JSONConf != nil {
		t.Errorf("no conf and no numTasks must leave json_conf unset, got %q", *split.Common.JSONConf)
	}
	if g := inputOf(t, split.Common, "sentences", "default"); !g.IsSetShuffle() || g.CountSetFieldsGrouping() != 1 {
		t.Errorf("shuffle grouping = %+v", g)
	}
	if g := inputOf(t, split.Common, "sentences", "direct"); !g.IsSetDirect() {
		t.Errorf("direct grouping = %+v", g)
	}
	count := st.Bolts["count"]
	if sh := count.BoltObject.Shell; sh.ExecutionCommand != "bin/launch-count" || sh.Script != "" {
		t.Errorf("launcher shell = %+v", sh)
	}
	if g := inputOf(t, count.Common, "split", "default"); !reflect.DeepEqual(g.Fields, []string{"word"}) {
		t.Errorf("fields grouping = %+v", g)
	}

	// The whole structure must pass the generated writer's checks (unions
	// with exactly one member, required fields set) and read back equal.
	ctx := context.Background()
	b, err := thrift.NewTSerializer().Write(ctx, st)
	if err != nil {
		t.Fatalf("serialize: %v", err)
	}
	back := stormthrift.NewStormTopology()
	if err := thrift.NewTDeserializer().Read(ctx, back, b); err != nil {
		t.Fatalf("deserialize: %v", err)
	}
	if len(back.Bolts["split"].Common.Inputs) != 2 || back.Spouts["sentences"].Common.GetJSONConf() != sp.Common.GetJSONConf() {
		t.Errorf("round trip lost data: %+v", back)
	}
}

func TestThriftGroupings(t *testing.T) {
	custom := &JavaObject{ClassName: "org.example.G", Args: []any{"a"}}
	cases := []struct {
		g     Grouping
		check func(*stormthrift.Grouping) bool
	}{
		{Grouping{Type: Shuffle}, (*stormthrift.Grouping).IsSetShuffle},
		{Grouping{Type: All}, (*stormthrift.Grouping).IsSetAll},
		{Grouping{Type: None}, (*stormthrift.Grouping).IsSetNone},
		{Grouping{Type: Direct}, (*stormthrift.Grouping).IsSetDirect},
		{Grouping{Type: LocalOrShuffle}, (*stormthrift.Grouping).IsSetLocalOrShuffle},
		{Grouping{Type: Global}, func(g *stormthrift.Grouping) bool { return g.Fields != nil && len(g.Fields) == 0 }},
		{Grouping{Type: Fields, Fields: []string{"a", "b"}}, func(g *stormthrift.Grouping) bool { return reflect.DeepEqual(g.Fields, []string{"a", "b"}) }},
		{Grouping{Type: Custom, CustomClass: custom}, func(g *stormthrift.Grouping) bool {
			return g.CustomObject != nil && g.CustomObject.FullClassName == "org.example.G" && g.CustomObject.ArgsList[0].GetStringArg() == "a"
		}},
	}
	for _, c := range cases {
		g, err := c.g.thrift()
		if err != nil {
			t.Errorf("%s: %v", c.g.Type, err)
			continue
		}
		if !c.check(g) || g.CountSetFieldsGrouping() != 1 {
			t.Errorf("%s: got %+v", c.g.Type, g)
		}
	}
}

func TestThriftErrors(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Topology)
		msg    string
	}{
		{"no object", func(tp *Topology) { tp.Components[0].Shell = nil }, `component "sentences": neither shell nor java`},
		{"both objects", func(tp *Topology) { tp.Components[0].Java = &JavaObject{ClassName: "X"} }, "both shell and java"},
		{"bad grouping", func(tp *Topology) { tp.Components[2].Inputs[0].Grouping.Type = "ODD" }, `unknown grouping "ODD"`},
		{"fields without fields", func(tp *Topology) { tp.Components[2].Inputs[0].Grouping.Fields = nil }, "FIELDS grouping without fields"},
		{"custom without class", func(tp *Topology) { tp.Components[2].Inputs[0].Grouping = Grouping{Type: Custom} }, "without customClass"},
		{"bad java arg", func(tp *Topology) { tp.Components[1].Java.Args = []any{[]string{"x"}} }, "org.example.Split argument 1: []string cannot be"},
		{"spout with input", func(tp *Topology) { tp.Components[0].Inputs = tp.Components[2].Inputs }, "a spout cannot subscribe"},
		{"no spout", func(tp *Topology) { tp.Components = tp.Components[1:] }, "has no spout"},
		{"duplicate id", func(tp *Topology) { tp.Components[2].ID = "split" }, `component "split": duplicate id`},
		{"double subscription", func(tp *Topology) {
			tp.Components[2].Inputs = append(tp.Components[2].Inputs, &Input{From: "split", Stream: "default", Grouping: Grouping{Type: Shuffle}})
		}, "subscribes twice"},
		{"bad conf", func(tp *Topology) { tp.Components[0].Conf = map[string]any{"f": func() {}} }, "component conf"},
	}
	for _, c := range cases {
		tp := sampleTopology()
		c.mutate(tp)
		_, err := tp.Thrift()
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.msg)
		}
	}
}

func TestConfJSON(t *testing.T) {
	b, err := sampleTopology().ConfJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"topology.debug":true,"topology.workers":2}` {
		t.Errorf("ConfJSON = %s", b)
	}
	b, err = (&Topology{}).ConfJSON()
	if err != nil || string(b) != "{}" {
		t.Errorf("empty ConfJSON = %s, %v", b, err)
	}
	if _, err := (&Topology{Conf: map[string]any{"x": func() {}}}).ConfJSON(); err == nil {
		t.Error("unencodable conf must fail")
	}
}
