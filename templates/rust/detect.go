package rust

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/internal/tomlx"
)

type cargoBin struct {
	Name string `toml:"name"`
	Path string `toml:"path"`
}

type cargoToml struct {
	Package *struct {
		Name string `toml:"name"`
	} `toml:"package"`
	Bin       []cargoBin `toml:"bin"`
	Workspace *struct {
		Members []string `toml:"members"`
	} `toml:"workspace"`
}

// Detect reads the tree as a project of this language (provider.Provider).
func (Provider) Detect(d *provider.Detector) error {
	src, err := d.Read("Cargo.toml")
	if err != nil {
		return err
	}
	var cargo cargoToml
	if src != nil {
		if err := tomlx.DecodeForeign("Cargo.toml", src, &cargo); err != nil {
			d.R.Note("not parsed: " + err.Error())
		}
	}
	pkgName := ""
	if cargo.Package != nil {
		pkgName = cargo.Package.Name
		d.SetName(pkgName, "Cargo.toml [package] name")
	} else if cargo.Workspace != nil {
		d.R.Choice("main", true, "Cargo.toml is a workspace (members: %s); run init in the member that builds the service", strings.Join(cargo.Workspace.Members, ", "))
	}

	// Toolchain: rust-toolchain.toml [toolchain] channel, or the legacy
	// rust-toolchain file (a bare channel, or the same TOML).
	for _, f := range []string{"rust-toolchain.toml", "rust-toolchain"} {
		b, err := d.Read(f)
		if err != nil {
			return err
		}
		if b == nil {
			continue
		}
		var tc struct {
			Toolchain struct {
				Channel string `toml:"channel"`
			} `toml:"toolchain"`
		}
		channel := ""
		if err := tomlx.DecodeForeign(f, b, &tc); err == nil && tc.Toolchain.Channel != "" {
			channel = tc.Toolchain.Channel
		} else if l, _ := d.FirstLine(f); l != "" && !strings.Contains(l, "[") {
			channel = l
		}
		if v := provider.MajorMinor(channel); v != "" {
			d.R.Version = v
			d.R.Found("version", v, "%s (channel %s)", f, channel)
		} else if channel != "" {
			d.R.Note("version: " + f + " names channel " + channel + ", not a version; the template default applies")
		}
		break
	}

	// Binaries: [[bin]] targets, src/main.rs (named after the package) and
	// src/bin/*.rs.
	bins := map[string]string{}
	for _, b := range cargo.Bin {
		if b.Name != "" {
			bins[b.Name] = "Cargo.toml [[bin]]"
		}
	}
	if pkgName != "" && d.Exists("src/main.rs") {
		if _, ok := bins[pkgName]; !ok && len(cargo.Bin) == 0 {
			bins[pkgName] = "src/main.rs"
		}
	}
	if extra, _ := filepath.Glob(d.Path("src/bin/*.rs")); len(extra) > 0 {
		for _, f := range extra {
			name := strings.TrimSuffix(filepath.Base(f), ".rs")
			if _, ok := bins[name]; !ok {
				bins[name] = "src/bin/" + filepath.Base(f)
			}
		}
	}
	// A binary named like a health probe is the HEALTHCHECK, not the
	// service: an exec-form probe that needs no shell.
	var names []string
	for n := range bins {
		if provider.IsProbeName(n) && len(bins) > 1 {
			if d.R.HealthBinary == "" || n < d.R.HealthBinary {
				d.R.HealthBinary = n
			}
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	if d.R.HealthBinary != "" {
		d.R.Found("healthcheck.binary", d.R.HealthBinary, "%s (a binary named as a health probe)", bins[d.R.HealthBinary])
	}
	if _, ok := bins[pkgName]; ok && pkgName != "" && len(names) > 1 {
		// Several binaries: the one named like the package is the service.
		d.R.Main = pkgName
		d.R.Found("main", pkgName, "%s (named like the package; also: %s)", bins[pkgName], strings.Join(others(names, pkgName), ", "))
	} else {
		d.PickOne("main", &d.R.Main, names, "binaries")
		if d.R.Main != "" {
			d.R.Found("main", d.R.Main, "%s", bins[d.R.Main])
		}
	}
	if p := binPath(cargo.Bin, d.R.Main); p != "" && d.R.Main != "" {
		d.Sources = append(d.Sources, p)
	}
	if d.Exists("src/main.rs") && !contains(d.Sources, "src/main.rs") {
		d.Sources = append(d.Sources, "src/main.rs")
	}
	return nil
}

// binPath is the source path of a [[bin]] target, "" when it names none.
func binPath(bins []cargoBin, name string) string {
	for _, b := range bins {
		if b.Name == name && b.Path != "" {
			return filepath.ToSlash(filepath.Clean(b.Path))
		}
	}
	return ""
}

func others(names []string, skip string) []string {
	var out []string
	for _, n := range names {
		if n != skip {
			out = append(out, n)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
