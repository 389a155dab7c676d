package bench

import (
	"context"
	"fmt"

	bkclient "github.com/moby/buildkit/client"
)

// internal/build is slipway's one BuildKit wrapper and offers no prune or
// daemon info with revision yet; the benchmark needs both (a cold build
// starts from an empty cache), so it dials the daemon itself for these two
// calls. Move them into internal/build if slipway grows a prune command.

// daemonInfo returns buildkitd's version and revision.
func daemonInfo(ctx context.Context, addr string) (version, revision string, err error) {
	c, err := bkclient.New(ctx, addr)
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	info, err := c.Info(ctx)
	if err != nil {
		return "", "", fmt.Errorf("buildkitd info: %w", err)
	}
	return info.BuildkitVersion.Version, info.BuildkitVersion.Revision, nil
}

// pruneAll empties buildkitd's build cache: every record not in use,
// internal and frontend ones and cache mounts included (buildctl prune
// --all). It also removes the pulled base images' layers: the next build
// pulls them again from the lab registry. It returns how many records and
// bytes were freed, and what is left.
func pruneAll(ctx context.Context, addr string) (records int, freed, left int64, err error) {
	c, err := bkclient.New(ctx, addr)
	if err != nil {
		return 0, 0, 0, err
	}
	defer c.Close()
	ch := make(chan bkclient.UsageInfo)
	done := make(chan struct{})
	go func() {
		for u := range ch {
			records++
			freed += u.Size
		}
		close(done)
	}()
	err = c.Prune(ctx, ch, bkclient.PruneAll)
	close(ch)
	<-done
	if err != nil {
		return records, freed, 0, fmt.Errorf("pruning the build cache: %w", err)
	}
	du, err := c.DiskUsage(ctx)
	if err != nil {
		return records, freed, 0, fmt.Errorf("build cache usage: %w", err)
	}
	for _, u := range du {
		left += u.Size
	}
	return records, freed, left, nil
}
