package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	solvererrdefs "github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/codes"
)

// Error is a failed build, translated for people: BuildKit's message
// without its gRPC wrapping, followed by the Dockerfile lines at fault.
type Error struct {
	// Msg is BuildKit's message.
	Msg string
	// Source shows the failing Dockerfile lines ("Dockerfile:3" and the
	// lines around it, the failing ones marked >>>), when BuildKit said.
	Source string
	// Warnings are the Dockerfile check warnings (they fail the build when
	// Options.Checks is on).
	Warnings []Warning
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("build failed: ")
	b.WriteString(e.Msg)
	if e.Source != "" {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(e.Source, "\n"))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func translate(err error, warnings []Warning) error {
	e := &Error{Err: err, Warnings: warnings}
	var buf bytes.Buffer
	for _, s := range solvererrdefs.Sources(err) {
		if err := s.Print(&buf); err != nil {
			break
		}
	}
	e.Source = buf.String()
	msg := err.Error()
	if st, ok := grpcerrors.AsGRPCStatus(err); ok && st != nil && st.Message() != "" {
		msg = st.Message()
	}
	e.Msg = strings.TrimSpace(msg)
	if len(warnings) > 0 && strings.Contains(e.Msg, "lint violation") {
		var b strings.Builder
		for _, w := range warnings {
			fmt.Fprintf(&b, "\n  %s:%d: %s", w.File, w.Line, w.Rule)
		}
		e.Msg += b.String()
	}
	return e
}

// InvalidError means the options were refused before anything was sent to
// the daemon: a missing secret, a credential-like build arg, a missing
// Dockerfile. Commands report it as a usage problem.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }
func (e *InvalidError) BadInput()     {}

// IsInvalid reports whether err is an *InvalidError.
func IsInvalid(err error) bool {
	var ie *InvalidError
	return errors.As(err, &ie)
}

// ConnectionLostError means the daemon went away during a build: it
// crashed, was killed or restarted, or the connection to it broke.
type ConnectionLostError struct {
	Addr string
	Err  error
}

func (e *ConnectionLostError) Error() string {
	return fmt.Sprintf("lost the connection to BuildKit at %s mid-build (%s): the daemon stopped, crashed or was restarted, and the build did not finish; the daemon's log says why", e.Addr, lostCause(e.Err))
}

func (e *ConnectionLostError) Unwrap() error { return e.Err }

// lostCheckTimeout bounds the Info call that tells a dead daemon from a
// build step that failed with gRPC's Unavailable code.
const lostCheckTimeout = 2 * time.Second

// connectionLost reports whether err, a failed Solve, means the daemon went
// away: gRPC's Unavailable, raised by the client's transport when the
// connection drops, and either a transport message or a daemon that no
// longer answers.
func (c *Client) connectionLost(err error) bool {
	if grpcerrors.Code(err) != codes.Unavailable {
		return false
	}
	msg := err.Error()
	for _, s := range transportErrors {
		if strings.Contains(msg, s) {
			return true
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), lostCheckTimeout)
	defer cancel()
	_, ierr := c.bk.Info(ctx)
	return ierr != nil
}

// transportErrors are what gRPC's client transport says when the
// connection to the daemon drops.
var transportErrors = []string{"error reading from server", "transport is closing", "connection error", "connection reset", "broken pipe"}

// lostCause is the transport's own words, without the "failed to solve:
// Unavailable:" or "rpc error: code = Unavailable desc =" around them.
func lostCause(err error) string {
	s := shortErr(err)
	for _, p := range transportErrors {
		if i := strings.Index(s, p); i >= 0 {
			return s[i:]
		}
	}
	return s
}
