package jar

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// maxBuffered is the largest file deflated into memory by a worker; larger
// files are deflated while being written. Together with the window it bounds
// the memory the writer holds, whatever the size of the input.
const maxBuffered = 512 << 10

// compressor deflates whole small files; each worker owns one and reuses
// its buffers and flate state from file to file.
type compressor struct {
	fw  *flate.Writer
	out bytes.Buffer
	crc uint32
}

func newCompressor(level int) *compressor {
	c := &compressor{}
	c.fw, _ = flate.NewWriter(&c.out, level) // level is checked by Write
	return c
}

func (c *compressor) compress(data []byte) {
	c.out.Reset()
	c.fw.Reset(&c.out)
	c.fw.Write(data) // writes to a bytes.Buffer cannot fail
	c.fw.Close()
	c.crc = crc32.ChecksumIEEE(data)
}

// job is one entry on its way through the pipeline. A worker fills in
// either data and comp (a small file, already deflated) or prefix and rest
// (a large file, to be streamed by the writer), or err; then closes done.
type job struct {
	e    Entry
	done chan struct{}

	buf  *bytes.Buffer // the content read so far
	comp *compressor   // a small file's deflated form
	rest io.ReadCloser // the rest of a large file, still open

	err error
}

// pipeline deflates files in parallel and hands them to the writer in order.
type pipeline struct {
	order chan *job // in entry order; its capacity is the window
	wg    sync.WaitGroup
	level int
	// Free lists, not sync.Pools: a pool is emptied by every garbage
	// collection, and reallocating buffers per file costs more than the
	// deflating. Each holds at most as many as can be in flight.
	cmps    chan *compressor
	bufs    chan *bytes.Buffer
	scratch []byte // for streaming large files
}

func startPipeline(ctx context.Context, list []Entry, workers, level int) *pipeline {
	window := 4 * workers
	p := &pipeline{
		order:   make(chan *job, window),
		level:   level,
		cmps:    make(chan *compressor, window+workers+1),
		bufs:    make(chan *bytes.Buffer, window+workers+1),
		scratch: make([]byte, 256<<10),
	}
	work := make(chan *job)
	for i := 0; i < workers; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for j := range work {
				p.process(ctx, j)
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

func (p *pipeline) process(ctx context.Context, j *job) {
	if err := ctx.Err(); err != nil {
		j.err = err
		return
	}
	r, err := j.e.Open()
	if err != nil {
		j.err = fmt.Errorf("read %s: %w", j.e.Name, err)
		return
	}
	j.buf = p.getBuf()
	// Buffers grow to the largest small file seen, not to maxBuffered.
	n, err := j.buf.ReadFrom(io.LimitReader(r, maxBuffered+1))
	if err == nil && n > maxBuffered { // the writer streams the rest
		j.rest = r
		return
	}
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		j.err = fmt.Errorf("read %s: %w", j.e.Name, err)
		return
	}
	j.comp = p.getCompressor()
	j.comp.compress(j.buf.Bytes())
}

func (p *pipeline) getBuf() *bytes.Buffer {
	select {
	case b := <-p.bufs:
		return b
	default:
		return new(bytes.Buffer)
	}
}

func (p *pipeline) getCompressor() *compressor {
	select {
	case c := <-p.cmps:
		return c
	default:
		return newCompressor(p.level)
	}
}

// write writes a finished job into zw and recycles its buffers.
func (p *pipeline) write(ctx context.Context, zw *zip.Writer, j *job) error {
	defer p.release(j)
	switch {
	case j.e.Open == nil:
		return writeDir(zw, j.e.Name)
	case j.comp != nil:
		return writeBuffered(zw, j.e.Name, j.e.Exec, j.buf.Bytes(), j.comp)
	}
	fh := header(j.e.Name, fileMode(j.e.Exec))
	fh.Method = zip.Deflate
	w, err := zw.CreateHeader(fh)
	if err != nil {
		return fmt.Errorf("write jar: %s: %w", j.e.Name, err)
	}
	if _, err := w.Write(j.buf.Bytes()); err != nil {
		return fmt.Errorf("write jar: %s: %w", j.e.Name, err)
	}
	buf := p.scratch
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := j.rest.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return fmt.Errorf("write jar: %s: %w", j.e.Name, err)
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("read %s: %w", j.e.Name, rerr)
		}
	}
}

func (p *pipeline) release(j *job) {
	if j.rest != nil {
		j.rest.Close()
		j.rest = nil
	}
	if j.comp != nil {
		select {
		case p.cmps <- j.comp:
		default:
		}
		j.comp = nil
	}
	if j.buf != nil {
		j.buf.Reset()
		select {
		case p.bufs <- j.buf:
		default:
		}
		j.buf = nil
	}
}

// stop drains what is left, closing files that were opened, and waits for
// every goroutine; cancel the pipeline's context first to make it quick.
func (p *pipeline) stop() {
	for j := range p.order {
		<-j.done
		p.release(j)
	}
	p.wg.Wait()
}
