package local

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stormpy/stormpy/pkg/multilang"
)

const stderrTailLines = 20

// child is one task's process and the pipes to it.
type child struct {
	task *task
	cmd  *exec.Cmd
	pid  int

	stdin  *os.File
	stdout *os.File
	stderr *os.File

	w *multilang.Writer
	r *multilang.Reader

	// exited is closed once the process is reaped; state is set before.
	exited chan struct{}
	state  *os.ProcessState
	// stderrDone is closed when stderr reaches EOF.
	stderrDone chan struct{}

	tailMu sync.Mutex
	tail   []string

	// lastHeard is the unix-nano time of the last message from the child.
	lastHeard atomic.Int64
}

// exitError is a child that exited or stopped answering.
type exitError struct {
	comp   string
	task   int
	pid    int
	status string
	tail   []string
	cause  error
}

func (e *exitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "component %q task %d (pid %d) %s", e.comp, e.task, e.pid, e.status)
	if e.cause != nil {
		fmt.Fprintf(&b, ": %v", e.cause)
	}
	if len(e.tail) > 0 {
		b.WriteString("\nlast lines of its stderr:")
		for _, l := range e.tail {
			b.WriteString("\n    ")
			b.WriteString(l)
		}
	} else {
		b.WriteString(" (its stderr was empty)")
	}
	return b.String()
}

func (e *exitError) Unwrap() error { return e.cause }

// startChild starts a task's process in dir. The process gets its own
// process group, so that a terminal's Ctrl-C reaches only the runner, which
// then stops children in order; and a parent-death signal, so that it dies
// with the runner even when the runner is killed with SIGKILL.
func startChild(ctx context.Context, t *task, dir string, argv []string, logf func(string)) (*child, error) {
	c := &child{task: t, exited: make(chan struct{}), stderrDone: make(chan struct{})}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", t.name, err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("start %s: %w", t.name, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("start %s: %w", t.name, err)
	}
	c.stdin, c.stdout, c.stderr = inW, outR, errR
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	c.cmd = cmd

	started := make(chan error, 1)
	// Pdeathsig fires when the thread that forked the child ends, not the
	// process; this goroutine keeps its thread locked and alive until the
	// child is reaped, so the signal fires only when the runner dies.
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			runtime.UnlockOSThread()
			return
		}
		started <- nil
		_ = cmd.Wait()
		c.state = cmd.ProcessState
		close(c.exited)
	}()
	err = <-started
	inR.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("start %s: run %q in %s: %w", t.name, strings.Join(argv, " "), dir, err)
	}
	c.pid = cmd.Process.Pid
	c.w = multilang.NewWriter(inW)
	c.r = multilang.NewReader(outR, 0)
	c.lastHeard.Store(time.Now().UnixNano())
	go c.readStderr(logf)
	return c, nil
}

// readStderr prints the child's stderr lines and keeps the last ones for
// the error report when the child dies.
func (c *child) readStderr(logf func(string)) {
	defer close(c.stderrDone)
	sc := bufio.NewScanner(c.stderr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		c.tailMu.Lock()
		c.tail = append(c.tail, line)
		if len(c.tail) > stderrTailLines {
			c.tail = c.tail[len(c.tail)-stderrTailLines:]
		}
		c.tailMu.Unlock()
		logf(line)
	}
}

func (c *child) stderrTail() []string {
	// The tail is complete once stderr hits EOF; a grandchild may hold it
	// open, so do not wait long.
	select {
	case <-c.stderrDone:
	case <-time.After(500 * time.Millisecond):
	}
	c.tailMu.Lock()
	defer c.tailMu.Unlock()
	return append([]string(nil), c.tail...)
}

// handshake sends the setup message and waits for the pid reply.
func (c *child) handshake(ctx context.Context, h *multilang.Handshake, timeout time.Duration) error {
	if err := c.w.WriteJSON(h); err != nil {
		return c.died(fmt.Errorf("send handshake: %w", err))
	}
	if err := c.w.Flush(); err != nil {
		return c.died(fmt.Errorf("send handshake: %w", err))
	}
	type result struct {
		m   *multilang.Message
		err error
	}
	ch := make(chan result, 1)
	go func() {
		m, err := c.r.ReadMessage()
		ch <- result{m, err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			return c.died(fmt.Errorf("handshake: %w", res.err))
		}
		if res.m.PID == nil {
			return c.fail("answered the handshake without a pid", fmt.Errorf("got %q command; is it a multilang component (storm.py)?", res.m.Command))
		}
		c.lastHeard.Store(time.Now().UnixNano())
		return nil
	case <-time.After(timeout):
		return c.fail(fmt.Sprintf("did not answer the handshake within %s (topology.subprocess.timeout.secs)", timeout), nil)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// died builds the error for a child whose pipes broke: it waits briefly
// for the exit status, which says more than the broken pipe.
func (c *child) died(cause error) error {
	select {
	case <-c.exited:
		return &exitError{comp: c.task.comp.c.ID, task: c.task.id, pid: c.pid, status: describeExit(c.state), tail: c.stderrTail()}
	case <-time.After(3 * time.Second):
		return c.fail("stopped talking", cause)
	}
}

func (c *child) fail(status string, cause error) error {
	return &exitError{comp: c.task.comp.c.ID, task: c.task.id, pid: c.pid, status: status, tail: c.stderrTail(), cause: cause}
}

func describeExit(st *os.ProcessState) string {
	if st == nil {
		return "exited"
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("was killed by signal %s", ws.Signal())
	}
	return fmt.Sprintf("exited with status %d", st.ExitCode())
}

// terminate stops the child's whole process group: SIGTERM, then SIGKILL
// after grace.
func (c *child) terminate(grace time.Duration) {
	select {
	case <-c.exited:
		_ = c.stdin.Close()
		return
	default:
	}
	// SIGTERM before closing stdin: a child that sees EOF first prints a
	// traceback that would look like a crash.
	_ = syscall.Kill(-c.pid, syscall.SIGTERM)
	defer c.stdin.Close()
	select {
	case <-c.exited:
	case <-time.After(grace):
		_ = syscall.Kill(-c.pid, syscall.SIGKILL)
		<-c.exited
	}
	// Whatever else is left in the group goes too.
	_ = syscall.Kill(-c.pid, syscall.SIGKILL)
}

// closeReaders releases the parent's pipe ends after the child is gone.
func (c *child) closeReaders() {
	_ = c.stdout.Close()
}

var _ error = (*exitError)(nil)
