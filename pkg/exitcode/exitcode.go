// Package exitcode maps errors to stormpy's documented process exit codes.
//
// Packages mark an error's class by wrapping it with Invalid, Refused or
// Interrupted; the command layer calls Code once, at the very end.
//
//	0   success
//	1   failure (I/O, network, a crashed component, anything unclassified)
//	2   invalid input or usage (bad spec, bad flag, missing file)
//	3   refused by the cluster (already alive, not alive, invalid topology,
//	    not authorized)
//	130 interrupted (Ctrl-C, SIGTERM)
package exitcode

import (
	"context"
	"errors"
)

// The documented exit codes.
const (
	OK          = 0
	Failure     = 1
	Usage       = 2
	Refused     = 3
	Interrupted = 130
)

// Sentinel classes; test with errors.Is.
var (
	ErrInvalid     = errors.New("invalid input")
	ErrRefused     = errors.New("refused by the cluster")
	ErrInterrupted = errors.New("interrupted")
)

type classified struct {
	class error
	err   error
}

func (c *classified) Error() string { return c.err.Error() }
func (c *classified) Unwrap() []error {
	return []error{c.err, c.class}
}

func wrap(class, err error) error {
	if err == nil {
		return nil
	}
	return &classified{class: class, err: err}
}

// Invalid marks err as invalid input or usage (exit 2).
func Invalid(err error) error { return wrap(ErrInvalid, err) }

// RefusedBy marks err as a refusal by the cluster (exit 3).
func RefusedBy(err error) error { return wrap(ErrRefused, err) }

// Interrupt marks err as caused by an interruption (exit 130).
func Interrupt(err error) error { return wrap(ErrInterrupted, err) }

// Code returns the exit code for err.
func Code(err error) int {
	switch {
	case err == nil:
		return OK
	case errors.Is(err, ErrInterrupted), errors.Is(err, context.Canceled):
		return Interrupted
	case errors.Is(err, ErrInvalid):
		return Usage
	case errors.Is(err, ErrRefused):
		return Refused
	default:
		return Failure
	}
}
