package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Stamped by `make build` (-ldflags -X); empty in a plain `go build` or
// `go install`, where the module's build info tells instead.
var (
	version string
	commit  string
)

// buildVersion describes this binary: its version, the commit it was built
// from and the Go toolchain, from the link-time stamps when present and
// from the module's build info otherwise.
type buildVersion struct {
	Version, Commit, Go string
	Modified            bool
}

func readVersion() buildVersion {
	v := buildVersion{Version: version, Commit: commit}
	info, ok := debug.ReadBuildInfo()
	if ok {
		v.Go = info.GoVersion
		if v.Version == "" && info.Main.Version != "" {
			v.Version = info.Main.Version // "v1.2.3" from go install module@v1.2.3; "(devel)" from a checkout
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.Commit == "" {
					v.Commit = s.Value
				}
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	return v
}

func (v buildVersion) String() string {
	c := v.Commit
	if v.Modified {
		c += " (modified)"
	}
	return fmt.Sprintf("slipway %s\ncommit  %s\ngo      %s", v.Version, c, v.Go)
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print slipway's version, commit and Go version",
		Long: `Print the version of this slipway binary, the commit it was built from and the
Go toolchain that built it. ` + "`make build`" + ` stamps the version and commit; a binary from
` + "`go install`" + ` reports the module version and the commit recorded by the Go toolchain.`,
		Example: "  slipway version\n  slipway --version",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(c.OutOrStdout(), readVersion())
			return err
		},
	}
}
