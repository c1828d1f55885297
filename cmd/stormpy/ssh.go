package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/sshtunnel"
)

// sshFlags are part of every command that talks to Nimbus.
func sshFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "ssh", Usage: "reach Nimbus through the SSH gateway `[USER@]HOST[:PORT]` (or a Host of ~/.ssh/config); Nimbus names are resolved by the gateway"},
		&cli.BoolFlag{Name: "accept-new-host-key", Usage: "record the SSH gateway's host key in ~/.ssh/known_hosts when it is not known yet (a changed key is always refused)"},
	}
}

// dialGateway connects to the SSH gateway before any Nimbus call, so that
// its failures (host key, login) are reported as such rather than as an
// unreachable Nimbus, and closes it when the command has finished.
func dialGateway(c *cli.Context, e *env, gateway string, log io.Writer) (*sshtunnel.Tunnel, error) {
	tun, err := sshtunnel.Dial(c.Context, sshtunnel.Options{
		Gateway:          gateway,
		AcceptNewHostKey: c.Bool("accept-new-host-key"),
		Prompter:         sshtunnel.TerminalPrompter{},
		Notices:          e.stderr,
		AgentSocket:      os.Getenv("SSH_AUTH_SOCK"),
	})
	if err != nil {
		return nil, err
	}
	e.atExit(func() { tun.Close() })
	if log != nil {
		fmt.Fprintf(log, "stormpy: connected to ssh gateway %s\n", tun)
	}
	return tun, nil
}
