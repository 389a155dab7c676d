// Package checkout finds the slipway source checkout that holds the working
// directory: the lab keeps its state there, the benchmarks build its
// examples/ and `slipway init --example` copies from it.
package checkout

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
)

// ModulePath is the module the checkout's go.mod declares.
const ModulePath = "github.com/slipway/slipway"

// ErrOutside means no directory from the working directory up holds a
// go.mod of ModulePath.
var ErrOutside = errors.New("the working directory is not inside the slipway repository")

// Root returns the checkout's root directory, the nearest directory from
// the working directory up whose go.mod declares ModulePath, or ErrOutside.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module "+ModulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrOutside
		}
		dir = parent
	}
}
