package sshtunnel

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// defaultIdentities are OpenSSH's default key files, in its order, used when
// the ssh config names no IdentityFile for the host.
var defaultIdentities = []string{"id_rsa", "id_ecdsa", "id_ed25519"}

// authState builds the authentication methods in OpenSSH's order
// (publickey: agent keys then key files; keyboard-interactive; password) and
// remembers what it offered, for an error that says what was tried.
type authState struct {
	ctx      context.Context
	prompter Prompter
	label    string // user@host for prompts

	mu      sync.Mutex
	tried   []string // human-readable attempts, in order
	fatal   error    // a failure inside a callback that aborted the handshake
	closers []io.Closer
}

func (a *authState) note(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tried = append(a.tried, s)
}

func (a *authState) fail(err error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fatal == nil {
		a.fatal = err
	}
	return err
}

func (a *authState) close() {
	for _, c := range a.closers {
		c.Close()
	}
}

// methods returns the auth methods for e. agentSock may be empty.
func (a *authState) methods(e endpoint, home, agentSock string) []ssh.AuthMethod {
	files := e.identityFiles
	if len(files) == 0 {
		for _, n := range defaultIdentities {
			files = append(files, filepath.Join(home, ".ssh", n))
		}
	}
	keys := a.publicKeys(agentSock, files, e.identitiesOnly)
	methods := []ssh.AuthMethod{keys}
	if a.prompter != nil {
		methods = append(methods,
			ssh.RetryableAuthMethod(ssh.KeyboardInteractive(a.keyboardInteractive), 3),
			ssh.RetryableAuthMethod(ssh.PasswordCallback(a.password), 3))
	}
	return methods
}

// publicKeys offers the agent's keys, then the key files not already in
// the agent. Encrypted key files are only unlocked (and the passphrase only
// asked for) when the gateway accepts their public key.
func (a *authState) publicKeys(agentSock string, files []string, identitiesOnly bool) ssh.AuthMethod {
	return ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		var fromFiles []ssh.Signer
		var missing []string
		for _, f := range files {
			s, err := a.loadKey(f)
			switch {
			case errors.Is(err, os.ErrNotExist):
				missing = append(missing, f)
			case err != nil:
				a.note(fmt.Sprintf("publickey %s skipped: %v", f, err))
			default:
				fromFiles = append(fromFiles, s)
			}
		}
		var signers []ssh.Signer
		agentKeys := map[string]bool{}
		if agentSock != "" {
			as, err := a.agentSigners(agentSock)
			if err != nil {
				a.note(fmt.Sprintf("ssh-agent unusable (%v)", err))
			}
			for _, s := range as {
				if identitiesOnly && !containsKey(fromFiles, s.PublicKey()) {
					continue
				}
				agentKeys[string(s.PublicKey().Marshal())] = true
				signers = append(signers, s)
				a.note(fmt.Sprintf("publickey from ssh-agent (%s %s)", keyName(s.PublicKey().Type()), ssh.FingerprintSHA256(s.PublicKey())))
			}
		}
		for _, s := range fromFiles {
			if agentKeys[string(s.PublicKey().Marshal())] {
				continue
			}
			signers = append(signers, s)
			a.note(fmt.Sprintf("publickey %s (%s %s)", s.(*fileSigner).path, keyName(s.PublicKey().Type()), ssh.FingerprintSHA256(s.PublicKey())))
		}
		if len(signers) == 0 {
			why := "no ssh-agent (SSH_AUTH_SOCK is not set)"
			if agentSock != "" {
				why = "no usable key in ssh-agent"
			}
			a.note(fmt.Sprintf("publickey: no key to offer (%s; no key file among %s)", why, strings.Join(missing, ", ")))
		}
		return signers, nil
	})
}

func containsKey(signers []ssh.Signer, k ssh.PublicKey) bool {
	for _, s := range signers {
		if string(s.PublicKey().Marshal()) == string(k.Marshal()) {
			return true
		}
	}
	return false
}

func (a *authState) agentSigners(sock string) ([]ssh.Signer, error) {
	var d net.Dialer
	conn, err := d.DialContext(a.ctx, "unix", sock)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, conn)
	return agent.NewClient(conn).Signers()
}

// loadKey reads a private key file. An encrypted key whose public half is
// known (new OpenSSH format, or a .pub file beside it) becomes a signer
// that asks for the passphrase on first use; otherwise the passphrase is
// asked for now.
func (a *authState) loadKey(path string) (ssh.Signer, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ssh.ParsePrivateKey(pem)
	if err == nil {
		return &fileSigner{Signer: s, path: path}, nil
	}
	var missing *ssh.PassphraseMissingError
	if !errors.As(err, &missing) {
		return nil, fmt.Errorf("not a private key OpenSSH can use: %w", err)
	}
	fs := &fileSigner{path: path, pem: pem, pub: missing.PublicKey, a: a}
	if fs.pub == nil {
		if b, err := os.ReadFile(path + ".pub"); err == nil {
			if pub, _, _, _, err := ssh.ParseAuthorizedKey(b); err == nil {
				fs.pub = pub
			}
		}
	}
	if fs.pub == nil {
		if err := fs.unlock(); err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// fileSigner is a key from a file, unlocked on first use when encrypted.
type fileSigner struct {
	ssh.Signer // nil until unlocked
	path       string
	pem        []byte
	pub        ssh.PublicKey
	a          *authState
}

var _ ssh.AlgorithmSigner = (*fileSigner)(nil)

func (f *fileSigner) PublicKey() ssh.PublicKey {
	if f.Signer != nil {
		return f.Signer.PublicKey()
	}
	return f.pub
}

func (f *fileSigner) Sign(rand io.Reader, data []byte) (*ssh.Signature, error) {
	if err := f.unlock(); err != nil {
		return nil, f.a.fail(err)
	}
	return f.Signer.Sign(rand, data)
}

func (f *fileSigner) SignWithAlgorithm(rand io.Reader, data []byte, algorithm string) (*ssh.Signature, error) {
	if err := f.unlock(); err != nil {
		return nil, f.a.fail(err)
	}
	as, ok := f.Signer.(ssh.AlgorithmSigner)
	if !ok {
		return f.Signer.Sign(rand, data)
	}
	return as.SignWithAlgorithm(rand, data, algorithm)
}

// unlock asks for the passphrase up to three times, as ssh does. Once the
// gateway has accepted the key's public half, a failure here aborts the
// handshake (x/crypto cannot skip to the next key then), so the error says
// what to do.
func (f *fileSigner) unlock() error {
	if f.Signer != nil {
		return nil
	}
	noTerminal := fmt.Errorf("key %s is encrypted and there is no terminal to ask for its passphrase; "+
		"load it into ssh-agent (ssh-add %s) and run again", f.path, f.path)
	if f.a.prompter == nil {
		return noTerminal
	}
	for range 3 {
		pass, err := f.a.prompter.Prompt(f.a.ctx, fmt.Sprintf("Enter passphrase for key '%s': ", f.path), false)
		if errors.Is(err, ErrNoTerminal) {
			return noTerminal
		}
		if err != nil {
			return fmt.Errorf("passphrase for key %s: %w", f.path, err)
		}
		s, err := ssh.ParsePrivateKeyWithPassphrase(f.pem, []byte(pass))
		if err == nil {
			f.Signer = s
			return nil
		}
		if !errors.Is(err, x509.IncorrectPasswordError) {
			return fmt.Errorf("unlock key %s: %w", f.path, err)
		}
	}
	return fmt.Errorf("wrong passphrase for key %s, three times", f.path)
}

func (a *authState) password() (string, error) {
	a.note("password")
	p, err := a.prompter.Prompt(a.ctx, a.label+"'s password: ", false)
	if err != nil {
		return "", a.fail(promptErr("password", err))
	}
	return p, nil
}

func (a *authState) keyboardInteractive(name, instruction string, questions []string, echos []bool) ([]string, error) {
	if len(questions) == 0 {
		return nil, nil
	}
	a.note("keyboard-interactive")
	header := strings.TrimSpace(strings.TrimSpace(name) + "\n" + strings.TrimSpace(instruction))
	answers := make([]string, len(questions))
	for i, q := range questions {
		if i == 0 && header != "" {
			q = header + "\n" + q
		}
		ans, err := a.prompter.Prompt(a.ctx, q, echos[i])
		if err != nil {
			return nil, a.fail(promptErr("keyboard-interactive", err))
		}
		answers[i] = ans
	}
	return answers, nil
}

func promptErr(method string, err error) error {
	if errors.Is(err, ErrNoTerminal) {
		return fmt.Errorf("the gateway asked for %s authentication but there is no terminal to ask on; "+
			"use a key (ssh-agent or IdentityFile in ~/.ssh/config) or run from a terminal", method)
	}
	return fmt.Errorf("%s prompt: %w", method, err)
}
