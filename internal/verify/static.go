package verify

// The static checks: what the image is expected to be (expect) and the
// rows read from its unpacked files alone (checkStatic).

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/slipway/slipway/internal/generate"
	"github.com/slipway/slipway/templates"
)

// expectations are what the image is checked against, with where each
// came from (for the report's details).
type expectations struct {
	port       int
	portFrom   string
	healthPath string
	// tcp makes the port check a TCP connect: --tcp, or a slipway.toml
	// whose healthcheck is the gRPC health service or a probe binary (no
	// HTTP path is known; the HEALTHCHECK row proves health).
	tcp        bool
	budget     int64
	budgetFrom string
	noShell    bool
	shellWhy   string // why a shell is or is not expected
}

// expect works out the port, health path, size budget and shell claim from
// the options, then slipway.toml, then the image.
func expect(o Options, set *templates.Set, proj *generate.Resolved, cf *v1.ConfigFile) (expectations, error) {
	var e expectations
	switch {
	case o.Port != 0:
		e.port, e.portFrom = o.Port, "--port"
	case proj != nil && proj.Project.Port != 0:
		e.port, e.portFrom = proj.Project.Port, "slipway.toml"
	default:
		var ports []int
		for k := range cf.Config.ExposedPorts {
			num, proto, _ := strings.Cut(k, "/")
			if n, err := strconv.Atoi(num); err == nil && (proto == "" || proto == "tcp") {
				ports = append(ports, n)
			}
		}
		sort.Ints(ports)
		if len(ports) > 0 {
			e.port, e.portFrom = ports[0], "the image's EXPOSE"
		}
	}
	switch {
	case o.HealthPath != "":
		e.healthPath = o.HealthPath
	case proj != nil && proj.Project.Healthcheck.HTTPPath != "":
		e.healthPath = proj.Project.Healthcheck.HTTPPath
	case proj != nil && (proj.Project.Healthcheck.GRPC || proj.Project.Healthcheck.Binary != ""):
		e.tcp = true
	default:
		e.healthPath = "/healthz"
	}
	if o.TCPOnly {
		e.tcp = true
	}
	if !strings.HasPrefix(e.healthPath, "/") && !e.tcp {
		e.healthPath = "/" + e.healthPath
	}
	switch {
	case o.SizeBudget > 0:
		e.budget, e.budgetFrom = o.SizeBudget, "--size-budget"
	case proj != nil && proj.Project.SizeBudget != "":
		n, err := units.FromHumanSize(proj.Project.SizeBudget)
		if err != nil {
			return e, fmt.Errorf("%s: size_budget: %w", o.Config, err)
		}
		e.budget, e.budgetFrom = n, "slipway.toml"
	}
	e.noShell, e.shellWhy = shellClaim(set, proj, cf)
	return e, nil
}

// shellClaim reports whether the image is promised to have no shell: its
// slipway.toml base is a catalogue entry without one, or the base is named
// distroless (in slipway.toml or the image's base-name label).
func shellClaim(set *templates.Set, proj *generate.Resolved, cf *v1.ConfigFile) (bool, string) {
	label := ""
	if cf.Config.Labels != nil {
		label = cf.Config.Labels["org.opencontainers.image.base.name"]
	}
	if proj != nil {
		b := proj.Base
		if _, ok := set.Bases[proj.Project.Base]; ok {
			// A catalogue entry states whether it has a shell.
			if b.Shell {
				return false, fmt.Sprintf("base %s ships a shell", b.Key)
			}
			return true, fmt.Sprintf("base %s has no shell", b.Key)
		}
		if strings.Contains(proj.BaseRef, "distroless") {
			return true, fmt.Sprintf("base %s is distroless", proj.BaseRef)
		}
	}
	if strings.Contains(label, "distroless") || label == "scratch" {
		return true, fmt.Sprintf("the image's base label says %s", label)
	}
	return false, "no shell-less claim (no slipway.toml base without a shell, no distroless base label)"
}

func checkStatic(rep *Report, rootfs string, exp expectations) error {
	if !exp.noShell {
		rep.add(CheckNoShell, "no shell in a shell-less image", Skip, "%s", exp.shellWhy)
	} else {
		shells, err := findShells(rootfs)
		if err != nil {
			return fmt.Errorf("looking for shells: %w", err)
		}
		rep.Shells = shells
		if len(shells) == 0 {
			rep.add(CheckNoShell, "no shell in a shell-less image", Pass, "%s, and none of %s exists", exp.shellWhy, shellSummary)
		} else {
			rep.add(CheckNoShell, "no shell in a shell-less image", Fail, "%s, yet the image has %s", exp.shellWhy, strings.Join(shells, ", "))
		}
	}

	priv, err := findPrivileged(rootfs)
	if err != nil {
		return fmt.Errorf("looking for setuid files: %w", err)
	}
	rep.Privileged = priv
	if len(priv) == 0 {
		rep.add(CheckNoSetuid, "no setuid/setgid files", Pass, "no file has the setuid or setgid bit")
	} else {
		var l []string
		for _, p := range priv {
			l = append(l, p.Path+" ("+p.Bits+")")
		}
		rep.add(CheckNoSetuid, "no setuid/setgid files", Fail, "%d file(s): %s", len(priv), strings.Join(l, ", "))
	}

	sizes := fmt.Sprintf("compressed %s, unpacked %s", human(rep.CompressedBytes), human(rep.UnpackedBytes))
	switch {
	case exp.budget == 0:
		rep.add(CheckSize, "image size within budget", Skip, "%s; no budget (set size_budget in slipway.toml or --size-budget)", sizes)
	case rep.CompressedBytes <= exp.budget:
		rep.add(CheckSize, "image size within budget", Pass, "%s; budget %s (%s)", sizes, human(exp.budget), exp.budgetFrom)
	default:
		rep.add(CheckSize, "image size within budget", Fail, "%s; over the budget of %s (%s) by %s", sizes, human(exp.budget), exp.budgetFrom, human(rep.CompressedBytes-exp.budget))
	}
	return nil
}

func human(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }
