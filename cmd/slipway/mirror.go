package main

import (
	"github.com/spf13/pflag"

	"github.com/slipway/slipway/internal/image"
)

// registryMirrorFlag is the one name of the registry mirror flag, in init,
// pin and every golden subcommand.
const registryMirrorFlag = "registry-mirror"

// addRegistryMirrorFlag adds --registry-mirror, writing into p, and, for a
// command that called it something else before (init and pin: --mirror),
// that name as a deprecated alias of the same value: it still works and
// cobra says which flag to use instead.
func addRegistryMirrorFlag(f *pflag.FlagSet, p *string, usage string, oldNames ...string) {
	usage += " (default $" + image.EnvRegistryMirror + ")"
	f.StringVar(p, registryMirrorFlag, "", usage)
	for _, old := range oldNames {
		f.StringVar(p, old, "", usage)
		_ = f.MarkDeprecated(old, "use --"+registryMirrorFlag)
	}
}

// addTeamFlag registers --team, the team standard file, the same way on
// every command that reads one; where is the folder whose nearest
// slipway-team.toml is the default ("DIR", "--dir", "the context").
func addTeamFlag(f *pflag.FlagSet, p *string, where string) {
	f.StringVar(p, "team", "", "team standard file (default: nearest slipway-team.toml above "+where+")")
}
