package topology

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// confTasks is the per-component setting that carries Flux's numTasks.
const confTasks = "topology.tasks"

// Thrift converts the topology into the StormTopology that submitTopology
// carries. Shell components become native ShellComponents and Java
// components JavaObjects, so no Java serialization is involved. The
// storm_version field stays unset: a 2.x Nimbus then runs the topology with
// its own version, while a set one would have to match a configured
// classpath.
func (t *Topology) Thrift() (*stormthrift.StormTopology, error) {
	st := &stormthrift.StormTopology{
		Spouts:      map[string]*stormthrift.SpoutSpec{},
		Bolts:       map[string]*stormthrift.Bolt{},
		StateSpouts: map[string]*stormthrift.StateSpoutSpec{},
	}
	for _, c := range t.Components {
		obj, err := c.thriftObject()
		if err != nil {
			return nil, fmt.Errorf("component %q: %w", c.ID, err)
		}
		common, err := c.thriftCommon()
		if err != nil {
			return nil, fmt.Errorf("component %q: %w", c.ID, err)
		}
		if _, dup := st.Spouts[c.ID]; dup {
			return nil, fmt.Errorf("component %q: duplicate id", c.ID)
		}
		if _, dup := st.Bolts[c.ID]; dup {
			return nil, fmt.Errorf("component %q: duplicate id", c.ID)
		}
		switch c.Kind {
		case Spout:
			if len(c.Inputs) > 0 {
				return nil, fmt.Errorf("component %q: a spout cannot subscribe to streams", c.ID)
			}
			st.Spouts[c.ID] = &stormthrift.SpoutSpec{SpoutObject: obj, Common: common}
		case Bolt:
			st.Bolts[c.ID] = &stormthrift.Bolt{BoltObject: obj, Common: common}
		default:
			return nil, fmt.Errorf("component %q: unknown kind %q", c.ID, c.Kind)
		}
	}
	if len(st.Spouts) == 0 {
		return nil, fmt.Errorf("topology %q has no spout", t.Name)
	}
	return st, nil
}

// ConfJSON is the topology configuration as the JSON object that
// submitTopology's jsonConf carries (an empty object when there is none).
func (t *Topology) ConfJSON() ([]byte, error) {
	if t.Conf == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(t.Conf)
	if err != nil {
		return nil, fmt.Errorf("topology conf: %w", err)
	}
	return b, nil
}

func (c *Component) thriftObject() (*stormthrift.ComponentObject, error) {
	switch {
	case c.Shell != nil && c.Java != nil:
		return nil, fmt.Errorf("both shell and java are set")
	case c.Shell != nil:
		if c.Shell.ExecutionCommand == "" {
			return nil, fmt.Errorf("shell component without a command")
		}
		return &stormthrift.ComponentObject{Shell: &stormthrift.ShellComponent{
			ExecutionCommand: c.Shell.ExecutionCommand,
			Script:           c.Shell.Script,
		}}, nil
	case c.Java != nil:
		jo, err := c.Java.thrift()
		if err != nil {
			return nil, err
		}
		return &stormthrift.ComponentObject{JavaObject: jo}, nil
	default:
		return nil, fmt.Errorf("neither shell nor java is set")
	}
}

func (c *Component) thriftCommon() (*stormthrift.ComponentCommon, error) {
	common := &stormthrift.ComponentCommon{
		Inputs:  map[*stormthrift.GlobalStreamId]*stormthrift.Grouping{},
		Streams: map[string]*stormthrift.StreamInfo{},
	}
	for id, s := range c.Outputs {
		fields := s.Fields
		if fields == nil {
			fields = []string{}
		}
		common.Streams[id] = &stormthrift.StreamInfo{OutputFields: fields, Direct: s.Direct}
	}
	// Thrift maps keyed by struct pointers cannot detect duplicates, so a
	// second subscription to the same stream is caught here.
	seen := map[[2]string]bool{}
	for _, in := range c.Inputs {
		stream := in.Stream
		if stream == "" {
			stream = DefaultStream
		}
		key := [2]string{in.From, stream}
		if seen[key] {
			return nil, fmt.Errorf("subscribes twice to stream %q of %q", stream, in.From)
		}
		seen[key] = true
		g, err := in.Grouping.thrift()
		if err != nil {
			return nil, fmt.Errorf("input from %q: %w", in.From, err)
		}
		common.Inputs[&stormthrift.GlobalStreamId{ComponentId: in.From, StreamId: stream}] = g
	}
	if c.Parallelism > 0 {
		p, err := toInt32(int64(c.Parallelism))
		if err != nil {
			return nil, fmt.Errorf("parallelism: %w", err)
		}
		common.ParallelismHint = &p
	}
	conf := make(map[string]any, len(c.Conf)+1)
	for k, v := range c.Conf {
		conf[k] = v
	}
	if c.NumTasks > 0 {
		conf[confTasks] = c.NumTasks
	}
	if len(conf) > 0 {
		b, err := json.Marshal(conf)
		if err != nil {
			return nil, fmt.Errorf("component conf: %w", err)
		}
		s := string(b)
		common.JSONConf = &s
	}
	return common, nil
}

func (g *Grouping) thrift() (*stormthrift.Grouping, error) {
	null := &stormthrift.NullStruct{}
	switch g.Type {
	case Shuffle:
		return &stormthrift.Grouping{Shuffle: null}, nil
	case Fields:
		if len(g.Fields) == 0 {
			// Storm reads an empty fields list as the global grouping.
			return nil, fmt.Errorf("FIELDS grouping without fields")
		}
		return &stormthrift.Grouping{Fields: append([]string{}, g.Fields...)}, nil
	case Global:
		return &stormthrift.Grouping{Fields: []string{}}, nil
	case All:
		return &stormthrift.Grouping{All: null}, nil
	case None:
		return &stormthrift.Grouping{None: null}, nil
	case Direct:
		return &stormthrift.Grouping{Direct: null}, nil
	case LocalOrShuffle:
		return &stormthrift.Grouping{LocalOrShuffle: null}, nil
	case Custom:
		if g.CustomClass == nil {
			return nil, fmt.Errorf("CUSTOM grouping without customClass")
		}
		jo, err := g.CustomClass.thrift()
		if err != nil {
			return nil, fmt.Errorf("customClass: %w", err)
		}
		return &stormthrift.Grouping{CustomObject: jo}, nil
	default:
		return nil, fmt.Errorf("unknown grouping %q", g.Type)
	}
}

func (j *JavaObject) thrift() (*stormthrift.JavaObject, error) {
	if j.ClassName == "" {
		return nil, fmt.Errorf("java object without a class name")
	}
	args := make([]*stormthrift.JavaObjectArg, 0, len(j.Args))
	for i, a := range j.Args {
		arg, err := javaArg(a)
		if err != nil {
			return nil, fmt.Errorf("%s argument %d: %w", j.ClassName, i+1, err)
		}
		args = append(args, arg)
	}
	return &stormthrift.JavaObject{FullClassName: j.ClassName, ArgsList: args}, nil
}

// javaArg picks the narrowest Thrift type for a value. Integers that fit go
// as int_arg: Storm finds the constructor by the arguments' Java types, and
// an Integer widens to an int or long parameter while a Long fits only long.
func javaArg(v any) (*stormthrift.JavaObjectArg, error) {
	switch x := v.(type) {
	case int:
		return intArg(int64(x)), nil
	case int32:
		return intArg(int64(x)), nil
	case int64:
		return intArg(x), nil
	case float64:
		return &stormthrift.JavaObjectArg{DoubleArg: &x}, nil
	case string:
		return &stormthrift.JavaObjectArg{StringArg: &x}, nil
	case bool:
		return &stormthrift.JavaObjectArg{BoolArg: &x}, nil
	case []byte:
		if x == nil {
			// A nil binary would leave the union with no member set.
			x = []byte{}
		}
		return &stormthrift.JavaObjectArg{BinaryArg: x}, nil
	default:
		return nil, fmt.Errorf("%T cannot be a Java constructor argument (use a number, string or boolean)", v)
	}
}

func intArg(n int64) *stormthrift.JavaObjectArg {
	if n >= math.MinInt32 && n <= math.MaxInt32 {
		i := int32(n)
		return &stormthrift.JavaObjectArg{IntArg: &i}
	}
	return &stormthrift.JavaObjectArg{LongArg: &n}
}

func toInt32(n int64) (int32, error) {
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, fmt.Errorf("%d does not fit in a 32-bit integer", n)
	}
	return int32(n), nil
}
