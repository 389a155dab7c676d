package verify

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// dialFunc dials a TCP address; the HTTP probe uses it for every connection.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// netnsDialer dials from inside the network namespace at nsPath (e.g.
// /proc/PID/ns/net). The socket is created on an OS thread that joined the
// namespace; a socket stays in the namespace it was created in, so the
// connection is usable from any goroutine afterwards. The thread is never
// unlocked: Go destroys it when the goroutine ends, so no other goroutine
// ever runs in the container's namespace.
func netnsDialer(nsPath string) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		type result struct {
			c   net.Conn
			err error
		}
		ch := make(chan result, 1)
		go func() {
			runtime.LockOSThread()
			f, err := os.Open(nsPath)
			if err != nil {
				ch <- result{nil, fmt.Errorf("opening the container's network namespace: %w", err)}
				return
			}
			defer f.Close()
			if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
				ch <- result{nil, fmt.Errorf("joining the container's network namespace: %w", err)}
				return
			}
			var d net.Dialer
			c, err := d.DialContext(ctx, network, addr)
			ch <- result{c, err}
		}()
		select {
		case r := <-ch:
			return r.c, r.err
		case <-ctx.Done():
			go func() {
				if r := <-ch; r.c != nil {
					r.c.Close()
				}
			}()
			return nil, ctx.Err()
		}
	}
}

// probeResult is the outcome of waiting for an HTTP endpoint.
type probeResult struct {
	OK       bool
	Status   int           // last HTTP status, 0 when nothing answered
	Err      error         // last connection error
	Elapsed  time.Duration // until the first 2xx, or until giving up
	Attempts int
}

// probeHTTP GETs url until it answers 2xx, the deadline passes, ctx ends,
// or alive reports that the service is gone.
func probeHTTP(ctx context.Context, dial dialFunc, url string, timeout time.Duration, alive func() bool) probeResult {
	tr := &http.Transport{DialContext: dial, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 3 * time.Second}
	return retry(ctx, timeout, alive, func(ctx context.Context, res *probeResult) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return true, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		res.Status = resp.StatusCode
		return resp.StatusCode >= 200 && resp.StatusCode < 300, nil
	})
}

// retry makes attempts 250ms apart until one ends the probe (try returns
// done: a success, or with an error a failure that retrying cannot mend),
// the deadline passes, ctx ends, or alive reports that the service is gone.
// A failed attempt's error is kept as the last one unless ctx ended; an
// attempt that got an answer clears it.
func retry(ctx context.Context, timeout time.Duration, alive func() bool, try func(ctx context.Context, res *probeResult) (bool, error)) probeResult {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var res probeResult
	for {
		res.Attempts++
		done, err := try(ctx, &res)
		if done {
			res.Err = err
			if err == nil {
				res.OK, res.Elapsed = true, time.Since(start)
			}
			return res
		}
		if err == nil || ctx.Err() == nil {
			res.Err = err
		}
		if alive != nil && !alive() {
			res.Elapsed = time.Since(start)
			return res
		}
		select {
		case <-ctx.Done():
			res.Elapsed = time.Since(start)
			return res
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// portFree reports whether nothing listens on 127.0.0.1:port of the host.
func portFree(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// probeTCP dials addr until a connection is accepted, the deadline passes,
// ctx ends, or alive reports that the service is gone.
func probeTCP(ctx context.Context, dial dialFunc, addr string, timeout time.Duration, alive func() bool) probeResult {
	return retry(ctx, timeout, alive, func(ctx context.Context, _ *probeResult) (bool, error) {
		dctx, dcancel := context.WithTimeout(ctx, 3*time.Second)
		defer dcancel()
		conn, err := dial(dctx, "tcp", addr)
		if err != nil {
			return false, err
		}
		conn.Close()
		return true, nil
	})
}
