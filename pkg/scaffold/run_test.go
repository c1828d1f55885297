package scaffold

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/local"
	"github.com/stormpy/stormpy/pkg/project"
)

// watchWriter collects output and cancels once a line containing want has
// been written.
type watchWriter struct {
	mu     sync.Mutex
	b      strings.Builder
	want   string
	cancel context.CancelFunc
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if strings.Contains(w.b.String(), w.want) {
		w.cancel()
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// A new project runs on the local runner, with stormpy's storm.py, as it
// is: every sentence is split, counted and acked, and the counts are logged.
func TestCreatedProjectRunsLocally(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	if err := Create(dir, "demo"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const sentences = 300
	p, err := project.Load(ctx, project.Options{SpecPath: dir, Overrides: map[string]any{
		"wordcount.sentences":    sentences,
		"wordcount.report.every": 100,
	}})
	if err != nil {
		t.Fatal(err)
	}
	staged := filepath.Join(t.TempDir(), "resources")
	if err := p.Stage(ctx, staged); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	out := &watchWriter{want: "all 300 sentences acked", cancel: stop}
	sum, err := local.Run(runCtx, p.Topology, local.Options{ResourcesDir: staged, Out: out})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if ctx.Err() != nil {
		t.Fatalf("the spout never saw all its sentences acked:\n%s", out)
	}
	spout, split, count := sum.Component("sentences"), sum.Component("split"), sum.Component("count")
	if spout.Acked != sentences || spout.Failed != 0 {
		t.Errorf("spout acked %d, failed %d; want %d and 0", spout.Acked, spout.Failed, sentences)
	}
	if split.Executed != sentences || count.Executed != split.Emitted || count.Executed < 4*sentences {
		t.Errorf("split executed %d and emitted %d, count executed %d", split.Executed, split.Emitted, count.Executed)
	}
	if !strings.Contains(out.String(), "top 5 after 100 words: ") {
		t.Errorf("no top-5 log line in the output:\n%s", out)
	}
}
