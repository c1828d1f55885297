package spec

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkParseWordcount(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "good", "wordcount.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := Parse("wordcount.yaml", data, Options{Python: "-"}); err != nil {
			b.Fatal(err)
		}
	}
}
