// Command slipway makes secure container images the default: it generates
// multi-stage, non-root Dockerfiles, builds them through BuildKit with secret
// mounts, verifies the result and keeps golden base images current.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/textsafe"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1 // the command ran and found a problem (drift, findings, failed check)
	exitUsage    = 2 // bad flags, bad configuration, bad input (errdefs.IsBadInput)
	exitCanceled = 130
)

// exitError carries an exit code through cobra to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// withCode marks err with an exit code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	root := newRootCmd()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return report(ctx, err)
}

// report prints err (once) and maps it to an exit code. Errors quote input
// (file names, image fields, Dockerfile text), so the message is printed
// through textsafe: controls and escape sequences show escaped; a newline is
// kept (errors list problems one per line) and every line after the first
// is indented, so a name holding a newline cannot print a line of its own
// that looks like slipway's.
func report(ctx context.Context, err error) int {
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "slipway: canceled")
		return exitCanceled
	}
	code := exitFailure
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	} else if errdefs.IsBadInput(err) || isUsage(err) {
		// The one place bad input becomes exit 2: every package marks
		// its own input errors (internal/errdefs), cmd maps the class.
		code = exitUsage
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(os.Stderr, "slipway: "+errorText(msg))
	}
	return code
}

// errorText is msg made safe for a terminal: see report.
func errorText(msg string) string {
	return strings.ReplaceAll(textsafe.Lines(msg), "\n", "\n  ")
}
