package nimbus_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stormpy/stormpy/pkg/nimbus"
	"github.com/stormpy/stormpy/pkg/nimbus/nimbustest"
)

// BenchmarkSubmit measures name check, chunked upload and submit of a
// 20 MB jar to a fake 2.x Nimbus over loopback.
func BenchmarkSubmit(b *testing.B) {
	const size = 20 << 20
	c, err := nimbustest.Start(nimbustest.Storm2, 1)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	jar, _ := writeJar(b, size)
	st, conf := sampleTopology(b)
	cl, err := nimbus.Dial(context.Background(), options(c.Seeds()...))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("bench-%d", i)
		if _, err := cl.Submit(context.Background(), nimbus.SubmitRequest{Name: name, JarPath: jar, Topology: st, ConfJSON: conf}); err != nil {
			b.Fatal(err)
		}
	}
}
