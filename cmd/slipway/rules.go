package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/slipway/slipway/internal/errdefs"
	"github.com/slipway/slipway/internal/lint"
	rulereport "github.com/slipway/slipway/internal/report"
	"github.com/slipway/slipway/internal/rules"
)

func newRulesCmd() *cobra.Command {
	var format, kind string
	c := &cobra.Command{
		Use:   "rules [ID]",
		Short: "List the lint and scan rules, or explain one",
		Long: `rules lists every rule slipway lint and slipway scan report: its id, default
severity, whether --fix rewrites it, and the CIS Docker Benchmark items,
hadolint rules and BuildKit checks it corresponds to. With an ID it explains
that rule: why it matters, how to fix it, an example, and how to suppress it.

SW1xx rules check Dockerfiles (lint), SW2xx rules check images (scan); the
rules named like SecretsUsedInArgOrEnv are BuildKit's own checks, which lint
runs in process.`,
		Example: `  slipway rules                     the whole catalogue
  slipway rules SW130               explain one rule
  slipway rules --kind buildkit     only BuildKit's checks
  slipway rules --format markdown > docs/rules.md`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat := lint.Catalogue()
			if len(args) == 1 {
				r, ok := cat.Lookup(args[0])
				if !ok {
					return errdefs.Invalid(fmt.Errorf("no rule %q; `slipway rules` lists them", args[0]))
				}
				return rulereport.RuleDetail(cmd.OutOrStdout(), r)
			}
			switch rules.Kind(kind) {
			case "", rules.KindLint, rules.KindImage, rules.KindBuildKit:
			default:
				return &usageError{err: fmt.Errorf("--kind %q: use lint, image or buildkit", kind), cmd: cmd}
			}
			var rs []rules.Rule
			for _, r := range cat.All() {
				if kind == "" || string(r.Kind) == kind {
					rs = append(rs, r)
				}
			}
			if err := rulereport.RuleList(cmd.OutOrStdout(), format, rs); err != nil {
				return &usageError{err: err, cmd: cmd}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "output format: text, json or markdown")
	c.Flags().StringVar(&kind, "kind", "", "only rules of one kind: lint, image or buildkit")
	return c
}
