package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/stormpy/stormpy/pkg/nimbus"
	"github.com/stormpy/stormpy/pkg/sshtunnel"
)

// sshFlags are part of every command that talks to Nimbus.
func sshFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "ssh", Usage: "reach Nimbus through the SSH gateway `[USER@]HOST[:PORT]` (or a Host of ~/.ssh/config); Nimbus names are resolved by the gateway"},
		&cli.BoolFlag{Name: "accept-new-host-key", Usage: "record the SSH gateway's host key in ~/.ssh/known_hosts when it is not known yet (a changed key is always refused)"},
	}
}

// gatewayDialer opens Nimbus connections through the SSH gateway. It logs
// in on the first Nimbus connection, so that whatever a command checks
// before talking to Nimbus (the spec, the flags) fails without an SSH
// login or a password prompt first.
type gatewayDialer struct {
	opts sshtunnel.Options
	log  io.Writer // --verbose, or nil
	// base is the command's context. The login runs under it rather than
	// under the first Nimbus connection's, whose --connect-timeout is far
	// too short for typing a password; sshtunnel bounds the network part
	// of the login itself (ConnectTimeout, 30s by default).
	base context.Context

	once sync.Once
	tun  *sshtunnel.Tunnel
	err  error
}

var _ nimbus.Dialer = (*gatewayDialer)(nil)

// newGatewayDialer checks the gateway's syntax now (a usage error) and
// arranges for the tunnel to close when the command has finished.
func newGatewayDialer(c *cli.Context, e *env, gateway string, log io.Writer) (*gatewayDialer, error) {
	if _, err := sshtunnel.ParseGateway(gateway); err != nil {
		return nil, err
	}
	d := &gatewayDialer{log: log, base: c.Context, opts: sshtunnel.Options{
		Gateway:          gateway,
		AcceptNewHostKey: c.Bool("accept-new-host-key"),
		Prompter:         sshtunnel.TerminalPrompter{},
		Notices:          e.stderr,
		AgentSocket:      os.Getenv("SSH_AUTH_SOCK"),
	}}
	e.atExit(d.finish)
	return d, nil
}

func (d *gatewayDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.once.Do(func() {
		d.tun, d.err = sshtunnel.Dial(d.base, d.opts)
		if d.err == nil && d.log != nil {
			fmt.Fprintf(d.log, "stormpy: connected to ssh gateway %s\n", d.tun)
		}
	})
	if d.err != nil {
		return nil, d.err
	}
	return d.tun.DialContext(ctx, network, addr)
}

// finish closes the tunnel. When the gateway itself failed, no Nimbus was
// ever reached, so its error, not the Nimbus client's "cannot reach a
// leader" built on top of it, is what the user needs to see.
func (d *gatewayDialer) finish(err error) error {
	if d.tun != nil {
		d.tun.Close()
	}
	if err != nil && d.err != nil {
		return d.err
	}
	return err
}
