// Package multilang is the host side of Apache Storm's multilang protocol,
// the JSON-over-pipes protocol that Storm's ShellSpout and ShellBolt speak
// with a child process.
//
// Every message is one JSON document followed by a line holding only "end".
// The host opens with a handshake (pidDir, the topology conf and the task's
// context), the child answers with its pid. Afterwards the host sends tuples
// and heartbeats to bolts and commands to spouts, and the child sends
// emits, acks, fails, logs, errors, metrics and syncs.
package multilang

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Commands a child sends to the host.
const (
	CmdEmit    = "emit"
	CmdAck     = "ack"
	CmdFail    = "fail"
	CmdSync    = "sync"
	CmdLog     = "log"
	CmdError   = "error"
	CmdMetrics = "metrics"
)

// Commands the host sends to a spout.
const (
	SpoutNext       = "next"
	SpoutAck        = "ack"
	SpoutFail       = "fail"
	SpoutActivate   = "activate"
	SpoutDeactivate = "deactivate"
)

// HeartbeatStream is the stream id of the heartbeat tuples sent to bolts;
// their source task is -1 (Storm's system task).
const HeartbeatStream = "__heartbeat"

// Log levels of the "log" command, as Storm's ShellLogHandler maps them.
const (
	LevelTrace = 0
	LevelDebug = 1
	LevelInfo  = 2
	LevelWarn  = 3
	LevelError = 4
)

// LevelName returns the name of a multilang log level.
func LevelName(level int) string {
	switch level {
	case LevelTrace:
		return "TRACE"
	case LevelDebug:
		return "DEBUG"
	case LevelInfo:
		return "INFO"
	case LevelWarn:
		return "WARN"
	case LevelError:
		return "ERROR"
	}
	return "L" + strconv.Itoa(level)
}

// Message is one message from a child to the host. Tuple values, message
// ids and metric parameters stay raw JSON: the host routes them without
// looking inside, except for the fields a fields grouping hashes.
type Message struct {
	Command string `json:"command"`
	// ID is the spout's message id on an emit, or the id of the input
	// tuple on a bolt's ack and fail.
	ID      json.RawMessage   `json:"id"`
	Stream  string            `json:"stream"`
	Task    *int              `json:"task"`
	Tuple   []json.RawMessage `json:"tuple"`
	Anchors []json.RawMessage `json:"anchors"`
	// NeedTaskIDs is nil when absent, which means true.
	NeedTaskIDs *bool           `json:"need_task_ids"`
	Msg         string          `json:"msg"`
	Level       *int            `json:"level"`
	Name        string          `json:"name"`
	Params      json.RawMessage `json:"params"`
	// PID is set only in the handshake reply.
	PID *int `json:"pid"`
}

// WantsTaskIDs reports whether the child waits for the list of task ids
// an emit went to.
func (m *Message) WantsTaskIDs() bool { return m.NeedTaskIDs == nil || *m.NeedTaskIDs }

// LogLevel returns the level of a log command, INFO when absent.
func (m *Message) LogLevel() int {
	if m.Level == nil {
		return LevelInfo
	}
	return *m.Level
}

// Decode parses one message document.
func Decode(doc []byte) (*Message, error) {
	m := new(Message)
	if !decodeFast(doc, m) {
		*m = Message{}
		if err := json.Unmarshal(doc, m); err != nil {
			return nil, fmt.Errorf("decode multilang message: %w", err)
		}
	}
	if m.Command == "" && m.PID == nil {
		return nil, fmt.Errorf("decode multilang message: no command in %s", truncate(doc, 200))
	}
	return m, nil
}

// ParseTupleID reads the id of a tuple the host sent to a bolt, which the
// host writes as a decimal string and a child may echo as a string or a
// number.
func ParseTupleID(raw json.RawMessage) (uint64, error) {
	s := raw
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	id, err := strconv.ParseUint(string(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("tuple id %s is not one the runner sent", truncate(raw, 60))
	}
	return id, nil
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

// Context is the topology context of the handshake, with the keys Storm's
// TopologyContext.toJSONString writes.
type Context struct {
	TaskToComponent map[int]string `json:"task->component"`
	TaskID          int            `json:"taskid"`
	ComponentID     string         `json:"componentid"`
	Streams         []string       `json:"streams"`
	// StreamToOutputFields holds this component's declared streams.
	StreamToOutputFields map[string][]string `json:"stream->outputfields"`
	// StreamToTargetToGrouping: stream -> subscribing component -> grouping.
	StreamToTargetToGrouping map[string]map[string]Grouping `json:"stream->target->grouping"`
	// SourceToStreamToGrouping: source component -> stream -> grouping.
	SourceToStreamToGrouping map[string]map[string]Grouping `json:"source->stream->grouping"`
	// SourceToStreamToFields: source component -> every stream it declares -> fields.
	SourceToStreamToFields map[string]map[string][]string `json:"source->stream->fields"`
}

// Grouping is a grouping as Storm's context serialises it: the name of the
// Thrift union field that is set (FIELDS, SHUFFLE, ALL, NONE, DIRECT,
// LOCAL_OR_SHUFFLE, CUSTOM_OBJECT, CUSTOM_SERIALIZED), and the fields of a
// fields grouping (empty for a global grouping).
type Grouping struct {
	Type   string
	Fields []string
}

// MarshalJSON writes "fields" for every FIELDS grouping, also the empty
// list of a global grouping, and for no other type, like Storm.
func (g Grouping) MarshalJSON() ([]byte, error) {
	if g.Type != "FIELDS" {
		return json.Marshal(struct {
			Type string `json:"type"`
		}{g.Type})
	}
	f := g.Fields
	if f == nil {
		f = []string{}
	}
	return json.Marshal(struct {
		Type   string   `json:"type"`
		Fields []string `json:"fields"`
	}{g.Type, f})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (g *Grouping) UnmarshalJSON(b []byte) error {
	var v struct {
		Type   string   `json:"type"`
		Fields []string `json:"fields"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	g.Type, g.Fields = v.Type, v.Fields
	return nil
}

// Handshake is the first message to a child.
type Handshake struct {
	PIDDir  string         `json:"pidDir"`
	Conf    map[string]any `json:"conf"`
	Context *Context       `json:"context"`
}
