package spec

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/stormpy/stormpy/pkg/suggest"
)

// confType is the type Storm's config validation demands of a key.
type confType int

const (
	confInt      confType = iota + 1 // a whole number >= 0
	confPositive                     // a whole number >= 1
	confNumber                       // any number >= 0
	confFraction                     // a number in [0, 1]
	confBool
	confString
	confStringOrList
)

// knownConf lists the topology settings users set most often, with the
// types Nimbus's config validation enforces on submit. Catching a wrong
// type here saves a round trip to the cluster.
var knownConf = map[string]confType{
	"topology.workers":                         confPositive,
	"topology.acker.executors":                 confInt,
	"topology.eventlogger.executors":           confInt,
	"topology.max.spout.pending":               confPositive,
	"topology.message.timeout.secs":            confPositive,
	"topology.max.task.parallelism":            confPositive,
	"topology.tick.tuple.freq.secs":            confPositive,
	"topology.subprocess.timeout.secs":         confPositive,
	"topology.shellbolt.max.pending":           confPositive,
	"topology.executor.receive.buffer.size":    confPositive,
	"topology.transfer.buffer.size":            confPositive,
	"topology.worker.max.heap.size.mb":         confNumber,
	"topology.stats.sample.rate":               confFraction,
	"topology.priority":                        confInt,
	"topology.debug":                           confBool,
	"topology.enable.message.timeouts":         confBool,
	"topology.fall.back.on.java.serialization": confBool,
	"topology.skip.missing.kryo.registrations": confBool,
	"topology.multilang.serializer":            confString,
	"topology.scheduler.strategy":              confString,
	"topology.worker.childopts":                confStringOrList,
	"topology.worker.gc.childopts":             confStringOrList,
	"topology.worker.logwriter.childopts":      confStringOrList,
}

var knownConfKeys = sortedKeys(knownConf)

// config decodes a config mapping and checks the well-known keys.
func (d *decoder) config(n *yaml.Node) map[string]any {
	if n.Kind != yaml.MappingNode {
		d.p.add(d.pos(n), "", "config must be a mapping, not %s", kindName(n))
		return nil
	}
	cfg, _ := d.value(n, "config", 0)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		d.checkConf(k, v)
	}
	m, _ := cfg.(map[string]any)
	return m
}

func (d *decoder) checkConf(k, v *yaml.Node) {
	key := k.Value
	want, known := knownConf[key]
	if !known {
		if strings.HasPrefix(key, "topology.") {
			if s := suggest.Closest(key, knownConfKeys); s != "" {
				d.p.warn(d.pos(k), "did you mean "+quote(s)+"?", "%q is not a setting Storm knows", key)
			}
		}
		return
	}
	if v.Kind == yaml.ScalarNode && (v.Tag == "!!null" || strings.Contains(v.Value, "${")) {
		// Unresolved references are reported once, by the substitution.
		return
	}
	var f float64
	isNum := v.Kind == yaml.ScalarNode && (v.Tag == "!!int" || v.Tag == "!!float") && v.Decode(&f) == nil
	ok := true
	var need string
	switch want {
	case confInt:
		ok, need = isNum && v.Tag == "!!int" && f >= 0, "a whole number of at least 0"
	case confPositive:
		ok, need = isNum && v.Tag == "!!int" && f >= 1, "a whole number of at least 1"
	case confNumber:
		ok, need = isNum && f >= 0, "a number of at least 0"
	case confFraction:
		ok, need = isNum && f >= 0 && f <= 1, "a number between 0 and 1"
	case confBool:
		ok, need = v.Kind == yaml.ScalarNode && v.Tag == "!!bool", "true or false"
	case confString:
		ok, need = v.Kind == yaml.ScalarNode && v.Tag == "!!str", "a string"
	case confStringOrList:
		ok, need = (v.Kind == yaml.ScalarNode && v.Tag == "!!str") || v.Kind == yaml.SequenceNode, "a string or a list of strings"
	}
	if !ok {
		d.p.add(d.pos(v), "", "%s must be %s, not %s; Nimbus would refuse the topology", key, need, kindName(v))
	}
}
