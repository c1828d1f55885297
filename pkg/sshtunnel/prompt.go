package sshtunnel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// Prompter asks the user for a passphrase, a password or the answer to a
// keyboard-interactive question. echo is false for secrets.
type Prompter interface {
	Prompt(ctx context.Context, prompt string, echo bool) (string, error)
}

// ErrNoTerminal means a prompt was needed but nobody can answer it.
var ErrNoTerminal = errors.New("no terminal to ask on")

// TerminalPrompter prompts on the controlling terminal, like OpenSSH, so
// that prompts work while stdin and stdout are redirected.
type TerminalPrompter struct{}

var _ Prompter = TerminalPrompter{}

// Prompt opens the controlling terminal for each question; without one it
// returns ErrNoTerminal and the caller skips that way of authenticating.
func (TerminalPrompter) Prompt(ctx context.Context, prompt string, echo bool) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", ErrNoTerminal
	}
	fd := int(tty.Fd())
	if !term.IsTerminal(fd) {
		tty.Close()
		return "", ErrNoTerminal
	}
	state, err := term.GetState(fd)
	if err != nil {
		tty.Close()
		return "", ErrNoTerminal
	}
	fmt.Fprint(tty, prompt)

	type answer struct {
		s   string
		err error
	}
	done := make(chan answer, 1)
	go func() {
		var a answer
		if echo {
			a.s, a.err = bufio.NewReader(tty).ReadString('\n')
			if errors.Is(a.err, io.EOF) && a.s != "" {
				a.err = nil
			}
		} else {
			var b []byte
			b, a.err = term.ReadPassword(fd)
			a.s = string(b)
			fmt.Fprintln(tty)
		}
		done <- a
		tty.Close()
	}()
	select {
	case a := <-done:
		if a.err != nil {
			return "", fmt.Errorf("read answer from terminal: %w", a.err)
		}
		return strings.TrimRight(a.s, "\r\n"), nil
	case <-ctx.Done():
		// The read cannot be interrupted portably; give the terminal its echo
		// back so the shell is usable, and let the process exit.
		_ = term.Restore(fd, state)
		fmt.Fprintln(tty)
		return "", ctx.Err()
	}
}
