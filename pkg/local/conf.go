package local

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// Conf keys the runner reads, with Storm's defaults.
const (
	keyMessageTimeout    = "topology.message.timeout.secs"    // 30
	keyMaxSpoutPending   = "topology.max.spout.pending"       // unset: no cap
	keyAckers            = "topology.acker.executors"         // unset: one per worker
	keySubprocessTimeout = "topology.subprocess.timeout.secs" // falls back to supervisor.worker.timeout.secs
	keyWorkerTimeout     = "supervisor.worker.timeout.secs"   // 30
	keySpoutWait         = "topology.sleep.spout.wait.strategy.time.ms"
	keyDebug             = "topology.debug"
)

// confInt reads an integer setting that YAML, JSON or a -c override may
// have typed as any number or a numeric string. ok is false when the key is
// absent or null.
func confInt(conf map[string]any, key string) (n int64, ok bool) {
	switch v := conf[key].(type) {
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint64:
		if v > math.MaxInt64 {
			return math.MaxInt64, true
		}
		return int64(v), true
	case float64:
		return int64(v), true
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, true
		}
		if f, err := v.Float64(); err == nil {
			return int64(f), true
		}
	case string:
		if i, err := strconv.ParseInt(v, 10, 64); err == nil {
			return i, true
		}
	}
	return 0, false
}

func confBool(conf map[string]any, key string) bool {
	switch v := conf[key].(type) {
	case bool:
		return v
	case string:
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

func confSeconds(conf map[string]any, key string, def time.Duration) time.Duration {
	if n, ok := confInt(conf, key); ok && n > 0 {
		return time.Duration(n) * time.Second
	}
	return def
}

// subprocessTimeout is how long a child may stay silent, as ShellBolt and
// ShellSpout compute it.
func subprocessTimeout(conf map[string]any) time.Duration {
	if n, ok := confInt(conf, keySubprocessTimeout); ok && n > 0 {
		return time.Duration(n) * time.Second
	}
	return confSeconds(conf, keyWorkerTimeout, 30*time.Second)
}

// ackingEnabled is false only for an explicit topology.acker.executors: 0,
// like on Storm, where an unset value means one acker per worker.
func ackingEnabled(conf map[string]any) bool {
	n, ok := confInt(conf, keyAckers)
	return !ok || n > 0
}
