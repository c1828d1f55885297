// Command localrun measures word count through `stormpy run` against the
// limit that the Python components themselves impose, and the runner's
// memory with 10,000 tuple trees in flight.
//
// The limit comes from a harness that is as simple as a host can be: the
// same component processes, started in the same staged resources/ tree,
// fed pre-serialised messages (the sentences the spout really emits, their
// words) as fast as they take them, all five at once on the same CPUs. The
// pipeline cannot beat its slowest stage, so the limit in words per second
// is the smallest of: spout sentences/s × words per sentence, split
// sentences/s × words per sentence, count words/s. Runner and harness
// alternate, so that the machine's noise hits both alike.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/stormpy/stormpy/pkg/local"
	"github.com/stormpy/stormpy/pkg/project"
	"github.com/stormpy/stormpy/pkg/topology"
)

func main() {
	spec := flag.String("spec", "examples/wordcount/topology.yaml", "word-count topology spec")
	pending := flag.String("pending", "bench/localrun/pending/topology.yaml", "topology that holds 10,000 trees in flight")
	stormpy := flag.String("stormpy", "bin/stormpy", "stormpy binary, for the memory measurement")
	duration := flag.Duration("duration", 10*time.Second, "length of each measurement")
	rounds := flag.Int("rounds", 3, "alternating runner/harness rounds")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *spec, *pending, *stormpy, *duration, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "localrun:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, spec, pendingSpec, stormpy string, d time.Duration, rounds int) error {
	abs, err := filepath.Abs(spec)
	if err != nil {
		return err
	}
	p, err := project.Load(ctx, project.Options{SpecPath: abs, Python: "-"})
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "localrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := p.Stage(ctx, dir); err != nil {
		return err
	}
	t := p.Topology
	feeds, err := captureFeeds(ctx, t, dir, 2000)
	if err != nil {
		return fmt.Errorf("capture the spout's sentences: %w", err)
	}
	fmt.Printf("word count: %d spout, %d split, %d count tasks; %.2f words per sentence; %s per measurement\n",
		tasks(t, "sentences"), tasks(t, "split"), tasks(t, "count"), feeds.wordsPerSentence, d)

	var ratios, runnerRates, limits []float64
	for i := 0; i < rounds; i++ {
		lim, err := harness(ctx, t, dir, feeds, d)
		if err != nil {
			return fmt.Errorf("harness: %w", err)
		}
		self0, kids0 := cpu()
		sum, err := local.Run(ctx, t, local.Options{ResourcesDir: dir, Duration: d, Out: io.Discard})
		if err != nil {
			return fmt.Errorf("runner: %w", err)
		}
		self1, kids1 := cpu()
		c := sum.Component("count")
		rate := float64(c.Executed) / sum.Elapsed.Seconds()
		fmt.Printf("round %d: harness limit %.0f words/s (%s); runner %.0f words/s; ratio %.2f\n", i+1, lim.words, lim, rate, rate/lim.words)
		fmt.Printf("         CPU per word: runner process %.1f µs, its Python children %.1f µs\n",
			float64((self1-self0).Microseconds())/float64(c.Executed), float64((kids1-kids0).Microseconds())/float64(c.Executed))
		ratios = append(ratios, rate/lim.words)
		runnerRates = append(runnerRates, rate)
		limits = append(limits, lim.words)
	}
	fmt.Printf("median: runner %.0f words/s, Python-bound limit %.0f words/s, ratio %.2f (target >= 0.80)\n",
		median(runnerRates), median(limits), median(ratios))

	mem, inflight, err := memory(ctx, stormpy, pendingSpec)
	if err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	fmt.Printf("runner memory with %d tuple trees in flight: peak RSS %.1f MB (target < 50 MB)\n", inflight, float64(mem)/(1<<20))
	return nil
}

// cpu returns the CPU time of this process (the runner, in the runner
// rounds) and of its reaped children (the Python processes).
func cpu() (self, children time.Duration) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	children = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return self, children
}

func tasks(t *topology.Topology, id string) int {
	c := t.Component(id)
	if c == nil {
		return 0
	}
	if c.NumTasks > 0 {
		return c.NumTasks
	}
	return max(c.Parallelism, 1)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func argv(t *topology.Topology, id string) ([]string, error) {
	c := t.Component(id)
	if c == nil || c.Shell == nil {
		return nil, fmt.Errorf("the topology has no shell component %q", id)
	}
	return c.Shell.Argv(), nil
}
