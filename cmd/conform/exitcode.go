package main

import (
	"errors"
	"fmt"
	"io"

	"conform/internal/credentials"
)

// Exit codes, as DESIGN §4 and the README document them.
const (
	exitPass        = 0 // every scenario passed
	exitFail        = 1 // the target does not conform
	exitUsage       = 2 // usage or configuration error
	exitUnreachable = 3 // the target cannot be reached, rejects the credentials, or is not this API
)

// usageError is a mistake in the command line; the command's usage is printed with it.
type usageError struct {
	err   error
	usage func(io.Writer)
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// configError is a mistake in the configuration (a file, a variable): exit 2 without usage.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// errNotConforming reports that the run finished and found the target not conforming.
var errNotConforming = errors.New("the target does not conform")

// exitCode chooses the exit code for err, printing what the user needs to stderr. It is the one
// place where errors become exit codes.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitPass
	}
	var ue *usageError
	var ce *configError
	var te *targetError
	var rejected *credentials.RejectedError
	var unreachable *credentials.UnreachableError
	switch {
	case errors.As(err, &te) && te.rejected, errors.As(err, &rejected):
		fmt.Fprintf(stderr, "conform: credentials rejected: %v\n", err)
		return exitUnreachable
	case errors.As(err, &te) && te.notAPI:
		fmt.Fprintf(stderr, "conform: %v\n", err)
		return exitUnreachable
	case errors.As(err, &te), errors.As(err, &unreachable):
		fmt.Fprintf(stderr, "conform: target unreachable: %v\n", err)
		return exitUnreachable
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "conform: %v\n\n", ue.err)
		if ue.usage != nil {
			ue.usage(stderr)
		}
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "conform: %v\n", ce.err)
		return exitUsage
	case errors.Is(err, errNotConforming):
		fmt.Fprintf(stderr, "conform: %v\n", err)
		return exitFail
	default:
		fmt.Fprintf(stderr, "conform: %v\n", err)
		return exitFail
	}
}
