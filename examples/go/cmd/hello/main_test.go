package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	mux := newMux()
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/", 200, "hello from go"},
		{"/healthz", 200, "ok"},
		{"/nope", 404, ""},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("GET %s = %d %q", tc.path, rec.Code, rec.Body.String())
		}
	}
}
