package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stormpy/stormpy/pkg/multilang"
	"github.com/stormpy/stormpy/pkg/topology"
)

// proc is one component process driven directly over its pipes.
type proc struct {
	cmd *exec.Cmd
	w   *multilang.Writer
	r   *multilang.Reader
	in  *os.File
}

func startProc(ctx context.Context, t *topology.Topology, dir, comp string, task int) (*proc, error) {
	av, err := argv(t, comp)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, av[0], av[1:]...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, w: multilang.NewWriter(stdin), r: multilang.NewReader(stdout, 0)}
	pidDir, err := os.MkdirTemp("", "localrun-pids-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(pidDir)
	h := map[string]any{"pidDir": pidDir, "conf": t.Conf, "context": map[string]any{
		"task->component": map[string]string{strconv.Itoa(task): comp}, "taskid": task, "componentid": comp}}
	if err := p.w.WriteJSON(h); err != nil {
		return nil, err
	}
	if err := p.w.Flush(); err != nil {
		return nil, err
	}
	if _, err := p.r.ReadMessage(); err != nil {
		return nil, fmt.Errorf("%s handshake: %w", comp, err)
	}
	return p, nil
}

func (p *proc) stop() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

// spoutRound sends one command and reads until the spout's sync,
// returning the message ids and values it emitted.
func (p *proc) spoutRound(cmd string, id json.RawMessage, ids *[]json.RawMessage, values *[]json.RawMessage) error {
	if err := p.w.WriteSpoutCommand(cmd, id); err != nil {
		return err
	}
	if err := p.w.Flush(); err != nil {
		return err
	}
	for {
		m, err := p.r.ReadMessage()
		if err != nil {
			return err
		}
		switch m.Command {
		case multilang.CmdSync:
			return nil
		case multilang.CmdEmit:
			if len(m.ID) > 0 {
				*ids = append(*ids, m.ID)
			}
			if values != nil && len(m.Tuple) > 0 {
				*values = append(*values, m.Tuple[0])
			}
			if m.Task == nil && m.WantsTaskIDs() {
				if err := p.w.WriteTaskIDs([]int{2}); err != nil {
					return err
				}
			}
		}
	}
}

type feeds struct {
	sentences, words [][]byte // pre-serialised tuples
	wordsPerSentence float64
}

// captureFeeds records what the spout really emits and pre-serialises the
// tuples split and count receive.
func captureFeeds(ctx context.Context, t *topology.Topology, dir string, n int) (*feeds, error) {
	sp, err := startProc(ctx, t, dir, "sentences", 1)
	if err != nil {
		return nil, err
	}
	defer sp.stop()
	var ids, values []json.RawMessage
	for len(values) < n {
		if err := sp.spoutRound(multilang.SpoutNext, nil, &ids, &values); err != nil {
			return nil, err
		}
	}
	f := &feeds{}
	var w bytes.Buffer
	enc := multilang.NewWriter(&w)
	words := 0
	for i, v := range values {
		_ = enc.WriteTuple(uint64(i+1), "sentences", "default", 1, []json.RawMessage{v})
		_ = enc.Flush()
		f.sentences = append(f.sentences, bytes.Clone(w.Bytes()))
		w.Reset()
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		for _, word := range strings.Fields(s) {
			words++
			_ = enc.WriteTuple(uint64(words), "split", "default", 2, []json.RawMessage{multilang.AppendString(nil, word)})
			_ = enc.Flush()
			f.words = append(f.words, bytes.Clone(w.Bytes()))
			w.Reset()
		}
	}
	f.wordsPerSentence = float64(words) / float64(len(values))
	return f, nil
}

// limit is what the components managed under the harness.
type limit struct {
	spout, split, count float64 // sentences/s, sentences/s, words/s
	words               float64 // the pipeline's bound in words/s
	counted             int64   // words the count tasks took over the whole run
}

func (l limit) String() string {
	return fmt.Sprintf("spout %.0f sentences/s, split %.0f sentences/s, count %.0f words/s", l.spout, l.split, l.count)
}

// poke wakes every channel in chans without blocking.
func poke(chans []chan struct{}) {
	for _, c := range chans {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// harness runs every task of the word count at once over direct pipes:
// the spout's tuples are acked as soon as they are emitted, and split and
// count get pre-serialised tuples, each stage no faster than the stage
// before it has produced (as in the real pipeline, so no stage burns CPU
// on work the pipeline could not use). No routing, no acker, no JSON
// beyond what framing needs: what is left is the components' own cost.
func harness(ctx context.Context, t *topology.Topology, dir string, f *feeds, d time.Duration) (limit, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var procs []*proc
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	var spoutN, splitN, splitEmits, countN atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	maxPending := int64(1000)
	switch n := t.Conf["topology.max.spout.pending"].(type) {
	case int:
		maxPending = int64(n)
	case int64:
		maxPending = n
	case float64:
		maxPending = int64(n)
	}
	spoutWake := make(chan struct{}, 1)
	var splitWakes, countWakes []chan struct{}
	for i := 0; i < tasks(t, "split"); i++ {
		splitWakes = append(splitWakes, make(chan struct{}, 1))
	}
	for i := 0; i < tasks(t, "count"); i++ {
		countWakes = append(countWakes, make(chan struct{}, 1))
	}

	task := 1
	for i := 0; i < tasks(t, "sentences"); i++ {
		p, err := startProc(ctx, t, dir, "sentences", task)
		if err != nil {
			return limit{}, err
		}
		task++
		procs = append(procs, p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Commands piped ahead of the syncs: an ack per emitted id
			// and `next` while fewer than max.spout.pending sentences
			// wait in split.
			var acks []json.RawMessage
			outstanding := 0
			for ctx.Err() == nil {
				for _, id := range acks {
					_ = p.w.WriteSpoutCommand(multilang.SpoutAck, id)
					outstanding++
				}
				acks = acks[:0]
				for outstanding < 32 && spoutN.Load()-splitN.Load() < maxPending {
					_ = p.w.WriteSpoutCommand(multilang.SpoutNext, nil)
					outstanding++
				}
				if err := p.w.Flush(); err != nil {
					errc <- err
					return
				}
				if outstanding == 0 {
					select {
					case <-spoutWake:
					case <-ctx.Done():
						return
					}
					continue
				}
				m, err := p.r.ReadMessage()
				if err != nil {
					errc <- err
					return
				}
				switch m.Command {
				case multilang.CmdSync:
					outstanding--
				case multilang.CmdEmit:
					spoutN.Add(1)
					poke(splitWakes)
					if len(m.ID) > 0 {
						acks = append(acks, m.ID)
					}
					if m.Task == nil && m.WantsTaskIDs() {
						_ = p.w.WriteTaskIDs([]int{2})
					}
				}
			}
		}()
	}
	nSplit, nCount := int64(len(splitWakes)), int64(len(countWakes))
	for i, wake := range splitWakes {
		p, err := startProc(ctx, t, dir, "split", task)
		if err != nil {
			return limit{}, err
		}
		task++
		procs = append(procs, p)
		allowed := func() int64 { return (spoutN.Load() + nSplit - 1 - int64(i)) / nSplit }
		feedBolt(ctx, p, f.sentences, allowed, wake, func() { splitN.Add(1); poke([]chan struct{}{spoutWake}) },
			func() { splitEmits.Add(1); poke(countWakes) }, &wg)
	}
	for i, wake := range countWakes {
		p, err := startProc(ctx, t, dir, "count", task)
		if err != nil {
			return limit{}, err
		}
		task++
		procs = append(procs, p)
		allowed := func() int64 { return (splitEmits.Load() + nCount - 1 - int64(i)) / nCount }
		feedBolt(ctx, p, f.words, allowed, wake, func() { countN.Add(1) }, func() {}, &wg)
	}
	time.Sleep(time.Second) // warm up
	s0, p0, c0 := spoutN.Load(), splitN.Load(), countN.Load()
	start := time.Now()
	select {
	case <-time.After(d):
	case err := <-errc:
		return limit{}, err
	case <-ctx.Done():
		return limit{}, ctx.Err()
	}
	el := time.Since(start).Seconds()
	l := limit{
		spout: float64(spoutN.Load()-s0) / el,
		split: float64(splitN.Load()-p0) / el,
		count: float64(countN.Load()-c0) / el,
	}
	l.words = min(l.spout*f.wordsPerSentence, l.split*f.wordsPerSentence, l.count)
	l.counted = countN.Load()
	cancel()
	for _, p := range procs {
		p.stop()
	}
	procs = nil
	wg.Wait()
	return l, nil
}

// feedBolt writes pre-serialised tuples to a bolt while allowed() says the
// upstream stage has produced them, with at most window unacked; onAck and
// onEmit report the bolt's progress.
func feedBolt(ctx context.Context, p *proc, feed [][]byte, allowed func() int64, wake chan struct{}, onAck, onEmit func(), wg *sync.WaitGroup) {
	const window = 1000
	var acked atomic.Int64
	replies := make(chan struct{}, 1024)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			doc, err := p.r.Next()
			if err != nil {
				return
			}
			switch {
			case bytes.Contains(doc, []byte(`"command":"ack"`)):
				acked.Add(1)
				onAck()
				poke([]chan struct{}{wake})
			case bytes.Contains(doc, []byte(`"command":"emit"`)):
				onEmit()
				if !bytes.Contains(doc, []byte(`"need_task_ids":false`)) {
					replies <- struct{}{}
					poke([]chan struct{}{wake})
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		sent := int64(0)
		i := 0
		for ctx.Err() == nil {
			wrote := false
			for sent < allowed() && sent-acked.Load() < window {
				if err := p.w.WriteRaw(feed[i]); err != nil {
					return
				}
				i = (i + 1) % len(feed)
				sent++
				wrote = true
			}
			for len(replies) > 0 {
				<-replies
				_ = p.w.WriteTaskIDs([]int{3})
				wrote = true
			}
			if wrote {
				if err := p.w.Flush(); err != nil {
					return
				}
			}
			select {
			case <-wake:
			case <-ctx.Done():
				return
			}
		}
	}()
}
