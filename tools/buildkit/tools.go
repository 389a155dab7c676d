//go:build tools

// Package tools pins the BuildKit daemon and CLI that the test lab runs.
// BuildKit's own go.mod carries exclude directives, so `go install pkg@version`
// refuses it; building from this module is the supported way.
package tools

import (
	_ "github.com/moby/buildkit/cmd/buildctl"
	_ "github.com/moby/buildkit/cmd/buildkitd"
)
