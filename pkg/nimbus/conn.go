package nimbus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// conn is one Thrift connection to one Nimbus.
type conn struct {
	addr   string
	nc     net.Conn
	client *stormthrift.NimbusClient
	// broken is set once the byte stream is in an unknown state (a
	// transport error, a timeout, a cancelled call); the conn is then
	// useless and is replaced.
	broken error
}

// thriftConf is what Storm's servers speak: strict binary protocol in
// frames. The frame limit is generous for replies (TopologyInfo of a large
// topology); requests are kept under Nimbus' own limit by the chunking.
var thriftConf = &thrift.TConfiguration{
	MaxFrameSize:       256 << 20,
	MaxMessageSize:     256 << 20,
	TBinaryStrictRead:  thrift.BoolPtr(true),
	TBinaryStrictWrite: thrift.BoolPtr(true),
}

func (c *Client) connect(ctx context.Context, addr string) (*conn, error) {
	dctx, cancel := context.WithTimeout(ctx, c.opts.ConnectTimeout)
	defer cancel()
	nc, err := c.opts.Dialer.DialContext(dctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if dctx.Err() != nil {
			return nil, fmt.Errorf("connect: no answer within %s: %w", c.opts.ConnectTimeout, err)
		}
		return nil, fmt.Errorf("connect: %w", err)
	}
	trans := thrift.NewTFramedTransportConf(&netTransport{nc: nc}, thriftConf)
	proto := thrift.NewTBinaryProtocolConf(trans, thriftConf)
	return &conn{
		addr:   addr,
		nc:     nc,
		client: stormthrift.NewNimbusClient(thrift.NewTStandardClient(proto, proto)),
	}, nil
}

func (cn *conn) close() error {
	if cn.broken == nil {
		cn.broken = errors.New("connection closed")
	}
	return cn.nc.Close()
}

// errCallTimeout marks a call that got no answer within CallTimeout.
var errCallTimeout = errors.New("no answer from Nimbus")

// do runs one Thrift call under the call timeout. Cancelling ctx closes the
// socket, which is the only way to unblock a read on a silent server; the
// connection is then marked broken.
func (cn *conn) do(ctx context.Context, timeout time.Duration, fn func(context.Context, *stormthrift.NimbusClient) error) error {
	if cn.broken != nil {
		return cn.broken
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := cn.nc.SetDeadline(deadline); err != nil {
		cn.broken = err
		return err
	}
	stop := context.AfterFunc(ctx, func() { cn.nc.Close() })
	err := fn(ctx, cn.client)
	cancelled := !stop()
	if err == nil {
		return nil
	}
	if declared(err) {
		// Nimbus answered in full; the stream is still in step.
		return err
	}
	var ae thrift.TApplicationException
	if errors.As(err, &ae) && ae.TypeId() != thrift.PROTOCOL_ERROR {
		return err
	}
	cn.nc.Close()
	switch {
	case cancelled:
		err = ctx.Err()
	case isTimeout(err):
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		} else {
			err = fmt.Errorf("%w within %s (%v)", errCallTimeout, timeout, err)
		}
	}
	cn.broken = err
	return err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// netTransport is the plain byte stream under the framed transport. The
// library's TSocket resets the socket deadline on every read and write,
// which would undo the per-call deadline that do sets.
type netTransport struct {
	nc     net.Conn
	once   sync.Once
	closed bool
}

var _ thrift.TTransport = (*netTransport)(nil)

func (t *netTransport) Open() error                 { return nil }
func (t *netTransport) IsOpen() bool                { return !t.closed }
func (t *netTransport) Read(p []byte) (int, error)  { return t.nc.Read(p) }
func (t *netTransport) Write(p []byte) (int, error) { return t.nc.Write(p) }
func (t *netTransport) Flush(context.Context) error { return nil }
func (t *netTransport) RemainingBytes() uint64      { return ^uint64(0) }
func (t *netTransport) Close() error {
	var err error
	t.once.Do(func() { t.closed = true; err = t.nc.Close() })
	return err
}
