package sshtunnel

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys verifies the gateway's host key against known_hosts the way
// OpenSSH does with StrictHostKeyChecking=yes, or =accept-new when the user
// passed --accept-new-host-key. A changed key is always refused.
type hostKeys struct {
	check     ssh.HostKeyCallback
	userFile  string // where new keys are recorded
	hash      bool   // HashKnownHosts
	acceptNew bool
	notices   io.Writer

	// Set by callback; read after the handshake, because x/crypto flattens
	// the callback's error into its own "handshake failed" message.
	passed  bool
	refusal error
}

// newHostKeys reads the known_hosts files; userFiles (UserKnownHostsFile)
// replace files.KnownHosts when set, and new keys go to the first of them.
func newHostKeys(files Files, userFiles []string, hash, acceptNew bool, notices io.Writer) (*hostKeys, error) {
	if len(userFiles) == 0 {
		userFiles = []string{files.KnownHosts}
	}
	var existing []string
	for _, f := range append(userFiles, files.GlobalKnownHosts) {
		if _, err := os.Stat(f); err == nil {
			existing = append(existing, f)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read known hosts: %w", err)
		}
	}
	check, err := knownhosts.New(existing...)
	if err != nil {
		return nil, fmt.Errorf("read known hosts: %w", err)
	}
	return &hostKeys{check: check, userFile: userFiles[0], hash: hash, acceptNew: acceptNew, notices: notices}, nil
}

// knownAlgorithms lists host key algorithms to ask the server for, those of
// keys already known for addr first, so that a server with several host keys
// presents the one we can verify, as OpenSSH does.
func (h *hostKeys) knownAlgorithms(addr string) []string {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	probe, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil
	}
	var keyErr *knownhosts.KeyError
	// The check goes by addr's name; the remote address only has to parse.
	if !errors.As(h.check(addr, &net.TCPAddr{IP: net.IPv4zero}, probe), &keyErr) || len(keyErr.Want) == 0 {
		return nil
	}
	var algs []string
	for _, k := range keyErr.Want {
		for _, a := range algorithmsFor(k.Key.Type()) {
			if !slices.Contains(algs, a) {
				algs = append(algs, a)
			}
		}
	}
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		if !slices.Contains(algs, a) {
			algs = append(algs, a)
		}
	}
	return algs
}

func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// callback is the ssh.HostKeyCallback for the handshake.
func (h *hostKeys) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := h.check(hostname, remote, key)
	var keyErr *knownhosts.KeyError
	var revoked *knownhosts.RevokedError
	switch {
	case err == nil:
		h.passed = true
		return nil
	case errors.As(err, &revoked):
		h.refusal = newError(ErrHostKeyChanged, fmt.Sprintf(
			"host key %s of ssh gateway %s is marked @revoked in %s:%d; refusing to connect",
			ssh.FingerprintSHA256(key), knownhosts.Normalize(hostname), revoked.Revoked.Filename, revoked.Revoked.Line), nil)
	case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
		if h.acceptNew {
			if err := h.record(hostname, key); err != nil {
				h.refusal = fmt.Errorf("record host key of ssh gateway %s: %w", knownhosts.Normalize(hostname), err)
				return h.refusal
			}
			h.passed = true
			return nil
		}
		h.refusal = newError(ErrHostKeyUnknown, fmt.Sprintf(
			"the authenticity of ssh gateway %s can't be established: it is not in %s.\n"+
				"Its %s key fingerprint is %s.\n"+
				"Check that fingerprint with the gateway's administrator (or its cloud console), "+
				"then run again with --accept-new-host-key to record it",
			knownhosts.Normalize(hostname), h.userFile, keyName(key.Type()), ssh.FingerprintSHA256(key)), nil)
	case errors.As(err, &keyErr):
		h.refusal = h.changed(hostname, key, keyErr.Want)
	default:
		h.refusal = fmt.Errorf("check host key of ssh gateway %s: %w", knownhosts.Normalize(hostname), err)
	}
	return h.refusal
}

// changed writes OpenSSH's loud warning to the notices and returns the
// refusal. There is deliberately no flag to override it: the user has to
// remove the old key by hand after finding out why it changed.
func (h *hostKeys) changed(hostname string, key ssh.PublicKey, want []knownhosts.KnownKey) error {
	host := knownhosts.Normalize(hostname)
	var known []string
	for _, k := range want {
		known = append(known, fmt.Sprintf("%s key %s at %s:%d", keyName(k.Key.Type()), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line))
	}
	if h.notices != nil {
		fmt.Fprintf(h.notices, "%s\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n%s\n"+
			"IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"+
			"Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n"+
			"It is also possible that the host key of ssh gateway %s has just been changed.\n"+
			"The %s key it sent has fingerprint %s.\n",
			strings.Repeat("@", 59), strings.Repeat("@", 59), host, keyName(key.Type()), ssh.FingerprintSHA256(key))
	}
	file := h.userFile
	if len(want) > 0 {
		file = want[0].Filename
	}
	return newError(ErrHostKeyChanged, fmt.Sprintf(
		"REFUSED: the host key of ssh gateway %s has CHANGED (possible man-in-the-middle attack).\n"+
			"It sent the %s key %s; known: %s.\n"+
			"If you know why it changed (the gateway was rebuilt), remove the old key with\n"+
			"  ssh-keygen -R '%s' -f %s\n"+
			"and connect again with --accept-new-host-key",
		host, keyName(key.Type()), ssh.FingerprintSHA256(key), strings.Join(known, "; "), host, file), nil)
}

// record appends key to the user's known_hosts, hashing the host name when
// HashKnownHosts is set, exactly as OpenSSH writes it.
func (h *hostKeys) record(hostname string, key ssh.PublicKey) error {
	host := knownhosts.Normalize(hostname)
	entry := host
	if h.hash {
		entry = knownhosts.HashHostname(host)
	}
	line := knownhosts.Line([]string{entry}, key) + "\n"
	if err := os.MkdirAll(filepath.Dir(h.userFile), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(h.userFile, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	// Keep the file line-oriented if its last line lacks a newline.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = "\n" + line
		}
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if h.notices != nil {
		fmt.Fprintf(h.notices, "Permanently added '%s' (%s %s) to the list of known hosts in %s.\n",
			host, keyName(key.Type()), ssh.FingerprintSHA256(key), h.userFile)
	}
	return nil
}

// keyName is the key type as OpenSSH prints it (ED25519, ECDSA, RSA).
func keyName(keyType string) string {
	switch {
	case strings.Contains(keyType, "ed25519"):
		return "ED25519"
	case strings.Contains(keyType, "ecdsa"):
		return "ECDSA"
	case strings.Contains(keyType, "rsa"):
		return "RSA"
	}
	return keyType
}
