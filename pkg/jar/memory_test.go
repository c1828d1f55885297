package jar

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"testing"
	"testing/iotest"
	"time"
)

// peakHeap runs f and returns the largest live heap seen while it ran,
// sampled every millisecond.
func peakHeap(f func()) uint64 {
	runtime.GC()
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var peak uint64
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				done <- peak
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	return <-done
}

// tree returns n generated files of size bytes each. Their content is
// cut from one shared block, so the input itself takes no memory that
// grows with n or size.
func tree(block []byte, n, size int) []Entry {
	entries := make([]Entry, n)
	for i := range entries {
		off := int64(i*7919) % int64(len(block)/2)
		entries[i] = Entry{Name: fmt.Sprintf("resources/d%03d/f%05d.py", i/100, i), Open: func() (io.ReadCloser, error) {
			return io.NopCloser(&cycle{block: block, off: off, left: int64(size)}), nil
		}}
	}
	return entries
}

// cycle reads left bytes from block, starting at off and wrapping around.
type cycle struct {
	block     []byte
	off, left int64
}

func (c *cycle) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(int64(len(p)), c.left)], c.block[c.off:])
	c.off = (c.off + int64(n)) % int64(len(c.block))
	c.left -= int64(n)
	return n, nil
}

// BenchmarkWriteMemory packages inputs of 16 MB and 256 MB, as many small
// files and as one large one, and fails when the live heap grows with the
// input's size. It measures memory, not time: go test -bench WriteMemory
// -benchtime 1x ./pkg/jar.
func BenchmarkWriteMemory(b *testing.B) {
	block := text(9, 4<<20)
	cases := []struct {
		name     string
		n, size  int
		baseline string
	}{
		{"small-files-16MB", 1024, 16 << 10, ""},
		{"small-files-256MB", 16384, 16 << 10, "small-files-16MB"},
		{"one-file-16MB", 1, 16 << 20, ""},
		{"one-file-256MB", 1, 256 << 20, "one-file-16MB"},
	}
	peaks := map[string]uint64{}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			entries := tree(block, c.n, c.size)
			var peak uint64
			for i := 0; i < b.N; i++ {
				peak = max(peak, peakHeap(func() {
					if _, err := Write(context.Background(), io.Discard, entries, Options{}); err != nil {
						b.Fatal(err)
					}
				}))
			}
			b.SetBytes(int64(c.n) * int64(c.size))
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			peaks[c.name] = peak
			// 16 times the input may cost what grows with the number of
			// entries (the entry list, its sorted copy and the central
			// directory: about 600 bytes an entry, 1 KB allowed), plus
			// slack for the sampling; never a copy of the content.
			if base, ok := peaks[c.baseline]; ok {
				allowed := base + uint64(c.n)*1024 + 8<<20
				if peak > allowed {
					b.Errorf("peak heap %d MB for %d MB of input, against %d MB for 1/16 of it: memory grows with the input",
						peak>>20, c.n*c.size>>20, base>>20)
				}
			}
		})
	}
}

// TestStreamedFileIgnoresReadSizes checks that a large file deflates to
// the same bytes however its reader splits the reads.
func TestStreamedFileIgnoresReadSizes(t *testing.T) {
	data := text(11, 3*maxBuffered+777)
	jar := func(wrap func(io.Reader) io.Reader) []byte {
		e := Entry{Name: "resources/big.py", Open: func() (io.ReadCloser, error) {
			return io.NopCloser(wrap(bytes.NewReader(data))), nil
		}}
		out, _ := writeBytes(t, []Entry{e}, Options{})
		return out
	}
	want := jar(func(r io.Reader) io.Reader { return r })
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"half reads":      iotest.HalfReader,
		"data with EOF":   iotest.DataErrReader,
		"1000-byte reads": func(r io.Reader) io.Reader { return &chunked{r: r, n: 1000} },
	} {
		if got := jar(wrap); !bytes.Equal(got, want) {
			t.Errorf("%s: the jar differs", name)
		}
	}
}

type chunked struct {
	r io.Reader
	n int
}

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }
