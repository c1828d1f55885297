package e2e

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sentences must match e2e/testdata/sink/resources/sentence_spout.py.
var sentences = []string{
	"the cow jumped over the moon",
	"an apple a day keeps the doctor away",
	"four score and seven years ago",
	"snow white and the seven dwarfs",
	"i am at two with nature",
	"the quick brown fox jumps over the lazy dog",
}

// expectedWordLines is what the sink must have written: the count bolt
// emits (word, running count) for each word it sees, so word w seen n
// times gives the lines "w 1" … "w n". Sorted, because the two count
// tasks interleave.
func expectedWordLines() []string {
	seen := map[string]int{}
	var lines []string
	for _, s := range sentences {
		for _, w := range strings.Fields(s) {
			seen[w]++
			lines = append(lines, fmt.Sprintf("%s %d", w, seen[w]))
		}
	}
	slices.Sort(lines)
	return lines
}

// TestSinkTopology packages and submits the test topology, checks that the
// file its last bolt writes holds exactly the expected word counts, and
// that deactivate stops its spouts and activate resumes them.
func TestSinkTopology(t *testing.T) {
	c := needCluster(t)
	const name = "e2e-sink"
	c.killIfRunning(t, name)

	proj := copyProject(t, filepath.Join("testdata", "sink"))
	out := t.TempDir()
	c.must(t, proj, "package")
	c.must(t, proj, "submit", "-c", "stormpy.e2e.out.dir="+out)
	t.Cleanup(func() { c.run(t, proj, "kill", name, "--wait", "0") })

	eventually(t, "every sentence acked", pollTimeout, func() (bool, string) {
		tp := c.info(t, name)
		if errs := tp.componentErrors(); len(errs) > 0 {
			t.Fatalf("components reported errors:\n%s", strings.Join(errs, "\n"))
		}
		s, _ := tp.component("sentences")
		if s.Failed > 0 {
			t.Fatalf("%d sentences failed: %+v", s.Failed, tp)
		}
		return s.Acked >= int64(len(sentences)), fmt.Sprintf("%+v", tp)
	})
	got := readLines(t, filepath.Join(out, "words.txt"))
	slices.Sort(got)
	if want := expectedWordLines(); !slices.Equal(got, want) {
		t.Fatalf("words.txt:\n got %q\nwant %q", got, want)
	}

	if tp, ok := c.list(t)[name]; !ok || tp.Status != "ACTIVE" {
		t.Fatalf("list: want %s ACTIVE, got %+v (present %v)", name, tp, ok)
	}

	ticks := filepath.Join(out, "ticks.txt")
	eventually(t, "ticks flowing", pollTimeout, func() (bool, string) {
		n := len(readLines(t, ticks))
		return n >= 10, fmt.Sprintf("%d ticks", n)
	})

	c.must(t, proj, "deactivate", name)
	eventually(t, "list shows INACTIVE", pollTimeout, func() (bool, string) {
		tp := c.list(t)[name]
		return tp.Status == "INACTIVE", fmt.Sprintf("%+v", tp)
	})
	// The Python spout itself hears "deactivate" (ShellSpout relays it since
	// Storm 1.1) and logs how many ticks it has emitted by then; the file
	// must come to hold exactly those and then stay put.
	id := c.list(t)[name].ID
	var stopped int
	eventually(t, "the spout logs its deactivation", pollTimeout, func() (bool, string) {
		n, ok := c.lastLogged(t, id, deactivatedAt)
		stopped = n
		return ok, "no \"ticker deactivated at\" line in the worker logs of " + id
	})
	eventually(t, "every tick emitted before deactivate written", pollTimeout, func() (bool, string) {
		n := len(readLines(t, ticks))
		if n > stopped {
			t.Fatalf("%d ticks written, but the spout stopped after %d", n, stopped)
		}
		return n == stopped, fmt.Sprintf("%d of %d ticks written", n, stopped)
	})
	// A running ticker adds ten lines a second; none in five seconds.
	if n := waitStable(t, ticks, 5*time.Second); n != stopped {
		t.Fatalf("%d ticks written after deactivate, the spout stopped after %d", n, stopped)
	}

	c.must(t, proj, "activate", name)
	eventually(t, "ticks resume after activate", pollTimeout, func() (bool, string) {
		n := len(readLines(t, ticks))
		return n >= stopped+10, fmt.Sprintf("%d ticks, %d when stopped", n, stopped)
	})
	// Nothing lost or repeated across the pause: 0, 1, 2, … in order.
	for i, l := range readLines(t, ticks) {
		if l != strconv.Itoa(i) {
			t.Fatalf("ticks.txt line %d is %q, want %d", i+1, l, i)
		}
	}

	c.must(t, proj, "kill", name, "--wait", "0")
	c.waitGone(t, name)
}

// deactivatedAt matches what tick_spout.py logs when deactivated.
var deactivatedAt = regexp.MustCompile(`ticker deactivated at (\d+)`)

// waitStable polls until the file's line count has not changed for quiet,
// and returns that count.
func waitStable(t *testing.T, path string, quiet time.Duration) int {
	t.Helper()
	last, since := -1, time.Now()
	eventually(t, "ticks stop after deactivate", pollTimeout, func() (bool, string) {
		n := len(readLines(t, path))
		if n != last {
			last, since = n, time.Now()
		}
		return time.Since(since) >= quiet, fmt.Sprintf("%d ticks, still growing", n)
	})
	return last
}

// TestWordcountLifecycle runs the bundled example through submit,
// rebalance, a refused and a forced resubmit, and kill.
func TestWordcountLifecycle(t *testing.T) {
	c := needCluster(t)
	const name = "e2e-wordcount"
	c.killIfRunning(t, name)

	proj := copyProject(t, filepath.Join(c.root, "examples", "wordcount"))
	c.must(t, proj, "package")
	c.must(t, proj, "submit", "--name", name, "-c", "topology.stats.sample.rate=1.0", "-c", "topology.workers=1")
	t.Cleanup(func() { c.run(t, proj, "kill", name, "--wait", "0") })

	eventually(t, "every Python bolt acked tuples", pollTimeout, func() (bool, string) {
		tp := c.info(t, name)
		if errs := tp.componentErrors(); len(errs) > 0 {
			t.Fatalf("components reported errors:\n%s", strings.Join(errs, "\n"))
		}
		bolts := 0
		for _, comp := range tp.Components {
			if comp.Kind != "bolt" {
				continue
			}
			bolts++
			if comp.Acked == 0 {
				return false, fmt.Sprintf("%+v", tp)
			}
		}
		return bolts > 0, fmt.Sprintf("%+v", tp)
	})

	before, ok := c.list(t)[name]
	if !ok || before.Status != "ACTIVE" || before.Workers != 1 {
		t.Fatalf("list: want %s ACTIVE with 1 worker, got %+v (present %v)", name, before, ok)
	}

	c.must(t, proj, "rebalance", name, "-n", "2", "--wait", "0")
	eventually(t, "2 workers after rebalance", pollTimeout, func() (bool, string) {
		tp := c.list(t)[name]
		return tp.Workers == 2 && tp.Status == "ACTIVE", fmt.Sprintf("%+v", tp)
	})

	r := c.run(t, proj, "submit", "--name", name)
	if r.code != 3 {
		t.Fatalf("second submit of a running name: want exit 3\n%s", r)
	}
	if !strings.Contains(r.stderr, "--force") {
		t.Errorf("second submit should suggest --force\n%s", r)
	}

	c.must(t, proj, "submit", "--name", name, "--force", "-c", "topology.stats.sample.rate=1.0")
	eventually(t, "the forced submit replaced the topology", pollTimeout, func() (bool, string) {
		tp, ok := c.list(t)[name]
		return ok && tp.ID != before.ID && tp.Status == "ACTIVE", fmt.Sprintf("%+v (old id %s)", tp, before.ID)
	})

	c.must(t, proj, "kill", name, "--wait", "0")
	c.waitGone(t, name)

	r = c.run(t, proj, "kill", name)
	if r.code != 3 {
		t.Fatalf("kill of a killed topology: want exit 3\n%s", r)
	}
}

// TestKillUnknown checks that Nimbus's "not alive" is exit 3.
func TestKillUnknown(t *testing.T) {
	c := needCluster(t)
	const name = "e2e-no-such-topology"
	r := c.run(t, t.TempDir(), "kill", name)
	if r.code != 3 {
		t.Fatalf("want exit 3\n%s", r)
	}
	if !strings.Contains(r.stderr, name) {
		t.Errorf("the error should name the topology\n%s", r)
	}
}

// TestNimbusRejects submits a topology that stormpy cannot fault but
// Nimbus refuses, and expects Nimbus's own words and exit 3.
func TestNimbusRejects(t *testing.T) {
	c := needCluster(t)
	proj := copyProject(t, filepath.Join("testdata", "rejected"))
	c.must(t, proj, "validate")
	r := c.run(t, proj, "submit")
	if r.code != 3 {
		t.Fatalf("want exit 3\n%s", r)
	}
	const nimbusSays = "Topology will not be able to be successfully scheduled"
	if !strings.Contains(r.stderr, nimbusSays) {
		t.Fatalf("want Nimbus's message %q\n%s", nimbusSays, r)
	}
	if _, ok := c.list(t)["e2e-rejected"]; ok {
		t.Fatalf("a rejected topology is listed")
	}
}
