package nimbus_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/nimbus"
	"github.com/stormpy/stormpy/pkg/nimbus/nimbustest"
	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// TestExceptionsFromEveryCall injects each declared exception into each
// call the client makes and checks the class, exit code and message.
func TestExceptionsFromEveryCall(t *testing.T) {
	aze := &stormthrift.AuthorizationException{Msg: "user bob is not allowed"}
	nae := &stormthrift.NotAliveException{Msg: "wc is not alive"}
	ite := &stormthrift.InvalidTopologyException{Msg: "bad conf"}
	aae := &stormthrift.AlreadyAliveException{Msg: "wc exists"}
	type op func(context.Context, *nimbus.Client, string) error
	submit := func(ctx context.Context, cl *nimbus.Client, jar string) error {
		_, err := cl.Submit(ctx, submitReq(t, "wc", jar))
		return err
	}
	list := func(ctx context.Context, cl *nimbus.Client, _ string) error { _, err := cl.List(ctx); return err }
	info := func(ctx context.Context, cl *nimbus.Client, _ string) error {
		_, err := cl.Info(ctx, "running")
		return err
	}
	kill := func(ctx context.Context, cl *nimbus.Client, _ string) error { return cl.Kill(ctx, "running", 0) }
	rebalance := func(ctx context.Context, cl *nimbus.Client, _ string) error {
		return cl.Rebalance(ctx, "running", nimbus.RebalanceOptions{Wait: nimbus.NimbusDefault, Workers: 2})
	}
	cases := []struct {
		method string
		err    error
		op     op
		class  error
		msg    string
	}{
		{"isTopologyNameAllowed", aze, submit, nimbus.ErrNotAuthorized, "user bob is not allowed"},
		{"beginFileUpload", aze, submit, nimbus.ErrNotAuthorized, "not authorized"},
		{"uploadChunk", aze, submit, nimbus.ErrNotAuthorized, "user bob"},
		{"finishFileUpload", aze, submit, nimbus.ErrNotAuthorized, "user bob"},
		{"submitTopologyWithOpts", ite, submit, nimbus.ErrInvalidTopology, "rejected \"wc\" as invalid: bad conf"},
		{"submitTopologyWithOpts", aae, submit, nimbus.ErrAlreadyAlive, "--force"},
		{"submitTopologyWithOpts", aze, submit, nimbus.ErrNotAuthorized, "user bob"},
		{"getClusterInfo", aze, list, nimbus.ErrNotAuthorized, "user bob"},
		{"getTopologyInfo", nae, info, nimbus.ErrNotAlive, "wc is not alive"},
		{"getTopologyInfo", aze, info, nimbus.ErrNotAuthorized, "user bob"},
		{"killTopologyWithOpts", nae, kill, nimbus.ErrNotAlive, "no topology named \"running\""},
		{"killTopologyWithOpts", aze, kill, nimbus.ErrNotAuthorized, "user bob"},
		{"activate", nae, func(ctx context.Context, cl *nimbus.Client, _ string) error { return cl.Activate(ctx, "running") }, nimbus.ErrNotAlive, "wc is not alive"},
		{"deactivate", aze, func(ctx context.Context, cl *nimbus.Client, _ string) error { return cl.Deactivate(ctx, "running") }, nimbus.ErrNotAuthorized, "user bob"},
		{"rebalance", nae, rebalance, nimbus.ErrNotAlive, "wc is not alive"},
		{"rebalance", ite, rebalance, nimbus.ErrInvalidTopology, "bad conf"},
		{"rebalance", aze, rebalance, nimbus.ErrNotAuthorized, "user bob"},
		{"getLeader", aze, nil, nimbus.ErrNotAuthorized, "user bob"},
	}
	for _, tc := range cases {
		t.Run(tc.method+"/"+strings.TrimPrefix(strings.TrimSuffix(errName(tc.err), "Exception"), "*stormthrift."), func(t *testing.T) {
			c := start(t, nimbustest.Storm2, 1)
			ctx := context.Background()
			jar, _ := writeJar(t, 100)
			var err error
			if tc.op == nil {
				c.Fail(tc.method, nimbustest.Fault{Err: tc.err})
				_, err = nimbus.Dial(ctx, options(c.Seeds()...))
			} else {
				cl := dial(t, options(c.Seeds()...))
				if _, err := cl.Submit(ctx, submitReq(t, "running", jar)); err != nil {
					t.Fatal(err)
				}
				c.Fail(tc.method, nimbustest.Fault{Err: tc.err})
				err = tc.op(ctx, cl, jar)
			}
			if !errors.Is(err, tc.class) || exitcode.Code(err) != exitcode.Refused || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v (code %d), want %v with %q and exit 3", err, exitcode.Code(err), tc.class, tc.msg)
			}
		})
	}
}

func errName(err error) string {
	switch err.(type) {
	case *stormthrift.AuthorizationException:
		return "Authorization"
	case *stormthrift.NotAliveException:
		return "NotAlive"
	case *stormthrift.InvalidTopologyException:
		return "InvalidTopology"
	default:
		return "AlreadyAlive"
	}
}

func TestCancelUnblocksCall(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1)
	cl := dial(t, options(c.Seeds()...))
	c.Fail("getClusterInfo", nimbustest.Fault{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	began := time.Now()
	_, err := cl.List(ctx)
	if d := time.Since(began); d > time.Second {
		t.Errorf("cancelled call returned after %s", d)
	}
	if !errors.Is(err, context.Canceled) || exitcode.Code(err) != exitcode.Interrupted {
		t.Errorf("err = %v, want cancelled (exit 130)", err)
	}
	// The client recovers with a fresh connection.
	if _, err := cl.List(context.Background()); err != nil {
		t.Errorf("list after cancel: %v", err)
	}
}

func TestCallTimeout(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1)
	o := options(c.Seeds()...)
	o.CallTimeout = 150 * time.Millisecond
	o.Retries = -1
	cl := dial(t, o)
	c.Fail("getClusterInfo", nimbustest.Fault{Hang: true})
	began := time.Now()
	_, err := cl.List(context.Background())
	if d := time.Since(began); d > time.Second {
		t.Errorf("timed-out call returned after %s", d)
	}
	if err == nil || !strings.Contains(err.Error(), "no answer from Nimbus within 150ms") || !strings.Contains(err.Error(), c.Addr(0)) {
		t.Errorf("err = %v", err)
	}
}

func TestTransientReadRetried(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1)
	cl := dial(t, options(c.Seeds()...))
	c.Fail("getClusterInfo", nimbustest.Fault{Drop: true})
	if _, err := cl.List(context.Background()); err != nil {
		t.Errorf("list after one dropped connection: %v", err)
	}
}

func TestMutationNotRetried(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1)
	cl := dial(t, options(c.Seeds()...))
	jar, _ := writeJar(t, 10)
	if _, err := cl.Submit(context.Background(), submitReq(t, "wc", jar)); err != nil {
		t.Fatal(err)
	}
	c.Fail("killTopologyWithOpts", nimbustest.Fault{Drop: true})
	if err := cl.Kill(context.Background(), "wc", 0); err == nil {
		t.Fatal("a kill whose answer was lost must report an error")
	}
	if n := count(c.Calls(), "killTopologyWithOpts"); n != 1 {
		t.Errorf("kill sent %d times", n)
	}
}

func TestSubmitAnswerLost(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1)
	cl := dial(t, options(c.Seeds()...))
	jar, _ := writeJar(t, 10)
	c.Fail("submitTopologyWithOpts", nimbustest.Fault{Drop: true})
	_, err := cl.Submit(context.Background(), submitReq(t, "wc", jar))
	if err == nil || !strings.Contains(err.Error(), "may or may not") {
		t.Errorf("err = %v", err)
	}
	if n := count(c.Calls(), "submitTopologyWithOpts"); n != 1 {
		t.Errorf("submit sent %d times", n)
	}
}

func near(p *float64, want float64) bool {
	return p != nil && math.Abs(*p-want) < 1e-9
}

func TestInfo(t *testing.T) {
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) {
			c := start(t, v, 1)
			cl := dial(t, options(c.Seeds()...))
			jar, _ := writeJar(t, 10)
			ctx := context.Background()
			if _, err := cl.Submit(ctx, submitReq(t, "wc", jar)); err != nil {
				t.Fatal(err)
			}
			c.AddError("wc", "split", "older", time.Unix(1000, 0))
			c.AddError("wc", "split", "newer", time.Unix(2000, 0))
			info, err := cl.Info(ctx, "wc")
			if err != nil {
				t.Fatal(err)
			}
			if info.Name != "wc" || info.Status != "ACTIVE" || info.Workers != 2 || info.Executors != 6 || info.Tasks != 9 {
				t.Errorf("topology %+v", info.Topology)
			}
			if len(info.Components) != 2 {
				t.Fatalf("components %+v (system components must be left out)", info.Components)
			}
			sp, b := info.Components[0], info.Components[1]
			if sp.ID != "sentences" || sp.Kind != "spout" || sp.Executors != 2 || sp.Tasks != 2 || sp.Reporting != 2 ||
				sp.Emitted != 200 || sp.Transferred != 200 || sp.Acked != 80 || sp.Failed != 4 ||
				!near(sp.CompleteLatencyMs, 10.5) || sp.ProcessLatencyMs != nil {
				t.Errorf("spout %+v", sp)
			}
			if b.ID != "split" || b.Kind != "bolt" || b.Executors != 3 || b.Tasks != 6 || b.Emitted != 150 ||
				b.Acked != 90 || b.Failed != 3 || b.Executed != 90 ||
				!near(b.ProcessLatencyMs, 3) || !near(b.ExecuteLatencyMs, 2) || b.CompleteLatencyMs != nil {
				t.Errorf("bolt %+v", b)
			}
			if len(b.Errors) != 2 || b.Errors[0].Error != "newer" || b.Errors[0].Time != 2000 {
				t.Errorf("errors %+v", b.Errors)
			}
			if (v == nimbustest.Storm093) != (b.Errors[0].Host == "") {
				t.Errorf("error host %q on %s", b.Errors[0].Host, v)
			}
			if (v == nimbustest.Storm2) != (info.Owner != "") {
				t.Errorf("owner %q on %s", info.Owner, v)
			}
			list, err := cl.List(ctx)
			if err != nil || len(list) != 1 || list[0].ID != info.ID || list[0].Tasks != 9 {
				t.Errorf("list = %+v, %v", list, err)
			}
			if _, err := cl.Info(ctx, "nope"); !errors.Is(err, nimbus.ErrNotAlive) {
				t.Errorf("info of an unknown topology: %v", err)
			}
		})
	}
}

func TestWaitRunning(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1, nimbustest.WithReportAfter(150*time.Millisecond))
	cl := dial(t, options(c.Seeds()...))
	jar, _ := writeJar(t, 10)
	ctx := context.Background()
	if _, err := cl.Submit(ctx, submitReq(t, "wc", jar)); err != nil {
		t.Fatal(err)
	}
	info, err := cl.Info(ctx, "wc")
	if err != nil || info.Components[0].Reporting != 0 {
		t.Fatalf("right after submit: %+v, %v", info, err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := cl.WaitRunning(short, "wc"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitRunning before the executors report: %v", err)
	}
	long, cancel2 := context.WithTimeout(ctx, 5*time.Second)
	defer cancel2()
	if err := cl.WaitRunning(long, "wc"); err != nil {
		t.Fatal(err)
	}
	if info, _ := cl.Info(ctx, "wc"); info.Components[0].Reporting != 2 {
		t.Errorf("after WaitRunning: %+v", info.Components[0])
	}
}

func TestSubmitNameNotAllowed(t *testing.T) {
	c := start(t, nimbustest.Storm2, 1)
	cl := dial(t, options(c.Seeds()...))
	jar, _ := writeJar(t, 10)
	_, err := cl.Submit(context.Background(), submitReq(t, "bad/name", jar))
	if !errors.Is(err, nimbus.ErrInvalidTopology) || !strings.Contains(err.Error(), `does not allow the topology name "bad/name"`) {
		t.Errorf("err = %v", err)
	}
	if count(c.Calls(), "beginFileUpload") != 0 {
		t.Error("a refused name must not upload")
	}
}

// TestLeaderDiesThenReelected: the leader goes down, the survivors report
// no leader until one is elected; discovery retries through it.
func TestLeaderDiesThenReelected(t *testing.T) {
	c := start(t, nimbustest.Storm2, 3)
	patient := options(c.Seeds()...)
	patient.Retries = 20
	cl := dial(t, patient)
	if cl.Leader().Addr != c.Addr(0) {
		t.Fatalf("leader %v", cl.Leader())
	}
	c.Down(0)
	c.SetLeader(-1)

	o := options(c.Seeds()...)
	o.Retries = 1
	_, err := nimbus.Dial(context.Background(), o)
	if !errors.Is(err, nimbus.ErrUnreachable) || !strings.Contains(err.Error(), c.Addr(1)+" (") || !strings.Contains(err.Error(), "no leader") {
		t.Errorf("without a leader: %v", err)
	}

	time.AfterFunc(50*time.Millisecond, func() { c.SetLeader(2) })
	if _, err := cl.List(context.Background()); err != nil {
		t.Fatalf("list after the leader died: %v", err)
	}
	if cl.Leader().Addr != c.Addr(2) {
		t.Errorf("leader after re-election %v, want %s", cl.Leader(), c.Addr(2))
	}
}
