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
	fmt.Fprintf(os.Stderr, "word count: %d spout, %d split, %d count tasks; %.2f words per sentence; %s per measurement\n",
		tasks(t, "sentences"), tasks(t, "split"), tasks(t, "count"), feeds.wordsPerSentence, d)

	type row struct {
		limit, rate, ratio, runnerCPU, pythonCPU float64
		detail                                   string
	}
	var rows []row
	for i := 0; i < rounds; i++ {
		var lim limit
		var rate, runnerCPU, pythonCPU float64
		measureRunner := func() error {
			self0, kids0 := cpu()
			sum, err := local.Run(ctx, t, local.Options{ResourcesDir: dir, Duration: d, Out: io.Discard})
			if err != nil {
				return fmt.Errorf("runner: %w", err)
			}
			self1, kids1 := cpu()
			c := sum.Component("count")
			rate = float64(c.Executed) / sum.Elapsed.Seconds()
			runnerCPU = float64((self1 - self0).Microseconds()) / float64(c.Executed)
			pythonCPU = float64((kids1 - kids0).Microseconds()) / float64(c.Executed)
			return nil
		}
		var harnessPython float64
		measureHarness := func() (err error) {
			_, kids0 := cpu()
			lim, err = harness(ctx, t, dir, feeds, d)
			if err != nil {
				return fmt.Errorf("harness: %w", err)
			}
			_, kids1 := cpu()
			harnessPython = float64((kids1 - kids0).Microseconds()) / float64(lim.counted)
			return nil
		}
		// Alternate who goes first, so that a trend in the machine's load
		// does not favour one side.
		first, second := measureHarness, measureRunner
		if i%2 == 1 {
			first, second = measureRunner, measureHarness
		}
		if err := first(); err != nil {
			return err
		}
		if err := second(); err != nil {
			return err
		}
		r := row{limit: lim.words, rate: rate, ratio: rate / lim.words, runnerCPU: runnerCPU, pythonCPU: pythonCPU, detail: lim.String()}
		fmt.Fprintf(os.Stderr, "round %d: limit %.0f words/s (%s), runner %.0f words/s, ratio %.2f, CPU per word: runner %.1f µs, Python %.1f µs (%.1f µs under the harness)\n",
			i+1, r.limit, r.detail, r.rate, r.ratio, r.runnerCPU, r.pythonCPU, harnessPython)
		rows = append(rows, r)
	}
	// The pending topology reuses the word count's spout.
	mem, inflight, err := memory(ctx, stormpy, pendingSpec, filepath.Join(filepath.Dir(spec), "resources", "sentence_spout.py"))
	if err != nil {
		return fmt.Errorf("memory: %w", err)
	}

	fmt.Printf("Word count (`%s`: %d spout, %d split and %d count tasks, %.2f words per sentence), %s per measurement, runner and harness alternating:\n\n",
		filepath.ToSlash(spec), tasks(t, "sentences"), tasks(t, "split"), tasks(t, "count"), feeds.wordsPerSentence, d)
	fmt.Println("| round | Python-bound limit (words/s) | `stormpy run` (words/s) | run / limit | runner CPU per word | Python CPU per word |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|")
	var limits, rates, ratios, rcpu, pcpu []float64
	for i, r := range rows {
		fmt.Printf("| %d | %.0f | %.0f | %.2f | %.1f µs | %.1f µs |\n", i+1, r.limit, r.rate, r.ratio, r.runnerCPU, r.pythonCPU)
		limits, rates, ratios = append(limits, r.limit), append(rates, r.rate), append(ratios, r.ratio)
		rcpu, pcpu = append(rcpu, r.runnerCPU), append(pcpu, r.pythonCPU)
	}
	fmt.Printf("| median | %.0f | %.0f | **%.2f** | %.1f µs | %.1f µs |\n\n", median(limits), median(rates), median(ratios), median(rcpu), median(pcpu))
	fmt.Printf("Runner memory (`%s`, `topology.max.spout.pending: 10000`, a bolt that never acks): peak RSS of the `stormpy run` process %.1f MiB with %d tuple trees in flight (its Python children are separate processes).\n",
		filepath.ToSlash(pendingSpec), float64(mem)/(1<<20), inflight)
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
