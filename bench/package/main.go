// Command package compares packaging a project into a jar with stormpy
// against `zip -qr` and the JDK's `jar cf`, on the same inputs, in the same
// run, alternating the tools so that a noisy machine hurts them alike.
//
//	go run ./bench/package [-runs N] [-work DIR] [-stormpy BIN] [-wordcount DIR]
//
// It reports the median wall time, CPU time and peak resident memory of
// each tool (from GNU time when installed, else from the child's rusage,
// which on Linux counts the parent's memory before exec and so has a
// floor), and the median of the per-round ratios to zip: ratios of runs of
// one round, which share the machine's load.
//
// It always runs itself as `pack`, a child that calls pkg/pack.Package
// alone: the packaging. With -stormpy it also runs `BIN package PROJECT
// --output OUT`, the whole command, spec validation and the Python compile
// check included.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/stormpy/stormpy/pkg/pack"
	"github.com/stormpy/stormpy/resources"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "pack" {
		if err := packMode(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "pack:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench/package:", err)
		os.Exit(1)
	}
}

// packMode packages the project in args[0] into args[1].
func packMode(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: pack PROJECT OUTPUT")
	}
	res, err := pack.Package(context.Background(), pack.Options{ProjectDir: args[0], Output: args[1], StormPy: resources.StormPy, Version: "bench"})
	if err != nil {
		return err
	}
	fmt.Printf("%s %d entries %d bytes %s\n", res.Path, res.Entries, res.Size, res.SHA256)
	return nil
}

type tool struct {
	name string
	cmd  func(project, out string) *exec.Cmd
}

type sample struct {
	wall  time.Duration
	cpu   time.Duration // user + system, the tool's children included
	rssKB int64
	size  int64
}

func run(stdout, progress io.Writer) error {
	runs := flag.Int("runs", 2, "measured rounds per input (after one warm-up round)")
	work := flag.String("work", "", "directory for the generated inputs and outputs (default: a new temporary one, removed afterwards)")
	stormpy := flag.String("stormpy", "", "stormpy binary to run as `BIN package`; empty runs pkg/pack in a child process")
	wordcount := flag.String("wordcount", "examples/wordcount", "the word-count example project; a small generated one stands in when it is missing")
	flag.Parse()

	dir := *work
	if dir == "" {
		d, err := os.MkdirTemp("", "stormpy-bench-package-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	type input struct{ name, dir string }
	var inputs []input
	wc := "examples/wordcount"
	if _, err := os.Stat(filepath.Join(*wordcount, "resources")); err == nil {
		wc = *wordcount
	} else {
		wc = filepath.Join(dir, "wordcount")
		if err := genSmall(wc); err != nil {
			return err
		}
		fmt.Fprintf(progress, "note: %s has no resources/, using a small generated word count\n", *wordcount)
	}
	inputs = append(inputs, input{"wordcount", wc})
	for _, in := range []struct {
		name string
		gen  func(string) error
	}{
		{"5000 sources", func(d string) error { return genSources(d, 4998, 100<<20) }}, // + spout.py, split.py
		{"bundled deps", genDeps},
	} {
		d := filepath.Join(dir, strings.ReplaceAll(in.name, " ", "-"))
		if _, err := os.Stat(d); err != nil {
			fmt.Fprintf(progress, "generating %s in %s\n", in.name, d)
			if err := in.gen(d); err != nil {
				return fmt.Errorf("generate %s: %w", in.name, err)
			}
		}
		inputs = append(inputs, input{in.name, d})
	}

	var tools []tool
	if *stormpy != "" {
		bin, err := filepath.Abs(*stormpy)
		if err != nil {
			return err
		}
		tools = append(tools, tool{"stormpy package", func(project, out string) *exec.Cmd {
			return exec.Command(bin, "package", project, "--output", out)
		}})
	}
	const zipTool = "zip -qr"
	tools = append(tools,
		tool{"pkg/pack only", func(project, out string) *exec.Cmd { return exec.Command(self, "pack", project, out) }},
		tool{zipTool, func(project, out string) *exec.Cmd {
			c := exec.Command("zip", "-qr", out, "resources")
			c.Dir = project
			return c
		}},
		tool{"jar cf", func(project, out string) *exec.Cmd {
			return exec.Command("jar", "cf", out, "-C", project, "resources")
		}},
	)
	zipIdx := 0
	for i, t := range tools {
		if t.name == zipTool {
			zipIdx = i
		}
	}

	fmt.Fprintf(stdout, "Medians of %d rounds after a warm-up round; in each round the tools run one after another, "+
		"each round starting with the next tool; \"× zip\" is the median of the rounds' ratios to zip's run.\n\n", *runs)
	fmt.Fprintf(stdout, "| input | files | size | tool | wall s | wall × zip | CPU s | CPU × zip | peak RSS MB | output |\n")
	fmt.Fprintf(stdout, "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|\n")
	for _, in := range inputs {
		files, bytes, err := treeSize(filepath.Join(in.dir, "resources"))
		if err != nil {
			return err
		}
		samples := make([][]sample, len(tools))
		fmt.Fprintf(progress, "packaging %s: %d files, %.0f MB\n", in.name, files, float64(bytes)/(1<<20))
		for round := 0; round <= *runs; round++ {
			for k := range tools {
				i := (k + round) % len(tools) // rotate who goes first
				out := filepath.Join(dir, fmt.Sprintf("out-%d.jar", i))
				s, err := measure(tools[i].cmd(in.dir, out), out)
				if err != nil {
					return fmt.Errorf("%s on %s: %w", tools[i].name, in.name, err)
				}
				if round > 0 { // round 0 warms the page cache
					samples[i] = append(samples[i], s)
				}
			}
		}
		for i, t := range tools {
			var walls, cpus, rss, wallRatios, cpuRatios []float64
			for r, s := range samples[i] {
				zip := samples[zipIdx][r]
				walls = append(walls, s.wall.Seconds())
				cpus = append(cpus, s.cpu.Seconds())
				rss = append(rss, float64(s.rssKB)/1024)
				wallRatios = append(wallRatios, s.wall.Seconds()/zip.wall.Seconds())
				cpuRatios = append(cpuRatios, s.cpu.Seconds()/max(zip.cpu.Seconds(), 0.001))
			}
			fmt.Fprintf(stdout, "| %s | %d | %s | %s | %.3f | %.2f | %.3f | %.2f | %.1f | %s |\n", in.name, files, human(bytes),
				t.name, median(walls), median(wallRatios), median(cpus), median(cpuRatios), median(rss), human(samples[i][0].size))
		}
	}
	return nil
}

// measure runs c once, from an absent output, and returns its wall time,
// its peak resident set and the size of what it wrote.
func measure(c *exec.Cmd, out string) (sample, error) {
	if err := os.Remove(out); err != nil && !errors.Is(err, os.ErrNotExist) {
		return sample{}, err // zip would update an existing archive
	}
	// GNU time is a small process, so its exec'd child's peak RSS is the
	// tool's own; it writes the figure to a file, away from the tool's
	// output.
	rssFile := out + ".rss"
	if gnuTime, err := exec.LookPath("/usr/bin/time"); err == nil {
		c.Args = append([]string{gnuTime, "-o", rssFile, "-f", "%M"}, c.Args...)
		c.Path = gnuTime
		defer os.Remove(rssFile)
	}
	var stderr strings.Builder
	c.Stderr = &stderr
	start := time.Now()
	err := c.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%w: %s", err, stderr.String())
	}
	fi, err := os.Stat(out)
	if err != nil {
		return sample{}, err
	}
	s := sample{
		wall:  wall,
		cpu:   c.ProcessState.UserTime() + c.ProcessState.SystemTime(),
		rssKB: c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss,
		size:  fi.Size(),
	}
	if b, err := os.ReadFile(rssFile); err == nil {
		if _, err := fmt.Sscan(string(b), &s.rssKB); err != nil {
			return sample{}, fmt.Errorf("read GNU time's output %q: %w", b, err)
		}
	}
	return s, nil
}

func treeSize(dir string) (files int, size int64, err error) {
	err = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			files++
			size += fi.Size()
		}
		return err
	})
	return files, size, err
}

func human(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
