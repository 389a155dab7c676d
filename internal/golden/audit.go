package golden

import (
	"fmt"
	"strings"

	"github.com/slipway/slipway/internal/image"
)

// Audit checks a built image's facts against what its spec asked for and
// returns every problem found.
func (p *Plan) Audit(s *Spec, f image.Facts) []string {
	var out []string
	u := p.User(s)
	want := fmt.Sprintf("%d:%d", u.UID, u.gid())
	if f.User != want {
		out = append(out, fmt.Sprintf("%s: runs as %q, want the numeric non-root user %s", f.Platform, f.User, want))
	}
	if s.Hardening.StripSetuid && len(f.SetuidFiles) > 0 {
		out = append(out, fmt.Sprintf("%s: setuid/setgid files remain: %s", f.Platform, strings.Join(f.SetuidFiles, ", ")))
	}
	if (s.Hardening.RemoveShells || len(s.Keep) > 0) && len(f.Shells) > 0 {
		out = append(out, fmt.Sprintf("%s: distroless mode, but shells remain: %s", f.Platform, strings.Join(f.Shells, ", ")))
	}
	if s.Hardening.RemovePackageManager && len(f.PackageState) > 0 {
		out = append(out, fmt.Sprintf("%s: package manager files remain: %s", f.Platform, strings.Join(f.PackageState, ", ")))
	}
	if len(f.AptLists) > 0 {
		out = append(out, fmt.Sprintf("%s: apt package lists were left in the image: %s", f.Platform, strings.Join(f.AptLists[:min(3, len(f.AptLists))], ", ")))
	}
	if f.Labels["org.opencontainers.image.title"] != s.Name {
		out = append(out, fmt.Sprintf("%s: label org.opencontainers.image.title is %q, want %q", f.Platform, f.Labels["org.opencontainers.image.title"], s.Name))
	}
	for k, v := range s.Labels {
		if f.Labels[k] != v {
			out = append(out, fmt.Sprintf("%s: label %s is %q, want %q", f.Platform, k, f.Labels[k], v))
		}
	}
	return out
}
