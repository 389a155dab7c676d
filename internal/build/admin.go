package build

import (
	"context"
	"fmt"

	bkclient "github.com/moby/buildkit/client"
)

// DaemonInfo is what buildkitd says about itself.
type DaemonInfo struct {
	Version, Revision string
}

// Info asks the daemon for its version.
func (c *Client) Info(ctx context.Context) (DaemonInfo, error) {
	info, err := c.bk.Info(ctx)
	if err != nil {
		return DaemonInfo{}, fmt.Errorf("buildkitd info: %w", err)
	}
	return DaemonInfo{Version: info.BuildkitVersion.Version, Revision: info.BuildkitVersion.Revision}, nil
}

// PruneResult says what Prune removed and what is left.
type PruneResult struct {
	Records     int
	Freed, Left int64 // bytes
}

// Prune empties the daemon's build cache: every record not in use, cache
// mounts and pulled base layers included (buildctl prune --all), so that the
// next build starts cold.
func (c *Client) Prune(ctx context.Context) (PruneResult, error) {
	var r PruneResult
	ch := make(chan bkclient.UsageInfo)
	done := make(chan struct{})
	go func() {
		for u := range ch {
			r.Records++
			r.Freed += u.Size
		}
		close(done)
	}()
	err := c.bk.Prune(ctx, ch, bkclient.PruneAll)
	close(ch)
	<-done
	if err != nil {
		return r, fmt.Errorf("pruning the build cache: %w", err)
	}
	du, err := c.bk.DiskUsage(ctx)
	if err != nil {
		return r, fmt.Errorf("build cache usage: %w", err)
	}
	for _, u := range du {
		r.Left += u.Size
	}
	return r, nil
}
