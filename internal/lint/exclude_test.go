package lint

import (
	"context"
	"strings"
	"testing"
)

// TestCopyExcludeKeepsOutSensitivePaths: a whole-context COPY is judged by
// what reaches it. A .dockerignore that lets .npmrc through (a Node build
// mounts it in its install steps) is a leak for `COPY . .` but not for
// `COPY --exclude=.npmrc . .`; what --exclude does not cover still is.
func TestCopyExcludeKeepsOutSensitivePaths(t *testing.T) {
	ignore := &Dockerignore{Path: ".dockerignore", Data: []byte(".git\n.env\n.env.*\n**/.env\n**/.env.*\n*.pem\n**/*.key\n**/id_rsa*\n**/id_ed25519*\n.npmrc\n!.npmrc\n.pypirc\n.netrc\n.aws\n.docker\n")}
	for _, c := range []struct {
		copy, want string // want: the leak SW123 names, or ""
	}{
		{"COPY . .", ".npmrc"},
		{"COPY --exclude=.npmrc . .", ""},
		{"COPY --exclude=.netrc . .", ".npmrc"},
	} {
		df := "FROM docker.io/library/node:20-bookworm-slim@sha256:" + strings.Repeat("a", 64) + " AS build\nWORKDIR /src\n" + c.copy + "\n"
		res, err := Check(context.Background(), Input{Path: "Dockerfile", Data: []byte(df), Ignore: ignore}, Options{NoBuildKit: true})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, f := range res.Findings {
			if f.RuleID == "SW123" {
				got = f.Message
			}
		}
		switch {
		case c.want == "" && got != "":
			t.Errorf("%s: %s", c.copy, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("%s: SW123 = %q, want it to name %s", c.copy, got, c.want)
		}
	}
}
