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
)

// labBinaryName is the binary that serves the registry (`slipway-lab registry`).
const labBinaryName = "slipway-lab"

// ServeRegistry serves an OCI registry on addr until ctx ends. Blobs are kept
// on disk under dir; manifests live in memory, so Start pushes the stand-ins
// again after the registry restarts (the blobs are already there, so that is
// cheap). `slipway-lab registry` calls it.
func ServeRegistry(ctx context.Context, addr, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: registry.New(
			registry.WithBlobHandler(registry.NewDiskBlobHandler(dir)),
			registry.Logger(log.New(io.Discard, "", 0)),
		),
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

func registryHealthy(ctx context.Context, addr string) bool {
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
	return resp.StatusCode == http.StatusOK
}

func ensureRegistry(ctx context.Context, p paths, addr string, log io.Writer) error {
	if registryHealthy(ctx, addr) {
		return nil
	}
	if err := stopProcess(ctx, p, "registry", log); err != nil {
		return err
	}
	bin, err := labBinary(ctx, p, log)
	if err != nil {
		return err
	}
	logf(log, "starting registry on %s", addr)
	pid, err := startProcess(p, "registry", bin, "registry", "--addr", addr, "--blobs", p.join("registry"))
	if err != nil {
		return err
	}
	alive := func() bool { return recordedPid(p, "registry", labBinaryName) == pid }
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
	root, err := repoRoot()
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
