package steps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/cucumber/godog"
)

// A run ends early when its context ends, with one of these as the context's cause
// (context.WithCancelCause, context.WithTimeoutCause). A step that starts after that does not
// run; a step it cuts short ends. Both say why: skipped when the run was interrupted (the
// target is not to blame), failed when the run's time limit passed.

// Interrupted is the cause of a run stopped by a signal.
type Interrupted struct{ Signal os.Signal }

func (e *Interrupted) Error() string {
	return fmt.Sprintf("the run was interrupted (%s)", SignalName(e.Signal))
}

// TimedOut is the cause of a run stopped by its time limit (--timeout).
type TimedOut struct{ Limit time.Duration }

func (e *TimedOut) Error() string {
	return fmt.Sprintf("the run did not finish within --timeout %s", e.Limit)
}

// SignalName names a signal as people know it: SIGINT, SIGTERM.
func SignalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case nil:
		return "a signal"
	}
	return sig.String()
}

// runStopped returns the error of a step that ran into the end of the run: a skip when the run
// was interrupted, a failure otherwise. started says whether the step had begun its work.
func runStopped(ctx context.Context, started bool, err error) error {
	cause := context.Cause(ctx)
	var what error
	if started {
		what = fmt.Errorf("%v: this step was cut short (%v)", cause, err)
	} else {
		what = fmt.Errorf("not run: %v", cause)
	}
	var intr *Interrupted
	if errors.As(cause, &intr) {
		return fmt.Errorf("%w: %w", godog.ErrSkip, what)
	}
	return what
}

// Every step runs through one of these wrappers (see define, in steps.go). Each wrapper is a
// method that is never inlined, so that godog, which names a step's definition after the
// function that made its closure, still names it "*World" in its reports. A wrapper does not start
// a step once the run has ended, reports a step the end of the run cut short as such, skips a
// step whose precondition the target cannot be brought to (skipUnreachable), and redacts the
// step's error: it may quote anything the target sent.

func (w *World) do(ctx context.Context, step func() error) error {
	if ctx.Err() != nil {
		return w.redactError(runStopped(ctx, false, nil))
	}
	err := step()
	if err != nil && ctx.Err() != nil {
		err = runStopped(ctx, true, err)
	}
	return w.redactError(w.skipUnreachable(err))
}

//go:noinline
func (w *World) step(f func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error { return w.do(ctx, func() error { return f(ctx) }) }
}

//go:noinline
func (w *World) stepC(f func(context.Context) (context.Context, error)) func(context.Context) (context.Context, error) {
	return func(ctx context.Context) (context.Context, error) {
		out := ctx
		err := w.do(ctx, func() error {
			var err error
			out, err = f(ctx)
			return err
		})
		return out, err
	}
}

//go:noinline
func (w *World) stepS(f func(context.Context, string) error) func(context.Context, string) error {
	return func(ctx context.Context, a string) error { return w.do(ctx, func() error { return f(ctx, a) }) }
}

//go:noinline
func (w *World) stepT(f func(context.Context, *godog.Table) error) func(context.Context, *godog.Table) error {
	return func(ctx context.Context, t *godog.Table) error { return w.do(ctx, func() error { return f(ctx, t) }) }
}

//go:noinline
func (w *World) stepST(f func(context.Context, string, *godog.Table) error) func(context.Context, string, *godog.Table) error {
	return func(ctx context.Context, a string, t *godog.Table) error {
		return w.do(ctx, func() error { return f(ctx, a, t) })
	}
}

//go:noinline
func (w *World) stepIS(f func(context.Context, int, string) error) func(context.Context, int, string) error {
	return func(ctx context.Context, n int, a string) error {
		return w.do(ctx, func() error { return f(ctx, n, a) })
	}
}

// redactError returns err with its message redacted by the run's redactor, keeping what it
// wraps (errors.Is still sees godog.ErrSkip); nil stays nil.
func (w *World) redactError(err error) error {
	if err == nil || w.cfg.Redact == nil {
		return err
	}
	msg := err.Error()
	if red := string(w.cfg.Redact([]byte(msg))); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// redactedError is an error whose message has been redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap returns the original error, for errors.Is and errors.As only: its message is not
// to be shown.
func (e *redactedError) Unwrap() error { return e.err }
