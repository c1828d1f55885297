package resources

import (
	"bytes"
	"testing"
)

func TestStormPyEmbedded(t *testing.T) {
	for _, want := range []string{"class BasicBolt", "class Spout", "def emit(", "def initComponent("} {
		if !bytes.Contains(StormPy, []byte(want)) {
			t.Errorf("embedded storm.py lacks %q", want)
		}
	}
}
