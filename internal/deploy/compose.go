package deploy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
	yaml "go.yaml.in/yaml/v4"
)

// The compose file, in the order a reader expects its keys.
type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]composeVolume  `yaml:"volumes,omitempty"`
}

type composeVolume struct{}

// quoted is a string written in double quotes: "65532:65532" and
// "8080:8080" read as strings in every YAML dialect (YAML 1.1 reads
// unquoted digits and colons as a base-60 number).
type quoted string

func (q quoted) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Tag: "!!str", Value: string(q)}, nil
}

type composeService struct {
	Image        string                   `yaml:"image"`
	User         quoted                   `yaml:"user"`
	ReadOnly     bool                     `yaml:"read_only"`
	CapDrop      []string                 `yaml:"cap_drop"`
	SecurityOpt  []string                 `yaml:"security_opt"`
	Environment  []string                 `yaml:"environment,omitempty"`
	Tmpfs        []string                 `yaml:"tmpfs,omitempty"`
	Volumes      []string                 `yaml:"volumes,omitempty"`
	MemLimit     int64                    `yaml:"mem_limit"`
	MemswapLimit int64                    `yaml:"memswap_limit"`
	PidsLimit    int64                    `yaml:"pids_limit"`
	Ulimits      map[string]composeUlimit `yaml:"ulimits"`
	Healthcheck  *composeHealth           `yaml:"healthcheck,omitempty"`
	Ports        []quoted                 `yaml:"ports,omitempty"`
}

type composeUlimit struct {
	Soft uint64 `yaml:"soft"`
	Hard uint64 `yaml:"hard"`
}

type composeHealth struct {
	Test     []string `yaml:"test"`
	Interval string   `yaml:"interval"`
	Timeout  string   `yaml:"timeout"`
	Retries  int      `yaml:"retries"`
}

// volumeName is the compose volume backing the image's i-th VOLUME.
func volumeName(i int) string { return "data" + strconv.Itoa(i) }

// Compose renders deploy/compose.yaml: one service, confined as the
// enforced verify run was, and validated with compose-spec's loader.
func Compose(s Service) ([]byte, error) {
	name := objectName(s.Name)
	svc := composeService{
		Image:        s.Image,
		User:         quoted(fmt.Sprintf("%d:%d", s.UID, s.GID)),
		ReadOnly:     true,
		CapDrop:      []string{"ALL"},
		SecurityOpt:  []string{"no-new-privileges:true", "seccomp=" + SeccompFile},
		MemLimit:     s.MemoryLimit,
		MemswapLimit: s.MemoryLimit,
		PidsLimit:    s.PidsLimit,
		Ulimits:      map[string]composeUlimit{"nofile": {Soft: s.NoFile, Hard: s.NoFile}},
	}
	svc.Environment = append(svc.Environment, s.EnvKeys...)
	for _, t := range s.Tmpfs {
		svc.Tmpfs = append(svc.Tmpfs, t+":"+s.TmpfsOptions)
	}
	f := composeFile{Name: name, Services: map[string]composeService{}}
	for i, v := range s.Volumes {
		if f.Volumes == nil {
			f.Volumes = map[string]composeVolume{}
		}
		f.Volumes[volumeName(i)] = composeVolume{}
		svc.Volumes = append(svc.Volumes, volumeName(i)+":"+v)
	}
	if len(s.HealthCmd) > 0 {
		svc.Healthcheck = &composeHealth{Test: append([]string{"CMD"}, s.HealthCmd...), Interval: "30s", Timeout: "5s", Retries: 3}
	}
	if s.Port != 0 {
		svc.Ports = []quoted{quoted(fmt.Sprintf("%d:%d", s.Port, s.Port))}
	}
	f.Services[name] = svc
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	head := s.header("the service's hardened run; start it from this folder: docker compose up")
	out := withHeader(head, b.Bytes())
	if _, warnings, err := LoadCompose(context.Background(), out); err != nil {
		return nil, fmt.Errorf("the generated %s does not load: %w", ComposeFile, err)
	} else if len(warnings) > 0 {
		return nil, fmt.Errorf("the generated %s loads with warnings: %v", ComposeFile, warnings)
	}
	return out, nil
}

// logMu serializes loads: compose-go warns through logrus's global logger,
// which LoadCompose redirects for the duration of a load.
var logMu sync.Mutex

// LoadCompose loads a compose file with compose-spec's loader (schema
// validation, interpolation, normalization), in a scratch directory with
// an empty environment, and returns the project and any warning the loader
// logged.
func LoadCompose(ctx context.Context, content []byte) (*types.Project, []string, error) {
	dir, err := os.MkdirTemp("", "slipway-compose-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, ComposeFile)
	if err := os.WriteFile(file, content, 0o600); err != nil {
		return nil, nil, err
	}
	logMu.Lock()
	defer logMu.Unlock()
	var logs bytes.Buffer
	std := logrus.StandardLogger()
	out, lvl := std.Out, std.GetLevel()
	std.SetOutput(&logs)
	std.SetLevel(logrus.WarnLevel)
	defer func() { std.SetOutput(out); std.SetLevel(lvl) }()
	p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: file, Content: content}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("deploy", false) })
	var warnings []string
	for _, l := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
		if len(l) > 0 {
			warnings = append(warnings, string(l))
		}
	}
	return p, warnings, err
}
