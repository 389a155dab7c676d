package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
	"github.com/slipway/slipway/internal/tomlx"
)

// Load reads, strictly decodes and validates a slipway.toml. Every problem
// is reported, each naming the file and line; the error is an *InvalidError.
func Load(path string) (*Project, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return Parse(path, src)
}

// Parse decodes src (named name in errors) and validates the result.
func Parse(name string, src []byte) (*Project, error) {
	var p Project
	md, errs, ok := decode(name, src, &p)
	if !ok {
		return nil, &InvalidError{Errs: errs}
	}
	if p.Port == 0 && md.IsDefined("port") {
		// Validate cannot tell an explicit 0 from no key; 0 would silently
		// become the language's default port.
		errs = append(errs, &FieldError{File: name, Line: tomlx.LineOf(src, "port"), Key: "port",
			Msg: "0 is not a port: a TCP port 1-65535; remove the key to use the language's default"})
	}
	if p.User == 0 && md.IsDefined("user") {
		errs = append(errs, &FieldError{File: name, Line: tomlx.LineOf(src, "user"), Key: "user", Msg: userRootMsg})
	}
	if verr := p.Validate(); verr != nil {
		errs = append(errs, Locate(verr, name, src).(*InvalidError).Errs...)
	}
	if len(errs) > 0 {
		return nil, &InvalidError{Errs: errs}
	}
	return &p, nil
}

// decode strictly decodes src into v. ok says v was filled (every problem
// is an unknown key, reported with the validation problems that follow);
// otherwise errs holds the syntax error, or every wrong type and unknown
// key, and nothing else can be checked.
func decode(name string, src []byte, v any) (md toml.MetaData, errs []error, ok bool) {
	md, err := tomlx.Decode(name, src, v)
	if err == nil {
		return md, nil, true
	}
	var ie *InvalidError
	if !errors.As(err, &ie) {
		return md, []error{err}, false
	}
	return md, ie.Errs, tomlx.OnlyUnknown(err)
}

// FindUp looks for name in dir and its parents and returns its path, or ""
// when there is none.
func FindUp(dir, name string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", nil
		}
		dir = parent
	}
}
