package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/lab/labtest"
	"github.com/slipway/slipway/internal/textsafe"
)

// corpusService is one [[service]] of testdata/services.toml: a service
// written by us in the shape of a real open-source one.
type corpusService struct {
	Dir        string   `toml:"dir"`
	Language   string   `toml:"language"`
	ModelledOn string   `toml:"modelled_on"`
	Classes    []string `toml:"classes"`
	Env        []string `toml:"env"`
	Port       int      `toml:"port"`
	Health     string   `toml:"health"`
	// Context is the repository root relative to Dir, for a service that
	// needs files outside its folder; the whole root is copied.
	Context string `toml:"context"`
	// Expect is "runs", "refused" (init must exit 2; RefusedWith is in its
	// message) or "unbuildable-here" (Reason says which registry is missing).
	Expect      string `toml:"expect"`
	Reason      string `toml:"reason"`
	RefusedWith string `toml:"refused_with"`
	// Secrets are the environment variables the build reads as secrets:
	// init must declare each as a [[secret]] with that env.
	Secrets []string `toml:"secrets"`
	// GRPCHealth: the service serves grpc.health.v1 (verify checks its
	// port with a TCP connect, as for every service with no HTTP health).
	GRPCHealth bool   `toml:"grpc_health"`
	Native     string `toml:"native"`
	// Reproducible services are built a second time with --no-cache: the
	// digest must not change.
	Reproducible bool `toml:"reproducible"`
}

func loadCorpus(t *testing.T) []corpusService {
	t.Helper()
	var doc struct {
		Service []corpusService `toml:"service"`
	}
	md, err := toml.DecodeFile(filepath.Join("testdata", "services.toml"), &doc)
	if err != nil {
		t.Fatalf("testdata/services.toml: %v", err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		t.Fatalf("testdata/services.toml: unknown keys %v", u)
	}
	seen := map[string]bool{}
	for _, s := range doc.Service {
		switch {
		case s.Dir == "" || seen[s.Dir]:
			t.Fatalf("testdata/services.toml: service dir %q is empty or repeated", s.Dir)
		case s.Expect != "runs" && s.Expect != "refused" && s.Expect != "unbuildable-here":
			t.Fatalf("testdata/services.toml: %s: expect = %q", s.Dir, s.Expect)
		case s.Expect != "runs" && s.Reason == "":
			t.Fatalf("testdata/services.toml: %s: expect = %q needs a reason", s.Dir, s.Expect)
		}
		seen[s.Dir] = true
		if _, err := os.Stat(filepath.Join("testdata", "services", s.Dir)); err != nil {
			t.Fatalf("testdata/services.toml: %s: %v", s.Dir, err)
		}
	}
	return doc.Service
}

var slipwayBin struct {
	once sync.Once
	path string
	err  error
}

// slipwayBinary builds the CLI once: the corpus runs exactly what a user
// runs.
func slipwayBinary(t *testing.T) string {
	t.Helper()
	slipwayBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "slipway-e2e-bin-")
		if err != nil {
			slipwayBin.err = err
			return
		}
		p := filepath.Join(dir, "slipway")
		out, err := exec.Command("go", "build", "-o", p, "../../cmd/slipway").CombinedOutput()
		if err != nil {
			slipwayBin.err = fmt.Errorf("go build ./cmd/slipway: %v\n%s", err, out)
			return
		}
		slipwayBin.path = p
	})
	if slipwayBin.err != nil {
		t.Fatal(slipwayBin.err)
	}
	return slipwayBin.path
}

// cliRun is one command's outcome.
type cliRun struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func (r cliRun) String() string {
	return fmt.Sprintf("exit %d after %s\n%s", r.code, r.took.Round(100*time.Millisecond), textsafe.Tail(r.stdout+r.stderr, 30))
}

func runSlipway(ctx context.Context, t *testing.T, env []string, args ...string) cliRun {
	t.Helper()
	cmd := exec.CommandContext(ctx, slipwayBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = nil
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := cliRun{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running slipway %v: %v", args, err)
	}
	return r
}

// corpusResult is one row of the summary table.
type corpusResult struct {
	dir, step, result string
	took              time.Duration
	detail            string
}

// TestCorpus is the acceptance test of real services: every service of the
// corpus gets `slipway init --yes` with no edit of what it writes, then
// `slipway build` through the lab's BuildKit and `slipway verify` with only
// the environment the service needs. A service expected to run must pass
// every verify row, lint clean, scan with no error and leak no build secret;
// one expected to be refused must make init exit 2 with the reason. At least
// 90% of the services the lab can build must pass.
func TestCorpus(t *testing.T) {
	l := labtest.Require(t)
	labtest.NeedRootAndRunc(t)
	services := loadCorpus(t)
	if len(services) < 25 {
		t.Fatalf("the corpus has %d services, want at least 25", len(services))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	slipwayBinary(t)
	env := []string{"BUILDKIT_HOST=" + l.BuildkitHost, "SLIPWAY_REGISTRY_MIRROR=" + l.Registry, "NO_COLOR=1"}

	var (
		mu      sync.Mutex
		results []corpusResult
	)
	record := func(r corpusResult) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}
	start := time.Now()
	t.Run("service", func(t *testing.T) {
		for _, s := range services {
			t.Run(s.Dir, func(t *testing.T) {
				t.Parallel() // bounded by -parallel; see corpusParallel
				corpusSlots <- struct{}{}
				defer func() { <-corpusSlots }()
				r := runCorpusService(ctx, t, env, s)
				record(r)
				if r.result == "FAIL" {
					t.Errorf("%s failed at %s: %s", s.Dir, r.step, r.detail)
				}
			})
		}
	})

	sort.Slice(results, func(i, j int) bool { return results[i].dir < results[j].dir })
	var table strings.Builder
	pass, fail, counted := 0, 0, 0
	fmt.Fprintf(&table, "%-28s %-8s %-18s %7s\n", "SERVICE", "STEP", "RESULT", "SECONDS")
	for _, r := range results {
		fmt.Fprintf(&table, "%-28s %-8s %-18s %7.1f\n", r.dir, r.step, r.result, r.took.Seconds())
		switch r.result {
		case "PASS", "REFUSED (as meant)":
			pass++
			counted++
		case "FAIL":
			fail++
			counted++
		}
	}
	fmt.Fprintf(&table, "%d of %d services the lab can build pass (%d unbuildable here), in %s\n",
		pass, counted, len(results)-counted, time.Since(start).Round(time.Second))
	t.Logf("corpus summary:\n%s", table.String())
	if counted == 0 || pass*10 < counted*9 {
		t.Errorf("%d of %d corpus services pass: under 90%%", pass, counted)
	}
}

// corpusSlots bounds how many services build at once: two, on CI's two cores.
var corpusSlots = make(chan struct{}, 2)

func runCorpusService(ctx context.Context, t *testing.T, env []string, s corpusService) corpusResult {
	start := time.Now()
	res := corpusResult{dir: s.Dir}
	done := func(step, result, detail string) corpusResult {
		res.step, res.result, res.detail, res.took = step, result, detail, time.Since(start)
		return res
	}
	if s.Expect == "unbuildable-here" {
		t.Logf("%s is not built here: %s", s.Dir, s.Reason)
		return done("-", "UNBUILDABLE HERE", s.Reason)
	}
	work := t.TempDir()
	src := filepath.Join("testdata", "services", s.Dir)
	root, svc := src, "."
	if s.Context != "" {
		root = filepath.Clean(filepath.Join(src, s.Context))
		rel, err := filepath.Rel(root, src)
		if err != nil || strings.HasPrefix(rel, "..") {
			t.Fatalf("%s: context %q does not contain the service", s.Dir, s.Context)
		}
		svc = rel
	}
	if err := copyTree(root, filepath.Join(work, "repo")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "repo", svc)

	initRun := runSlipway(ctx, t, env, "init", "--yes", dir)
	t.Logf("slipway init --yes: %s", initRun)
	if s.Expect == "refused" {
		msg := initRun.stdout + initRun.stderr
		if initRun.code != 2 {
			return done("init", "FAIL", fmt.Sprintf("init exited %d, want 2 (refused: %s)", initRun.code, s.Reason))
		}
		if s.RefusedWith != "" && !strings.Contains(msg, s.RefusedWith) {
			return done("init", "FAIL", fmt.Sprintf("init's refusal does not say %q:\n%s", s.RefusedWith, textsafe.Tail(msg, 10)))
		}
		return done("init", "REFUSED (as meant)", "")
	}
	if initRun.code != 0 {
		return done("init", "FAIL", initRun.String())
	}
	proj, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		return done("init", "FAIL", "slipway.toml that init wrote does not load: "+err.Error())
	}

	for _, want := range s.Secrets {
		found := false
		for _, sec := range proj.Secrets {
			found = found || sec.Env == want
		}
		if !found {
			return done("init", "FAIL", fmt.Sprintf("slipway.toml declares no build secret for $%s", want))
		}
	}

	// Every build secret the service declares gets a canary value, which
	// must be in no blob of the image.
	var canaries []string
	buildArgs := []string{"build", dir, "-o", "type=oci,dest=" + filepath.Join(work, "image.tar"), "--progress", "plain"}
	buildEnv := append([]string{}, env...)
	for i, sec := range proj.Secrets {
		c := corpusCanary(t)
		canaries = append(canaries, c)
		if sec.Env != "" {
			v := fmt.Sprintf("SLIPWAY_E2E_SECRET_%d", i)
			buildEnv = append(buildEnv, v+"="+c)
			buildArgs = append(buildArgs, "--secret", "id="+sec.ID+",env="+v)
			continue
		}
		f := filepath.Join(work, "secret-"+sec.ID)
		if err := os.WriteFile(f, []byte(c+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		buildArgs = append(buildArgs, "--secret", "id="+sec.ID+",src="+f)
	}
	buildRun := runSlipway(ctx, t, buildEnv, buildArgs...)
	if buildRun.code != 0 {
		return done("build", "FAIL", buildRun.String())
	}
	t.Logf("slipway build: %s", buildRun.took.Round(100*time.Millisecond))
	img := filepath.Join(work, "image.tar")
	for _, c := range canaries {
		if strings.Contains(buildRun.stdout+buildRun.stderr, c) {
			return done("build", "FAIL", "a build secret's value is in the build's output")
		}
	}
	if leak, err := blobsContain(img, canaries); err != nil {
		return done("build", "FAIL", "reading the image: "+err.Error())
	} else if leak != "" {
		return done("build", "FAIL", "a build secret's value is in "+leak)
	}

	if s.Reproducible {
		again := append(append([]string{}, buildArgs...), "--no-cache")
		for i, a := range again {
			if strings.HasPrefix(a, "type=oci,dest=") {
				again[i] = "type=oci,dest=" + filepath.Join(work, "again.tar")
			}
		}
		againRun := runSlipway(ctx, t, buildEnv, again...)
		if againRun.code != 0 {
			return done("rebuild", "FAIL", againRun.String())
		}
		d1, d2 := strings.TrimSpace(buildRun.stdout), strings.TrimSpace(againRun.stdout)
		if d1 == "" || d1 != d2 {
			return done("rebuild", "FAIL", fmt.Sprintf("same sources, no cache: digest %q, then %q", d1, d2))
		}
		t.Logf("rebuilt with --no-cache in %s: the same digest %s", againRun.took.Round(100*time.Millisecond), d1)
	}

	verifyArgs := []string{"verify", img, "--config", filepath.Join(dir, config.FileName), "--json"}
	for _, e := range s.Env {
		verifyArgs = append(verifyArgs, "--env", e)
	}
	if s.Health == "" && s.Port != 0 {
		// No HTTP health endpoint (a gRPC service, or none): the port is
		// checked with a TCP connect, as verify does for non-HTTP services.
		verifyArgs = append(verifyArgs, "--tcp")
	}
	verifyRun := runSlipway(ctx, t, env, verifyArgs...)
	t.Logf("slipway verify: exit %d after %s", verifyRun.code, verifyRun.took.Round(100*time.Millisecond))
	var rep struct {
		Rows []struct {
			ID, Status, Detail string
		} `json:"checks"`
		Log []string `json:"container_log"`
	}
	if err := json.Unmarshal([]byte(verifyRun.stdout), &rep); err != nil {
		return done("verify", "FAIL", "verify --json: "+err.Error()+"\n"+verifyRun.String())
	}
	if verifyRun.code != 0 {
		var failed []string
		for _, r := range rep.Rows {
			if r.Status == "FAIL" {
				failed = append(failed, r.ID+": "+r.Detail)
			}
		}
		return done("verify", "FAIL", fmt.Sprintf("exit %d: %s\ncontainer log:\n%s", verifyRun.code,
			strings.Join(failed, "; "), textsafe.Tail(strings.Join(rep.Log, "\n"), 15)))
	}
	for _, r := range rep.Rows {
		if r.Status == "FAIL" || (r.ID == "healthcheck" && (s.Health != "" || s.GRPCHealth) && r.Status != "PASS") ||
			(r.ID == "port" && s.Port != 0 && r.Status != "PASS") || (r.ID == "non-root" && r.Status != "PASS") {
			return done("verify", "FAIL", fmt.Sprintf("%s: %s %s", r.ID, r.Status, r.Detail))
		}
	}

	lintRun := runSlipway(ctx, t, env, "lint", filepath.Join(dir, "Dockerfile"))
	if lintRun.code != 0 {
		return done("lint", "FAIL", lintRun.String())
	}
	scanRun := runSlipway(ctx, t, env, "scan", img, "--severity", "error")
	if scanRun.code != 0 {
		return done("scan", "FAIL", scanRun.String())
	}
	return done("scan", "PASS", "")
}

func corpusCanary(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "slipway-canary-" + hex.EncodeToString(b)
}

// blobsContain reports the first blob of an OCI layout tarball (a layer
// uncompressed, or any other blob as it is) holding one of needles.
func blobsContain(img string, needles []string) (string, error) {
	if len(needles) == 0 {
		return "", nil
	}
	f, err := os.Open(img)
	if err != nil {
		return "", err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return "", err
		}
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil {
				data = append(data, plain...)
			}
		}
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				return h.Name, nil
			}
		}
	}
}

// copyTree copies a service folder (regular files, directories, symlinks).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case info.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(to, b, info.Mode().Perm())
		}
	})
}
