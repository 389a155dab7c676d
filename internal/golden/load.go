package golden

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/goldenlock"
)

// SpecExt is the file extension of golden image specs.
const SpecExt = ".toml"

// LockFileName is the lock file kept next to the specs.
const LockFileName = goldenlock.FileName

// LoadDir reads and validates every spec in dir (*.toml). Every problem in
// every file is reported, each naming its file and line. A dir that is
// missing or holds no spec is bad input too (a *config.InvalidError).
func LoadDir(dir string) ([]*Spec, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &config.InvalidError{Errs: []error{fmt.Errorf("no golden image specs: %s does not exist (give the folder of golden/*.toml with --dir)", dir)}}
	}
	if err != nil {
		return nil, fmt.Errorf("reading golden specs: %w", err)
	}
	var specs []*Spec
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), SpecExt) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		s, err := Load(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, flatten(err)...)
			continue
		}
		specs = append(specs, s)
	}
	if len(errs) > 0 {
		return nil, &config.InvalidError{Errs: errs}
	}
	if len(specs) == 0 {
		return nil, &config.InvalidError{Errs: []error{fmt.Errorf("no golden image specs (*%s) in %s", SpecExt, dir)}}
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs, nil
}

// Load reads, strictly decodes and validates one spec file.
func Load(file string) (*Spec, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return Parse(file, src)
}

// Parse decodes src (the spec at path file) and validates it, including
// that the files it adds exist in its folder.
func Parse(file string, src []byte) (*Spec, error) {
	s := &Spec{Hardening: DefaultHardening()}
	err := config.DecodeStrict(file, src, s)
	var errs []error
	var ie *config.InvalidError
	switch {
	case err == nil:
	case errors.As(err, &ie):
		errs = append(errs, ie.Errs...) // unknown keys: report them with the rest
	default:
		return nil, err // syntax or type error: nothing else can be trusted
	}
	s.File, s.Dir, s.Src = file, filepath.Dir(file), src
	if verr := s.Validate(); verr != nil {
		errs = append(errs, flatten(config.Locate(verr, file, src))...)
	}
	for i, f := range s.Files {
		if f.Src == "" || !config.ValidRelPath(f.Src) {
			continue // reported by Validate
		}
		fi, err := os.Stat(filepath.Join(s.Dir, filepath.FromSlash(f.Src)))
		if err != nil || !fi.Mode().IsRegular() {
			errs = append(errs, config.Locate(&config.FieldError{
				Key: fmt.Sprintf("file[%d].src", i),
				Msg: fmt.Sprintf("%q is not a regular file in %s", f.Src, s.Dir),
			}, file, src).(*config.InvalidError).Errs...)
		}
	}
	if len(errs) > 0 {
		return nil, &config.InvalidError{Errs: errs}
	}
	return s, nil
}

func flatten(err error) []error {
	var ie *config.InvalidError
	if errors.As(err, &ie) {
		return ie.Errs
	}
	return []error{err}
}
