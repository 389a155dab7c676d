package config_test

import (
	"fmt"
	"testing"

	"github.com/slipway/slipway/internal/config"
	"github.com/slipway/slipway/internal/rules"
)

func TestTeamApplyRules(t *testing.T) {
	team := &config.Team{Rules: map[string]string{"SW101": "error", "SW102": "off", "SW103": "bogus"}}
	fs := []rules.Finding{
		{RuleID: "SW101", Severity: rules.Warning},
		{RuleID: "SW102", Severity: rules.Error},
		{RuleID: "SW103", Severity: rules.Info},
		{RuleID: "SW104", Severity: rules.Warning},
	}
	got := fmt.Sprint(team.ApplyRules(fs))
	want := fmt.Sprint([]rules.Finding{
		{RuleID: "SW101", Severity: rules.Error}, // raised
		// SW102 turned off
		{RuleID: "SW103", Severity: rules.Info},    // an unreadable override changes nothing
		{RuleID: "SW104", Severity: rules.Warning}, // no override
	})
	if got != want {
		t.Errorf("ApplyRules:\n got %s\nwant %s", got, want)
	}
	var none *config.Team
	if got := fmt.Sprint(none.ApplyRules(fs)); got != fmt.Sprint(fs) {
		t.Errorf("a nil team changed the findings: %s", got)
	}
	if s := none.RuleSeverity("SW101", rules.Info); s != rules.Info {
		t.Errorf("nil team RuleSeverity = %v", s)
	}
}
