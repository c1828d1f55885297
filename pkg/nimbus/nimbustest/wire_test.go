package nimbustest

import (
	"context"
	"errors"
	"net"
	"slices"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// fieldIDs reads a method result and records the field ids of the struct
// in its success field (0), skipping the values: the wire shape itself,
// independent of any IDL.
type fieldIDs struct{ ids []int16 }

func (f *fieldIDs) Write(context.Context, thrift.TProtocol) error { return errors.New("read only") }

func (f *fieldIDs) Read(ctx context.Context, p thrift.TProtocol) error {
	if _, err := p.ReadStructBegin(ctx); err != nil {
		return err
	}
	for {
		_, typ, id, err := p.ReadFieldBegin(ctx)
		if err != nil {
			return err
		}
		if typ == thrift.STOP {
			break
		}
		if id != 0 || typ != thrift.STRUCT {
			if err := p.Skip(ctx, typ); err != nil {
				return err
			}
			continue
		}
		if _, err := p.ReadStructBegin(ctx); err != nil {
			return err
		}
		for {
			_, ityp, iid, err := p.ReadFieldBegin(ctx)
			if err != nil {
				return err
			}
			if ityp == thrift.STOP {
				break
			}
			f.ids = append(f.ids, iid)
			if err := p.Skip(ctx, ityp); err != nil {
				return err
			}
		}
		if err := p.ReadStructEnd(ctx); err != nil {
			return err
		}
	}
	return p.ReadStructEnd(ctx)
}

func rawClient(t *testing.T, addr string) thrift.TClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	conf := &thrift.TConfiguration{TBinaryStrictWrite: thrift.BoolPtr(true)}
	proto := thrift.NewTBinaryProtocolConf(thrift.NewTFramedTransportConf(thrift.NewTSocketFromConnConf(nc, conf), conf), conf)
	return thrift.NewTStandardClient(proto, proto)
}

// TestWireShape checks the bytes each mode puts on the wire, the thing the
// client's IDL must cope with.
func TestWireShape(t *testing.T) {
	cases := []struct {
		v         Version
		summary   []int16
		hasLeader bool
	}{
		{Storm093, []int16{1, 2, 3}, false},
		{Storm10, []int16{1, 2, 3, 4}, false},
		{Storm2, []int16{1, 3, 4}, true},
	}
	for _, tc := range cases {
		t.Run(tc.v.String(), func(t *testing.T) {
			c, err := Start(tc.v, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			cl := rawClient(t, c.Addr(0))
			ctx := context.Background()
			var got fieldIDs
			if _, err := cl.Call(ctx, "getClusterInfo", &stormthrift.NimbusGetClusterInfoArgs{}, &got); err != nil {
				t.Fatal(err)
			}
			slices.Sort(got.ids)
			if !slices.Equal(got.ids, tc.summary) {
				t.Errorf("ClusterSummary fields %v, want %v", got.ids, tc.summary)
			}
			// The connection stays usable after an unknown method, as
			// with Storm's Java server.
			var leader fieldIDs
			_, err = cl.Call(ctx, "getLeader", &stormthrift.NimbusGetLeaderArgs{}, &leader)
			var ae thrift.TApplicationException
			unknown := errors.As(err, &ae) && ae.TypeId() == thrift.UNKNOWN_METHOD
			if tc.hasLeader == unknown || (tc.hasLeader && err != nil) {
				t.Errorf("getLeader: %v", err)
			}
			if _, err := cl.Call(ctx, "getClusterInfo", &stormthrift.NimbusGetClusterInfoArgs{}, &got); err != nil {
				t.Errorf("call after getLeader: %v", err)
			}
		})
	}
}
