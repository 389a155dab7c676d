package verify

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var hostDial = (&net.Dialer{}).DialContext

// The HTTP probe retries until a 2xx, keeping the last status; an answer
// clears an earlier connection error.
func TestProbeHTTPRetriesUntil2xx(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	res := probeHTTP(context.Background(), hostDial, srv.URL+"/healthz", 10*time.Second, nil)
	if !res.OK || res.Attempts != 3 || res.Status != 200 || res.Err != nil || res.Elapsed <= 0 {
		t.Errorf("probeHTTP = %+v, want OK after 3 attempts", res)
	}
}

// A probe gives up at its deadline with the last error, and at once when
// the service is gone; a URL that cannot be a request fails without retry.
func TestProbesGiveUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	res := probeTCP(context.Background(), hostDial, addr, 700*time.Millisecond, nil)
	if res.OK || res.Err == nil || res.Attempts < 2 {
		t.Errorf("probeTCP of a closed port = %+v, want a failure after retries", res)
	}
	res = probeTCP(context.Background(), hostDial, addr, 10*time.Second, func() bool { return false })
	if res.OK || res.Attempts != 1 {
		t.Errorf("probeTCP of a dead service = %+v, want one attempt", res)
	}
	res = probeHTTP(context.Background(), hostDial, "http://bad host/", 10*time.Second, nil)
	if res.OK || res.Attempts != 1 || res.Err == nil || !strings.Contains(res.Err.Error(), "invalid") {
		t.Errorf("probeHTTP of a bad URL = %+v, want one attempt and its error", res)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	if res := probeTCP(context.Background(), hostDial, strings.TrimPrefix(srv.URL, "http://"), time.Second, nil); !res.OK || res.Err != nil {
		t.Errorf("probeTCP of a listener = %+v", res)
	}
}
