// Package spec parses and validates Flux topology files (`topology.yaml`),
// keeping the position of every value so that each problem is reported as
// FILE:LINE:COL with a hint, and all problems are reported at once.
//
// stormpy accepts the subset of Flux that a client without a JVM can send
// to Nimbus over Thrift: shell spouts and bolts (Flux's FluxShellSpout and
// FluxShellBolt become native ShellComponents), Java components built from
// scalar constructor arguments, and the stream groupings Storm's Thrift
// model expresses. Flux features that need Java serialization on the
// client (`components`, `ref`, bean `properties`, `factory`,
// `topologySource`, `workerHooks`) are refused with an explanation.
package spec

// Flux class names of the shell wrappers.
const (
	FluxShellSpout = "org.apache.storm.flux.wrappers.spouts.FluxShellSpout"
	FluxShellBolt  = "org.apache.storm.flux.wrappers.bolts.FluxShellBolt"
)

// Kind of a component.
type Kind string

// The component kinds.
const (
	KindSpout Kind = "spout"
	KindBolt  Kind = "bolt"
)

// Spec is a parsed and validated topology file with its includes merged.
type Spec struct {
	// File is the path of the top-level spec file.
	File    string
	Name    string
	NamePos Pos
	// Config is the topology-level configuration.
	Config  map[string]any
	Spouts  []*Component
	Bolts   []*Component
	Streams []*Stream
	// Sources lists every file read: the spec, its includes.
	Sources []string
	// Warnings are problems that do not stop packaging.
	Warnings []*Error
}

// Component is a spout or a bolt.
type Component struct {
	Kind      Kind
	ID        string
	Pos       Pos
	ClassName string
	ClassPos  Pos
	// Parallelism is the executor count; 1 when not given.
	Parallelism int
	// NumTasks is the task count; 0 when not given.
	NumTasks int
	// Config is the per-component configuration: the `config` map, the
	// values of addComponentConfig and the resource loads, under the keys
	// Storm's TopologyBuilder uses.
	Config map[string]any
	// Shell is set for FluxShellSpout and FluxShellBolt.
	Shell *Shell
	// Java is set for every other class.
	Java *Java
}

// Shell describes a multilang component.
type Shell struct {
	Command    []string
	CommandPos Pos
	// Outputs maps stream ids to declared output fields.
	Outputs map[string][]string
	// OutputPos records where each stream was declared.
	OutputPos map[string]Pos
}

// Java describes a Java component made from scalar constructor arguments.
type Java struct {
	ClassName string
	// Args are int64, float64, string or bool.
	Args []any
}

// Stream subscribes the bolt To to a stream of the component From.
type Stream struct {
	Name     string
	Pos      Pos
	From     string
	FromPos  Pos
	To       string
	ToPos    Pos
	Grouping Grouping
}

// Grouping is a stream's grouping.
type Grouping struct {
	Type     string
	TypePos  Pos
	Args     []string
	ArgsPos  Pos
	StreamID string
	// StreamPos is the position of streamId, or of the grouping when unset.
	StreamPos   Pos
	CustomClass *Java
}

// Stream returns StreamID, or "default" when it is unset.
func (g Grouping) Stream() string {
	if g.StreamID == "" {
		return "default"
	}
	return g.StreamID
}

// Components returns the spouts, then the bolts.
func (s *Spec) Components() []*Component {
	out := make([]*Component, 0, len(s.Spouts)+len(s.Bolts))
	out = append(out, s.Spouts...)
	return append(out, s.Bolts...)
}

// Component returns the component with the given id, or nil.
func (s *Spec) Component(id string) *Component {
	for _, c := range s.Components() {
		if c.ID == id {
			return c
		}
	}
	return nil
}
