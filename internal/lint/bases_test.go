package lint

import (
	"reflect"
	"strings"
	"testing"
)

func TestBaseImages(t *testing.T) {
	df := `ARG REG=registry.example.com/platform
ARG TAG
FROM golang:1.24 AS build
FROM ${REG}/base:${TAG} AS run
FROM build AS again
FROM scratch
FROM run
`
	in := Input{Path: "Dockerfile", Data: []byte(df)}
	if _, err := BaseImages(in, nil); err == nil || !strings.Contains(err.Error(), "Dockerfile:4") || !strings.Contains(err.Error(), "TAG") {
		t.Fatalf("an unset argument: %v", err)
	}
	got, err := BaseImages(in, map[string]string{"TAG": "1", "REG": "127.0.0.1:5000/golden"})
	if err != nil {
		t.Fatal(err)
	}
	want := []BaseImage{{Line: 3, Ref: "golang:1.24"}, {Line: 4, Ref: "127.0.0.1:5000/golden/base:1"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
