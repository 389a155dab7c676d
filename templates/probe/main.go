// Command slipway-probe is the HEALTHCHECK of an image whose base has no
// shell, no curl or wget and no language runtime (distroless static and cc,
// scratch). slipway writes this file into the generated Dockerfile with a
// heredoc and builds it in a stage of its own (CGO_ENABLED=0, the standard
// library only), so the final image gains one small static binary and
// nothing else.
//
//	slipway-probe http://127.0.0.1:8080/healthz   exit 0 when GET answers 2xx
//	slipway-probe grpc 127.0.0.1:50051            exit 0 when grpc.health.v1.Health/Check says SERVING
//
// Any other outcome (no answer within the timeout, another status, a
// malformed reply) prints one line to stderr and exits 1, which is what
// Docker's HEALTHCHECK reads as unhealthy.
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// timeout bounds one probe; HEALTHCHECK's own timeout is the outer bound.
const timeout = 4 * time.Second

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var err error
	switch {
	case len(os.Args) == 2:
		err = probeHTTP(ctx, os.Args[1])
	case len(os.Args) == 3 && os.Args[1] == "grpc":
		err = probeGRPC(ctx, os.Args[2])
	default:
		err = errors.New("usage: slipway-probe URL | slipway-probe grpc HOST:PORT")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "slipway-probe:", err)
		os.Exit(1)
	}
}

// probeHTTP GETs url and wants a 2xx answer.
func probeHTTP(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// probeGRPC calls the standard health service over cleartext HTTP/2 (h2c)
// with an empty HealthCheckRequest (the server's overall status) and wants
// grpc-status 0 and status SERVING (field 1 = 1).
func probeGRPC(ctx context.Context, addr string) error {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: &http.Transport{Protocols: &protos}}
	// A gRPC message: compressed flag 0, length 0 (the empty request).
	body := []byte{0, 0, 0, 0, 0}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/grpc.health.v1.Health/Check", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return err
	}
	status := resp.Trailer.Get("Grpc-Status")
	if status == "" {
		status = resp.Header.Get("Grpc-Status") // a trailers-only answer
	}
	if resp.StatusCode != http.StatusOK || status != "0" {
		return fmt.Errorf("grpc.health.v1.Health/Check on %s: HTTP %d, grpc-status %q %s", addr, resp.StatusCode, status, resp.Trailer.Get("Grpc-Message"))
	}
	serving, err := servingStatus(msg)
	if err != nil {
		return fmt.Errorf("grpc.health.v1.Health/Check on %s: %w", addr, err)
	}
	if serving != 1 {
		return fmt.Errorf("grpc.health.v1.Health/Check on %s: status %d, not SERVING", addr, serving)
	}
	return nil
}

// servingStatus reads a length-prefixed HealthCheckResponse and returns its
// status field (1, a varint; absent means 0, UNKNOWN).
func servingStatus(msg []byte) (uint64, error) {
	if len(msg) < 5 || msg[0] != 0 {
		return 0, errors.New("no uncompressed gRPC message in the answer")
	}
	n := binary.BigEndian.Uint32(msg[1:5])
	pb := msg[5:]
	if uint64(n) > uint64(len(pb)) {
		return 0, errors.New("truncated gRPC message")
	}
	pb = pb[:n]
	var status uint64
	for len(pb) > 0 {
		key, k := binary.Uvarint(pb)
		if k <= 0 {
			return 0, errors.New("malformed HealthCheckResponse")
		}
		pb = pb[k:]
		switch key & 7 {
		case 0:
			v, k := binary.Uvarint(pb)
			if k <= 0 {
				return 0, errors.New("malformed HealthCheckResponse")
			}
			pb = pb[k:]
			if key>>3 == 1 {
				status = v
			}
		case 2:
			l, k := binary.Uvarint(pb)
			if k <= 0 || l > uint64(len(pb)-k) {
				return 0, errors.New("malformed HealthCheckResponse")
			}
			pb = pb[k+int(l):]
		default:
			return 0, fmt.Errorf("unexpected wire type %d in HealthCheckResponse", key&7)
		}
	}
	return status, nil
}
