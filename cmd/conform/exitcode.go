package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/internal/target"
	"github.com/conform-harness/conform/steps"
)

// Exit codes, as DESIGN §4 and the README document them.
const (
	exitPass        = 0 // every scenario passed
	exitFail        = 1 // the target does not conform
	exitUsage       = 2 // usage or configuration error
	exitUnreachable = 3 // the target cannot be reached, the credentials are rejected or cannot be had (the token endpoint), or it is not this API
	exitInternal    = 4 // conform could not do its own work: an I/O error (a report it cannot write) or a bug
)

// Exit codes of a command stopped early by a signal: 128 plus the signal's number, what a shell
// reports for a process the signal killed, so that CI and scripts see an interrupted conform as
// they see any interrupted program. On the first signal a command finishes what it must before
// it exits (conform load cancels the export requests it created and prints its report); on a
// second it exits at once, with the code of the first.
const (
	exitInterrupted = 130 // stopped by SIGINT (Ctrl-C): 128 + 2
	exitTerminated  = 143 // stopped by SIGTERM (a CI job's timeout, kill): 128 + 15
)

// interruptedError reports that a command stopped early because signal (SIGINT or SIGTERM)
// asked it to. exitCode turns it into signalExit(signal), whatever else the command found. It
// wraps no other error: the signal is the whole reason.
type interruptedError struct {
	signal os.Signal
}

func (e *interruptedError) Error() string { return "interrupted by " + steps.SignalName(e.signal) }

// signalExit is the exit code of a command stopped by sig: exitInterrupted for SIGINT,
// exitTerminated for SIGTERM, 128 plus the number of any other signal, and exitFail for a
// signal without a number.
func signalExit(sig os.Signal) int {
	switch sig {
	case syscall.SIGINT:
		return exitInterrupted
	case syscall.SIGTERM:
		return exitTerminated
	}
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return exitFail
}

// usageError is a mistake in the command line: the error and a one-line hint to the command's
// --help are printed, not the whole help.
type usageError struct {
	err   error
	usage usage
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
	var ie *interruptedError
	var ue *usageError
	var ce *configError
	var oe *suite.OutputError
	var te *target.Error
	var tce *target.ConfigError
	var cfe *configFileError
	var rejected *credentials.RejectedError
	var unreachable *credentials.UnreachableError
	switch {
	case errors.As(err, &ie):
		// First: the user or CI asked to stop, and a script must see that, not a failure the
		// interruption may have caused.
		fmt.Fprintf(stderr, "conform: %v\n", err)
		return signalExit(ie.signal)
	case errors.As(err, &te) && te.Kind == target.Rejected, errors.As(err, &rejected):
		fmt.Fprintf(stderr, "conform: credentials rejected: %v\n", err)
		return exitUnreachable
	case errors.As(err, &te) && te.Kind == target.Credentials:
		fmt.Fprintf(stderr, "conform: credentials: %v\n", err)
		return exitUnreachable
	case errors.As(err, &te) && te.Kind == target.NotTheAPI:
		fmt.Fprintf(stderr, "conform: %v\n", err)
		return exitUnreachable
	case errors.As(err, &te), errors.As(err, &unreachable):
		fmt.Fprintf(stderr, "conform: target unreachable: %v\n", err)
		return exitUnreachable
	case errors.As(err, &ue):
		help := "conform --help"
		if ue.usage.name != "" {
			help = "conform " + ue.usage.name + " --help"
		}
		fmt.Fprintf(stderr, "conform: %v\nRun '%s' for usage.\n", ue.err, help)
		return exitUsage
	case errors.As(err, &cfe):
		fmt.Fprintf(stderr, "conform: %v\n", cfe)
		return exitUsage
	case errors.As(err, &tce):
		fmt.Fprintf(stderr, "conform: %v\n", tce.Err)
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(stderr, "conform: %v\n", ce.err)
		return exitUsage
	case errors.As(err, &oe):
		// A report file that cannot be written where it was asked for: the user's to fix.
		fmt.Fprintf(stderr, "conform: %v\n", oe)
		return exitUsage
	case errors.Is(err, errNotConforming):
		fmt.Fprintf(stderr, "conform: %v\n", err)
		return exitFail
	default:
		// Only errNotConforming means the target does not conform: anything else is conform's
		// own failure, which must not be read as the target's.
		fmt.Fprintf(stderr, "conform: %v\n", err)
		return exitInternal
	}
}
