package sshtunnel_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stormpy/stormpy/pkg/sshtunnel"
)

// TestTerminalPrompter runs itself under script(1), which gives the child a
// pseudo-terminal as its controlling terminal and types our stdin into it.
func TestTerminalPrompter(t *testing.T) {
	if out := os.Getenv("STORMPY_PROMPT_OUT"); out != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var p sshtunnel.TerminalPrompter
		secret, err1 := p.Prompt(ctx, "Secret: ", false)
		plain, err2 := p.Prompt(ctx, "Question: ", true)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, []byte(secret+"|"+plain), 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("script(1) is missing")
	}
	out := filepath.Join(t.TempDir(), "answers")
	cmd := exec.Command("script", "-qec", os.Args[0]+" -test.run=^TestTerminalPrompter$", "/dev/null")
	cmd.Env = append(os.Environ(), "STORMPY_PROMPT_OUT="+out)
	cmd.Stdin = strings.NewReader("s3cret words\nvisible\n")
	term, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("prompter under a terminal: %v\n%s", err, term)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no answers: %v\n%s", err, term)
	}
	if string(got) != "s3cret words|visible" {
		t.Errorf("answers %q", got)
	}
	if !strings.Contains(string(term), "Secret: ") || !strings.Contains(string(term), "Question: ") {
		t.Errorf("prompts not shown on the terminal:\n%s", term)
	}
}

func TestTerminalPrompterWithoutTerminal(t *testing.T) {
	if os.Getenv("STORMPY_PROMPT_OUT") != "" {
		return
	}
	if os.Getenv("STORMPY_NO_TTY_CHILD") == "1" {
		_, err := sshtunnel.TerminalPrompter{}.Prompt(context.Background(), "Password: ", false)
		if !errors.Is(err, sshtunnel.ErrNoTerminal) {
			t.Fatalf("without a terminal: %v, want ErrNoTerminal", err)
		}
		return
	}
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Skip("setsid(1) is missing")
	}
	// setsid detaches the child from any controlling terminal.
	cmd := exec.Command("setsid", "-w", os.Args[0], "-test.run=^TestTerminalPrompterWithoutTerminal$", "-test.v")
	cmd.Env = append(os.Environ(), "STORMPY_NO_TTY_CHILD=1")
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
