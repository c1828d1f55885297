// Package topology holds stormpy's model of a Storm topology: what the
// spec describes after validation, in the form both the Nimbus client (via
// Thrift) and the local runner consume.
package topology

// Kind says whether a component is a spout or a bolt.
type Kind string

// Component kinds.
const (
	Spout Kind = "spout"
	Bolt  Kind = "bolt"
)

// DefaultStream is Storm's default stream id.
const DefaultStream = "default"

// GroupingType is one of Storm's stream groupings.
type GroupingType string

// The groupings Flux and Thrift both express.
const (
	Shuffle        GroupingType = "SHUFFLE"
	Fields         GroupingType = "FIELDS"
	All            GroupingType = "ALL"
	Global         GroupingType = "GLOBAL"
	None           GroupingType = "NONE"
	Direct         GroupingType = "DIRECT"
	LocalOrShuffle GroupingType = "LOCAL_OR_SHUFFLE"
	Custom         GroupingType = "CUSTOM"
)

// Topology is a validated topology, ready to submit or run.
type Topology struct {
	Name string `json:"name"`
	// Conf is the topology configuration (spec `config` plus overrides),
	// sent to Nimbus as JSON and handed to every multilang child.
	Conf map[string]any `json:"config"`
	// Components in a stable order: spouts first, then bolts, each sorted
	// by id.
	Components []*Component `json:"components"`
	// Files are generated files (launchers) that must be added to the jar
	// under resources/, keyed by their path relative to resources/.
	Files map[string][]byte `json:"-"`
}

// Component is one spout or bolt.
type Component struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Exactly one of Shell and Java is set.
	Shell *Shell      `json:"shell,omitempty"`
	Java  *JavaObject `json:"java,omitempty"`
	// Parallelism is the executor count (Flux `parallelism`, default 1).
	Parallelism int `json:"parallelism"`
	// NumTasks is the task count (Flux `numTasks`); defaults to Parallelism.
	NumTasks int `json:"numTasks"`
	// Conf is the per-component configuration, including the resource
	// loads, serialised into ComponentCommon.json_conf.
	Conf map[string]any `json:"config,omitempty"`
	// Outputs are the declared output streams, keyed by stream id.
	Outputs map[string]*StreamDef `json:"outputs"`
	// Inputs are the subscriptions of a bolt, in spec order.
	Inputs []*Input `json:"inputs,omitempty"`
}

// Shell is a multilang component.
type Shell struct {
	// Command is the command as the user wrote it, run in the jar's
	// resources/ directory.
	Command []string `json:"command"`
	// ExecutionCommand and Script are the two elements Storm's ShellComponent
	// carries; for commands that are not exactly two elements long they
	// name a generated launcher.
	ExecutionCommand string `json:"executionCommand"`
	Script           string `json:"script"`
}

// Argv is the exact command Storm's worker runs: [ExecutionCommand, Script].
func (s *Shell) Argv() []string {
	if s.Script == "" {
		return []string{s.ExecutionCommand}
	}
	return []string{s.ExecutionCommand, s.Script}
}

// JavaObject is a Java class instantiated by Storm from scalar arguments.
type JavaObject struct {
	ClassName string `json:"className"`
	// Args holds int64, float64, string, bool values.
	Args []any `json:"args,omitempty"`
}

// StreamDef is a declared output stream.
type StreamDef struct {
	Fields []string `json:"fields"`
	Direct bool     `json:"direct,omitempty"`
}

// Input subscribes a bolt to a stream of another component.
type Input struct {
	From     string   `json:"from"`
	Stream   string   `json:"stream"`
	Grouping Grouping `json:"grouping"`
}

// Grouping says how tuples of a stream are partitioned among the tasks of
// the subscribing bolt.
type Grouping struct {
	Type   GroupingType `json:"type"`
	Fields []string     `json:"fields,omitempty"`
	// CustomClass is set for CUSTOM groupings.
	CustomClass *JavaObject `json:"customClass,omitempty"`
}

// Component returns the component with the given id, or nil.
func (t *Topology) Component(id string) *Component {
	for _, c := range t.Components {
		if c.ID == id {
			return c
		}
	}
	return nil
}
