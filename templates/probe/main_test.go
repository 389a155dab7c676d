package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func TestProbeHTTP(t *testing.T) {
	code := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(code)
	}))
	defer srv.Close()
	ctx := context.Background()
	if err := probeHTTP(ctx, srv.URL+"/healthz"); err != nil {
		t.Fatalf("healthy server: %v", err)
	}
	for _, c := range []int{http.StatusServiceUnavailable, http.StatusFound, http.StatusNotFound} {
		code = c
		if err := probeHTTP(ctx, srv.URL+"/healthz"); err == nil {
			t.Errorf("status %d: no error", c)
		}
	}
	if err := probeHTTP(ctx, srv.URL+"/other"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("wrong path: %v, want a 404 error", err)
	}
	srv.Close()
	if err := probeHTTP(ctx, srv.URL+"/healthz"); err == nil {
		t.Error("closed server: no error")
	}
}

// TestProbeGRPC runs grpc-go's own health service and probes it over h2c.
func TestProbeGRPC(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(s, hs)
	go s.Serve(lis)
	defer s.Stop()
	ctx := context.Background()
	addr := lis.Addr().String()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	if err := probeGRPC(ctx, addr); err != nil {
		t.Fatalf("SERVING: %v", err)
	}
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	if err := probeGRPC(ctx, addr); err == nil || !strings.Contains(err.Error(), "not SERVING") {
		t.Errorf("NOT_SERVING: %v, want 'not SERVING'", err)
	}
	hs.Shutdown()
	if err := probeGRPC(ctx, addr); err == nil {
		t.Error("after Shutdown: no error")
	}
	s.Stop()
	if err := probeGRPC(ctx, addr); err == nil {
		t.Error("stopped server: no error")
	}
}

func TestServingStatus(t *testing.T) {
	for _, tt := range []struct {
		msg  []byte
		want uint64
		err  bool
	}{
		{[]byte{0, 0, 0, 0, 2, 0x08, 0x01}, 1, false},
		{[]byte{0, 0, 0, 0, 0}, 0, false},
		{[]byte{0, 0, 0, 0, 2, 0x08, 0x02}, 2, false},
		{[]byte{0, 0, 0, 0, 5, 0x12, 0x01, 'x', 0x08, 0x01}, 1, false}, // an unknown length-delimited field first
		{[]byte{1, 0, 0, 0, 2, 0x08, 0x01}, 0, true},                   // compressed
		{[]byte{0, 0, 0, 0, 9, 0x08, 0x01}, 0, true},                   // truncated
		{[]byte{0, 0, 0, 0, 1, 0x08}, 0, true},                         // no value
		{[]byte{0, 0}, 0, true},
	} {
		got, err := servingStatus(tt.msg)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("servingStatus(%v) = %d, %v; want %d, error %v", tt.msg, got, err, tt.want, tt.err)
		}
	}
}
