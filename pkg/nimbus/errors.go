package nimbus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"

	"github.com/apache/thrift/lib/go/thrift"

	"github.com/stormpy/stormpy/pkg/exitcode"
	"github.com/stormpy/stormpy/pkg/stormthrift"
)

// Error classes; test with errors.Is.
var (
	// ErrAlreadyAlive: a topology of that name is running (exit 3).
	ErrAlreadyAlive = errors.New("topology already alive")
	// ErrNotAlive: no topology of that name is running (exit 3).
	ErrNotAlive = errors.New("topology not alive")
	// ErrInvalidTopology: Nimbus rejected the topology or options (exit 3).
	ErrInvalidTopology = errors.New("invalid topology")
	// ErrNotAuthorized: Nimbus' authorizer denied the call (exit 3).
	ErrNotAuthorized = errors.New("not authorized")
	// ErrUnreachable: no seed led to a Nimbus leader (exit 1).
	ErrUnreachable = errors.New("nimbus unreachable")
)

// refused is an exception Nimbus raised, explained for the user.
type refused struct {
	class error
	cause error
	msg   string
}

func (r *refused) Error() string { return r.msg }
func (r *refused) Unwrap() []error {
	if r.cause == nil {
		return []error{r.class}
	}
	return []error{r.class, r.cause}
}

// declared reports whether err is one of the exceptions in the IDL's
// throws clauses, i.e. a complete answer from Nimbus.
func declared(err error) bool {
	var (
		aa *stormthrift.AlreadyAliveException
		na *stormthrift.NotAliveException
		it *stormthrift.InvalidTopologyException
		az *stormthrift.AuthorizationException
	)
	return errors.As(err, &aa) || errors.As(err, &na) || errors.As(err, &it) || errors.As(err, &az)
}

// explain turns Nimbus' exceptions into refusals (exit 3) that say what to
// do next; other errors pass through. op is what the user asked for
// ("kill", "submit"), name the topology.
func explain(err error, op, name string) error {
	var (
		aa *stormthrift.AlreadyAliveException
		na *stormthrift.NotAliveException
		it *stormthrift.InvalidTopologyException
		az *stormthrift.AuthorizationException
	)
	var r *refused
	switch {
	case err == nil:
		return nil
	case errors.As(err, &r):
		return err
	case errors.As(err, &aa):
		r = &refused{ErrAlreadyAlive, err, fmt.Sprintf(
			"%s: topology %q is already running (Nimbus: %s); kill it first, or submit with --force to replace it",
			op, name, aa.Msg)}
	case errors.As(err, &na):
		r = &refused{ErrNotAlive, err, fmt.Sprintf(
			"%s: no topology named %q is running (Nimbus: %s); `stormpy list` shows the running ones",
			op, name, na.Msg)}
	case errors.As(err, &it):
		r = &refused{ErrInvalidTopology, err, fmt.Sprintf(
			"%s: Nimbus rejected %q as invalid: %s", op, name, it.Msg)}
	case errors.As(err, &az):
		r = &refused{ErrNotAuthorized, err, fmt.Sprintf(
			"%s: not authorized by Nimbus: %s; check the cluster's nimbus.admins / topology ACLs for your user",
			op, az.Msg)}
	default:
		return err
	}
	return exitcode.RefusedBy(r)
}

// unknownMethod reports whether err is Thrift's answer to a method the
// server does not have (a Nimbus older than the method).
func unknownMethod(err error) bool {
	var ae thrift.TApplicationException
	return errors.As(err, &ae) && ae.TypeId() == thrift.UNKNOWN_METHOD
}

// transient reports whether retrying, possibly on another Nimbus, may
// succeed: the connection failed or dropped, a call timed out, or Nimbus
// failed internally, which is how a Nimbus that just lost the leadership
// answers calls that need the leader.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if declared(err) {
		return false
	}
	var ae thrift.TApplicationException
	if errors.As(err, &ae) {
		return ae.TypeId() == thrift.INTERNAL_ERROR
	}
	if errors.Is(err, errCallTimeout) || errors.Is(err, errNoLeader) {
		return true
	}
	var te thrift.TTransportException
	var ne net.Error
	return errors.As(err, &te) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// seedError is one seed's failure during discovery.
type seedError struct {
	seed string
	err  error
}

// unreachable builds the error for a discovery that found no leader. It
// names every seed tried and, where the failure looks like a port that is
// only open inside the cluster, suggests the SSH gateway.
func unreachable(tried []seedError, custom bool) error {
	var b strings.Builder
	b.WriteString("cannot reach a Nimbus leader; tried ")
	private := false
	for i, t := range tried {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%v)", t.seed, t.err)
		if looksPrivate(t.seed, t.err) {
			private = true
		}
	}
	switch {
	case custom:
		b.WriteString("; check that the seeds are Nimbus' host names as the gateway resolves them")
	case private:
		b.WriteString("; Nimbus' port is often reachable only inside the cluster: use --ssh USER@GATEWAY to go through an SSH gateway")
	default:
		b.WriteString("; check --nimbus and that Nimbus is running and its Thrift port is open to you (or use --ssh USER@GATEWAY)")
	}
	return &unreachableError{b.String()}
}

type unreachableError struct{ msg string }

func (u *unreachableError) Error() string        { return u.msg }
func (u *unreachableError) Is(target error) bool { return target == ErrUnreachable }

// looksPrivate guesses whether a seed failed because it lives on a private
// network: the name does not resolve here, the connect timed out, or the
// address is a private one.
func looksPrivate(seed string, err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) || isTimeout(err) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	host, _, splitErr := net.SplitHostPort(seed)
	if splitErr != nil {
		return false
	}
	if ip, perr := netip.ParseAddr(host); perr == nil {
		return ip.IsPrivate()
	}
	return false
}
