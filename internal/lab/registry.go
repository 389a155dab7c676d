package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/slipway/slipway/internal/checkout"
)

// labBinaryName is the binary that serves the registry (`slipway-lab registry`).
const labBinaryName = "slipway-lab"

// indexesHeader marks the lab registry's answers: a registry without it is an
// older one that does not serve the package indexes, and is restarted.
const indexesHeader = "X-Slipway-Lab-Indexes"

// ServeRegistry serves an OCI registry on addr until ctx ends. Blobs are kept
// on disk under dir; manifests live in memory, so Start pushes the stand-ins
// again after the registry restarts (the blobs are already there, so that is
// cheap). The same port serves the lab's package indexes from the folder
// indexes (indexes/pypi at /pypi/: the PEP 503 index is /pypi/simple/).
// `slipway-lab registry` calls it.
func ServeRegistry(ctx context.Context, addr, dir, indexes string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/", registry.New(
		registry.WithBlobHandler(registry.NewDiskBlobHandler(dir)),
		registry.Logger(log.New(io.Discard, "", 0)),
	))
	if indexes != "" {
		mux.Handle("/pypi/", http.StripPrefix("/pypi", http.FileServer(http.Dir(filepath.Join(indexes, "pypi")))))
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set(indexesHeader, "1")
			mux.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func registryHealthy(ctx context.Context, addr string) bool { return registryAnswers(ctx, addr, false) }

// registryAnswers reports whether the registry at addr answers /v2/ (and,
// when indexes is set, is one that serves the package indexes).
func registryAnswers(ctx context.Context, addr string, indexes bool) bool {
	if addr == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v2/", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK && (!indexes || resp.Header.Get(indexesHeader) != "")
}

func ensureRegistry(ctx context.Context, p paths, addr string, log io.Writer) error {
	if registryAnswers(ctx, addr, true) {
		return nil
	}
	if registryHealthy(ctx, addr) {
		logf(log, "restarting the registry on %s: it does not serve the package indexes", addr)
	}
	if err := stopProcess(ctx, p, "registry", log); err != nil {
		return err
	}
	bin, err := labBinary(ctx, p, log)
	if err != nil {
		return err
	}
	logf(log, "starting registry on %s", addr)
	alive, err := startProcess(p, "registry", bin, "registry", "--addr", addr, "--blobs", p.join("registry"), "--indexes", p.join("indexes"))
	if err != nil {
		return err
	}
	if err := waitFor(ctx, 15*time.Second, alive, func(ctx context.Context) bool { return registryHealthy(ctx, addr) }); err != nil {
		return fmt.Errorf("registry on %s: %w; log %s:\n%s", addr, err, p.logs("registry"), tail(p.logs("registry"), 20))
	}
	return nil
}

// labBinary returns a slipway-lab binary to run the registry with: this very
// process when it is slipway-lab, otherwise one built into bin/ (tests).
func labBinary(ctx context.Context, p paths, log io.Writer) (string, error) {
	if exe, err := os.Executable(); err == nil && filepath.Base(exe) == labBinaryName {
		return exe, nil
	}
	root, err := checkout.Root()
	if err != nil {
		return "", fmt.Errorf("building %s: %w", labBinaryName, err)
	}
	out := p.bin(labBinaryName)
	logf(log, "building %s", labBinaryName)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/slipway-lab")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %w\n%s", labBinaryName, err, b)
	}
	return out, nil
}
