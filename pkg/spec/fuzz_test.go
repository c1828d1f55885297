package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary text to the parser: it must return a spec or
// an error, never panic. The seed corpus is every spec under testdata/.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &x [*x]"))
	f.Add([]byte("<<: {name: x}\n"))
	f.Add([]byte("name: ${a\nspouts: ${ENV-}"))
	noFiles := func(string) ([]byte, error) { return nil, os.ErrNotExist }
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data, Options{Python: "-", ReadFile: noFiles, Filters: Filters{Properties: map[string]string{"a": "b"}}})
		if err == nil && s == nil {
			t.Fatal("nil spec without an error")
		}
		if err != nil && len(Problems(unwrapAll(err))) == 0 {
			t.Fatalf("error without positioned problems: %v", err)
		}
	})
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() []error })
		if !ok {
			return err
		}
		err = u.Unwrap()[0]
	}
}
