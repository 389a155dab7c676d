package build

import (
	"context"
	"fmt"
	"slices"

	"github.com/containerd/platforms"
	// Register the connection helpers of BuildKit's client, so a builder
	// address may be any scheme buildx reaches daemons by: kube-pod://
	// (buildx's kubernetes driver pods), docker-container:// (registered
	// in client.go), podman-container://, nerdctl-container:// and ssh://.
	_ "github.com/moby/buildkit/client/connhelper/kubepod"
	_ "github.com/moby/buildkit/client/connhelper/nerdctlcontainer"
	_ "github.com/moby/buildkit/client/connhelper/podmancontainer"
	_ "github.com/moby/buildkit/client/connhelper/ssh"
)

// Platforms are the platforms the daemon's workers run natively, as
// BuildKit's ListWorkers reports them (normalised, sorted, each once).
func (c *Client) Platforms(ctx context.Context) ([]string, error) {
	ws, err := c.bk.ListWorkers(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the workers of %s: %w", c.addr, err)
	}
	var out []string
	for _, w := range ws {
		for _, p := range w.Platforms {
			out = append(out, platforms.Format(platforms.Normalize(p)))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
