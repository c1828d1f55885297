package sshtunnel_test

import (
	"context"
	"crypto/rand"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/stormpy/stormpy/pkg/sshtunnel"
	"github.com/stormpy/stormpy/pkg/sshtunnel/sshdtest"
)

// BenchmarkTunnel measures what the tunnel adds per Nimbus connection (a
// direct-tcpip channel open and close) and its bulk throughput (an echo
// round trip, as an upload is), next to a plain loopback connection.
func BenchmarkTunnel(b *testing.B) {
	sshdtest.Require(b)
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, ".ssh"), 0o700)
	pub := sshdtest.Keygen(b, filepath.Join(dir, ".ssh", "id_ed25519"), "")
	s := sshdtest.Start(b, sshdtest.Config{AuthorizedKeys: []ssh.PublicKey{pub}})
	os.WriteFile(filepath.Join(dir, ".ssh", "known_hosts"), []byte(s.KnownHostsLine()+"\n"), 0o600)
	tun, err := sshtunnel.Dial(context.Background(), sshtunnel.Options{
		Gateway: s.User + "@" + s.Addr,
		Files:   sshtunnel.Files{Home: dir, SystemConfig: filepath.Join(dir, "none"), GlobalKnownHosts: filepath.Join(dir, "none")},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer tun.Close()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	echo := l.Addr().String()
	dialers := []struct {
		name string
		d    interface {
			DialContext(context.Context, string, string) (net.Conn, error)
		}
	}{{"direct", &net.Dialer{}}, {"tunnel", tun}}

	for _, d := range dialers {
		b.Run("open/"+d.name, func(b *testing.B) {
			for b.Loop() {
				c, err := d.d.DialContext(context.Background(), "tcp", echo)
				if err != nil {
					b.Fatal(err)
				}
				c.Write([]byte{1})
				c.Read(make([]byte, 1))
				c.Close()
			}
		})
	}
	const chunk = 1 << 20
	data := make([]byte, chunk)
	rand.Read(data)
	for _, d := range dialers {
		b.Run("echo1MiB/"+d.name, func(b *testing.B) {
			c, err := d.d.DialContext(context.Background(), "tcp", echo)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			buf := make([]byte, chunk)
			b.SetBytes(chunk)
			for b.Loop() {
				go c.Write(data)
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
