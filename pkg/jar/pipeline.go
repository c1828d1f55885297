package jar

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"

	"github.com/klauspost/compress/flate"
)

// maxBuffered is the largest file deflated into memory; a larger one is
// deflated into a spool file by its worker. Together with the window this
// bounds the memory the writer holds, whatever the size of the input.
const maxBuffered = 512 << 10

// compressor deflates files; each worker owns one and reuses its flate
// state (near a megabyte) from file to file.
type compressor struct {
	fw *flate.Writer
}

func newCompressor(level int) *compressor {
	fw, _ := flate.NewWriter(io.Discard, level) // level is checked by Write
	return &compressor{fw: fw}
}

// compress deflates data into out and returns data's CRC.
func (c *compressor) compress(data []byte, out *bytes.Buffer) uint32 {
	c.fw.Reset(out)
	c.fw.Write(data) // writes to a bytes.Buffer cannot fail
	c.fw.Close()
	return crc32.ChecksumIEEE(data)
}

// spooled is a large file, deflated into an unnamed temporary file.
type spooled struct {
	f           *os.File
	name        string // still to remove, where an open file cannot be
	crc         uint32
	size, csize int64
}

func (s *spooled) close() {
	s.f.Close()
	if s.name != "" {
		os.Remove(s.name)
	}
}

// job is one entry on its way through the pipeline. A worker fills in
// buf, out and crc (a small file and its deflated form), spool (a large
// one), or err; then closes done.
type job struct {
	e    Entry
	done chan struct{}

	buf, out *bytes.Buffer
	crc      uint32
	spool    *spooled

	err error
}

// pipeline deflates files in parallel and hands them to the writer in order.
type pipeline struct {
	order    chan *job // in entry order; its capacity is the window
	wg       sync.WaitGroup
	spoolDir string
	// A free list, not a sync.Pool: a pool is emptied by every garbage
	// collection, and reallocating buffers per file costs more than the
	// deflating. It holds at most as many as can be in flight.
	bufs chan *bytes.Buffer
}

func startPipeline(ctx context.Context, list []Entry, workers, level int, spoolDir string) *pipeline {
	window := 4 * workers
	p := &pipeline{
		order:    make(chan *job, window),
		spoolDir: spoolDir,
		bufs:     make(chan *bytes.Buffer, 2*(window+workers+1)),
	}
	work := make(chan *job)
	for i := 0; i < workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			c := newCompressor(level)
			for j := range work {
				p.process(ctx, j, c)
				close(j.done)
			}
		}()
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.order)
		defer close(work)
		for _, e := range list {
			j := &job{e: e, done: make(chan struct{})}
			select {
			case p.order <- j:
			case <-ctx.Done():
				return
			}
			if e.Open == nil {
				close(j.done)
				continue
			}
			// Workers take every job until work is closed, so this
			// cannot block forever.
			work <- j
		}
	}()
	return p
}

func (p *pipeline) process(ctx context.Context, j *job, c *compressor) {
	if err := ctx.Err(); err != nil {
		j.err = err
		return
	}
	r, err := j.e.Open()
	if err != nil {
		j.err = fmt.Errorf("read %s: %w", j.e.Name, err)
		return
	}
	defer r.Close()
	j.buf = p.getBuf()
	// Buffers grow to the largest small file seen, not beyond.
	n, err := j.buf.ReadFrom(io.LimitReader(r, maxBuffered+1))
	if err == nil && n > maxBuffered {
		j.spool, err = p.spoolRest(ctx, c, j.buf.Bytes(), r)
	}
	if err == nil {
		err = r.Close()
	}
	if err != nil {
		j.err = fmt.Errorf("read %s: %w", j.e.Name, err)
		return
	}
	if j.spool == nil {
		j.out = p.getBuf()
		j.crc = c.compress(j.buf.Bytes(), j.out)
	}
}

// spoolRest deflates head and the rest of r into a temporary file, so
// that large files are deflated in parallel too, in memory that does not
// grow with them.
func (p *pipeline) spoolRest(ctx context.Context, c *compressor, head []byte, r io.Reader) (_ *spooled, err error) {
	f, err := os.CreateTemp(p.spoolDir, ".stormpy-spool-*")
	if err != nil {
		return nil, err
	}
	s := &spooled{f: f}
	// Unlinked now, the spool cannot outlive a crash; where an open file
	// cannot be removed, close does it.
	if os.Remove(f.Name()) != nil {
		s.name = f.Name()
	}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	counter := &countWriter{w: bw}
	c.fw.Reset(counter)
	crc := crc32.NewIEEE()
	in := io.MultiReader(bytes.NewReader(head), &ctxReader{ctx: ctx, r: r})
	s.size, err = io.Copy(io.MultiWriter(c.fw, crc), in)
	if err == nil {
		err = c.fw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return nil, err
	}
	s.crc, s.csize = crc.Sum32(), counter.n
	return s, nil
}

func (p *pipeline) getBuf() *bytes.Buffer {
	select {
	case b := <-p.bufs:
		return b
	default:
		return new(bytes.Buffer)
	}
}

func (p *pipeline) putBuf(b *bytes.Buffer) {
	b.Reset()
	select {
	case p.bufs <- b:
	default:
	}
}

// write writes a finished job into zw and recycles its buffers.
func (p *pipeline) write(zw *zip.Writer, j *job) error {
	defer p.release(j)
	switch {
	case j.e.Open == nil:
		return writeDir(zw, j.e.Name)
	case j.spool == nil:
		return writeBuffered(zw, j.e.Name, j.e.Exec, j.buf.Bytes(), j.out.Bytes(), j.crc)
	}
	s := j.spool
	fh := rawHeader(j.e.Name, j.e.Exec, zip.Deflate, s.crc, s.size, s.csize)
	w, err := zw.CreateRaw(fh)
	if err == nil {
		_, err = io.Copy(w, io.NewSectionReader(s.f, 0, s.csize))
	}
	if err != nil {
		return fmt.Errorf("write jar: %s: %w", j.e.Name, err)
	}
	return nil
}

func (p *pipeline) release(j *job) {
	if j.spool != nil {
		j.spool.close()
		j.spool = nil
	}
	for _, b := range []*bytes.Buffer{j.buf, j.out} {
		if b != nil {
			p.putBuf(b)
		}
	}
	j.buf, j.out = nil, nil
}

// stop drains what is left, removing spools, and waits for every
// goroutine; cancel the pipeline's context first to make it quick.
func (p *pipeline) stop() {
	for j := range p.order {
		<-j.done
		p.release(j)
	}
	p.wg.Wait()
}

// ctxReader stops reading a large file when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
