package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/rules"
)

// FloorOptions say which Dockerfile a build is about to send, and with what.
type FloorOptions struct {
	// Dockerfile is the file's path; ContextDir the build context, where
	// the team files are looked for (FindTeam); Team an explicit team file.
	Dockerfile, ContextDir, Team string
	// BuildArgs and Target are the build's own: a USER made of build
	// arguments is judged with the values the build will pass.
	BuildArgs map[string]string
	Target    string
}

// Floor is one way a Dockerfile goes below the team's floors.
type Floor struct {
	Finding rules.Finding
	// Key is the team file key that makes the finding a floor ("min_uid").
	Key string
}

// FloorResult is what CheckFloors found.
type FloorResult struct {
	Team *config.Team
	// TeamFile is the nearest team file, "" when there is none.
	TeamFile string
	Below    []Floor
}

// floorRules maps each rule that enforces a team floor to the key that
// sets the floor, for the floors t sets. A USER that cannot be shown to be
// at or above min_uid (root in any spelling, a name, none, a variable
// without a value) is below it; a base that cannot be resolved cannot be
// shown to be allowed.
func floorRules(t *config.Team) map[string]string {
	m := map[string]string{}
	if t.MinUID > 0 {
		for _, id := range []string{"SW101", "SW102", "SW103", "SW104", "SW105"} {
			m[id] = "min_uid"
		}
	}
	switch {
	case len(t.AllowedBases) > 0:
		m["SW113"], m["SW114"] = "allowed_bases", "allowed_bases"
	case len(t.AllowedRegistries) > 0:
		m["SW113"], m["SW114"] = "allowed_registries", "allowed_registries"
	}
	if t.RequireHealthcheck {
		m["SW160"] = "require_healthcheck"
	}
	if len(t.RequiredLabels) > 0 {
		m["SW161"] = "required_labels"
	}
	return m
}

// CheckFloors holds the Dockerfile a build is about to send to the team's
// floors, whoever wrote the file: it reads every team file that applies
// (config.FindTeam), models the Dockerfile as lint does (BuildKit's
// parser, the build's arguments and target), and returns each floor the
// final image would go below. A floor is not a lint preference: the team
// file's rule severities and slipway:ignore comments do not lift it.
func CheckFloors(ctx context.Context, o FloorOptions) (*FloorResult, error) {
	dir := o.ContextDir
	if dir == "" {
		dir = filepath.Dir(o.Dockerfile)
	}
	team, teamFile, err := config.FindTeam(dir, o.Team)
	if err != nil {
		return nil, err
	}
	res := &FloorResult{Team: team, TeamFile: teamFile}
	fr := floorRules(team)
	if len(fr) == 0 {
		return res, nil
	}
	data, err := os.ReadFile(o.Dockerfile)
	if err != nil {
		return nil, errdefs.Invalid(fmt.Errorf("reading %s: %w", o.Dockerfile, err))
	}
	floorTeam := *team
	floorTeam.Rules = nil
	r, err := Check(ctx, Input{Path: o.Dockerfile, Data: data}, Options{Team: &floorTeam, NoBuildKit: true, BuildArgs: o.BuildArgs, Target: o.Target, floors: true})
	if err != nil {
		return nil, inputErr(err)
	}
	for _, f := range r.Findings {
		key, ok := fr[f.RuleID]
		if !ok {
			continue
		}
		f.Severity = rules.Error
		res.Below = append(res.Below, Floor{Finding: f, Key: key})
	}
	slices.SortStableFunc(res.Below, func(a, b Floor) int { return a.Finding.Line - b.Finding.Line })
	return res, nil
}

// String lists the floors gone below, one a line, for a terminal: every
// value from the Dockerfile is escaped.
func (r *FloorResult) String() string {
	var b strings.Builder
	from := strings.Join(r.Team.Files, ", ")
	for _, f := range r.Below {
		fmt.Fprintf(&b, "%s:%d: %s %s: %s (team floor %s, from %s)\n", printable(f.Finding.File), f.Finding.Line, f.Finding.RuleID, f.Finding.Severity, printable(f.Finding.Message), f.Key, printable(from))
	}
	return b.String()
}

// printable escapes control characters and invalid UTF-8 so a value from
// a Dockerfile cannot move the cursor or forge a line.
func printable(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case strconv.IsPrint(r):
			b.WriteString(s[:n])
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		s = s[n:]
	}
	return b.String()
}
