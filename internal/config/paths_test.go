package config

import (
	"errors"
	"slices"
	"testing"
)

// runtime_files, service_dir, shared_paths and port_env are refused, each
// on its own key, when they could leave the tree, hold characters a COPY
// line would read differently, or contradict each other.
func TestValidatePaths(t *testing.T) {
	for _, tc := range []struct {
		p    Project
		keys []string
	}{
		{Project{RuntimeFiles: []string{"templates", "static", "data/catalog.json"}}, nil},
		{Project{RuntimeFiles: []string{"../secrets"}}, []string{"runtime_files[0]"}},
		{Project{RuntimeFiles: []string{"/etc/passwd"}}, []string{"runtime_files[0]"}},
		{Project{RuntimeFiles: []string{"a b", "$HOME", "t/*.html", "-x", "."}}, []string{"runtime_files[0]", "runtime_files[1]", "runtime_files[2]", "runtime_files[3]", "runtime_files[4]"}},
		{Project{RuntimeFiles: []string{"./static/"}}, []string{"runtime_files[0]"}},
		{Project{RuntimeFiles: []string{"static", "static"}}, []string{"runtime_files[1]"}},
		{Project{RuntimeFiles: []string{"x\nRUN id"}}, []string{"runtime_files[0]"}},
		{Project{ServiceDir: "src/checkout", SharedPaths: []string{"shared", "pb/demo.proto"}}, nil},
		{Project{ServiceDir: "../up"}, []string{"service_dir"}},
		{Project{SharedPaths: []string{"shared"}}, []string{"shared_paths"}},
		{Project{ServiceDir: "src/checkout", SharedPaths: []string{"src"}}, []string{"shared_paths[0]"}},
		{Project{ServiceDir: "src/checkout", SharedPaths: []string{"src/checkout/x"}}, []string{"shared_paths[0]"}},
		{Project{PortEnv: "PORT"}, nil},
		{Project{PortEnv: "1PORT"}, []string{"port_env"}},
		{Project{PortEnv: "PORT", Env: map[string]string{"PORT": "9"}}, []string{"port_env"}},
	} {
		var pr problems
		validatePaths(&pr, &tc.p)
		var keys []string
		for _, e := range pr {
			var fe *FieldError
			if errors.As(e, &fe) {
				keys = append(keys, fe.Key)
			}
		}
		if !slices.Equal(keys, tc.keys) {
			t.Errorf("%+v: problems on %q, want %q: %v", tc.p, keys, tc.keys, pr.err())
		}
	}
}
