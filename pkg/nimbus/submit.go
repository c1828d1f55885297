package nimbus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// Upload chunk sizing. Storm's own submitter sends 307200-byte chunks,
// which every Nimbus accepts; when Nimbus tells us its frame limit
// (nimbus.thrift.max_buffer_size) the chunks grow to just under it, less
// room for the rest of the uploadChunk message.
const (
	DefaultChunkSize = 307200
	maxChunkSize     = 8 << 20
	chunkOverhead    = 16 << 10
	confMaxBuffer    = "nimbus.thrift.max_buffer_size"
)

// SubmitRequest is one topology submission.
type SubmitRequest struct {
	// Name is the topology name.
	Name string
	// JarPath is the jar to upload.
	JarPath string
	// Topology and ConfJSON are what submitTopology carries.
	Topology *stormthrift.StormTopology
	ConfJSON []byte
	// Inactive submits the topology deactivated.
	Inactive bool
	// Progress, when set, is called after each uploaded chunk.
	Progress func(sent, total int64)
}

// SubmitResult says what Submit did.
type SubmitResult struct {
	// ID is the topology id Nimbus assigned (empty if it could not be
	// read back).
	ID string
	// JarLocation is where Nimbus stored the jar.
	JarLocation string
	// Bytes is the jar size; Chunks the number of uploadChunk calls.
	Bytes  int64
	Chunks int
	// Leader is the Nimbus that took the topology.
	Leader Leader
}

// Submit checks the name, uploads the jar to the leader and submits the
// topology. Until submitTopology is sent, any transient failure (a dropped
// connection, a leader change) restarts the upload on the current leader;
// submitTopology itself is sent once. An upload that fails or is
// interrupted leaves no topology behind (Nimbus discards the partial jar).
func (c *Client) Submit(ctx context.Context, req SubmitRequest) (*SubmitResult, error) {
	if req.Topology == nil {
		return nil, errors.New("submit: no topology")
	}
	if err := c.checkName(ctx, req.Name); err != nil {
		return nil, err
	}
	chunk, err := c.chunkSize(ctx)
	if err != nil {
		return nil, err
	}
	res := &SubmitResult{}
	for attempt := 0; ; attempt++ {
		res.JarLocation, res.Bytes, res.Chunks, err = c.upload(ctx, req, chunk)
		if err == nil || !transient(err) || attempt >= c.opts.Retries {
			break
		}
		c.opts.Logf("upload to %s failed, starting over: %v", c.leader.Addr, err)
		c.Close()
		if err := c.pause(ctx, attempt); err != nil {
			return nil, fmt.Errorf("upload jar: %w", err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("upload jar: %w", explain(err, "upload jar", req.Name))
	}
	status := stormthrift.TopologyInitialStatus_ACTIVE
	if req.Inactive {
		status = stormthrift.TopologyInitialStatus_INACTIVE
	}
	opts := &stormthrift.SubmitOptions{InitialStatus: status}
	// The upload used this very connection, so the jar location is known
	// to the Nimbus that receives the submit.
	err = c.annotate(c.conn.do(ctx, c.opts.CallTimeout, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		return nc.SubmitTopologyWithOpts(ctx, req.Name, res.JarLocation, string(req.ConfJSON), req.Topology, opts)
	}))
	if err != nil {
		if ctx.Err() != nil || (!declared(err) && transient(err)) {
			return nil, fmt.Errorf("submit %q: the answer was lost, so Nimbus may or may not have taken the topology; check with `stormpy list`: %w", req.Name, err)
		}
		return nil, explain(err, "submit", req.Name)
	}
	res.Leader = c.leader
	if t, err := c.find(ctx, req.Name); err == nil && t != nil {
		res.ID = t.ID
	}
	return res, nil
}

// checkName refuses early, before a long upload, a name that is taken. It
// uses isTopologyNameAllowed (1.1+) where Nimbus has it and the topology
// list otherwise.
func (c *Client) checkName(ctx context.Context, name string) error {
	var allowed bool
	err := c.retrying(ctx, func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		var err error
		allowed, err = nc.IsTopologyNameAllowed(ctx, name)
		return err
	})
	if err != nil && !unknownMethod(err) {
		return explain(err, "submit", name)
	}
	if err == nil && allowed {
		return nil
	}
	t, ferr := c.find(ctx, name)
	if ferr != nil {
		return ferr
	}
	if t != nil {
		return exitcode.RefusedBy(&refused{ErrAlreadyAlive, nil, fmt.Sprintf(
			"submit: topology %q is already running (id %s, %s); kill it first, or submit with --force to replace it",
			name, t.ID, t.Status)})
	}
	if err == nil {
		return exitcode.RefusedBy(&refused{ErrInvalidTopology, nil, fmt.Sprintf(
			"submit: Nimbus does not allow the topology name %q (Storm names use letters, digits, '-', '_' and '.')", name)})
	}
	return nil
}

// chunkSize derives the upload chunk size from Nimbus' frame limit, or
// falls back to Storm's own chunk size when the conf is not readable.
func (c *Client) chunkSize(ctx context.Context) (int, error) {
	if c.chunk > 0 {
		return c.chunk, nil
	}
	c.chunk = DefaultChunkSize
	conf, err := c.nimbusConf(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return 0, err
		}
		c.opts.Logf("nimbus conf not readable (%v); uploading in %d-byte chunks", err, c.chunk)
		return c.chunk, nil
	}
	if v, ok := conf[confMaxBuffer].(float64); ok && v > 0 {
		limit := int(v)
		size := limit - chunkOverhead
		if size < limit/2 {
			size = limit / 2
		}
		c.chunk = min(size, maxChunkSize)
	}
	return c.chunk, nil
}

// upload sends the jar in chunks and returns Nimbus' location for it.
func (c *Client) upload(ctx context.Context, req SubmitRequest, chunk int) (string, int64, int, error) {
	f, err := os.Open(req.JarPath)
	if err != nil {
		return "", 0, 0, exitcode.Invalid(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, 0, err
	}
	total := st.Size()
	var location string
	if err := c.ensure(ctx); err != nil {
		return "", 0, 0, err
	}
	do := func(fn func(context.Context, *stormthrift.NimbusClient) error) error {
		return c.annotate(c.conn.do(ctx, c.opts.CallTimeout, fn))
	}
	err = do(func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		var err error
		location, err = nc.BeginFileUpload(ctx)
		return err
	})
	if err != nil {
		return "", 0, 0, err
	}
	buf := make([]byte, chunk)
	var sent int64
	chunks := 0
	if req.Progress != nil {
		req.Progress(0, total)
	}
	for {
		n, rerr := io.ReadFull(f, buf)
		if n > 0 {
			err = do(func(ctx context.Context, nc *stormthrift.NimbusClient) error {
				return nc.UploadChunk(ctx, location, buf[:n])
			})
			if err != nil {
				return "", 0, 0, err
			}
			sent += int64(n)
			chunks++
			if req.Progress != nil {
				req.Progress(sent, total)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return "", 0, 0, fmt.Errorf("read %s: %w", req.JarPath, rerr)
		}
	}
	err = do(func(ctx context.Context, nc *stormthrift.NimbusClient) error {
		return nc.FinishFileUpload(ctx, location)
	})
	if err != nil {
		return "", 0, 0, err
	}
	return location, sent, chunks, nil
}
