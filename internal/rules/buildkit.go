package rules

import "github.com/moby/buildkit/frontend/dockerfile/linter"

// buildKitRule is the part of linter.LinterRule that the catalogue needs.
type buildKitRule interface {
	RuleName() string
	IsExperimental() bool
	IsDeprecated() bool
}

// buildKitRules lists BuildKit's Dockerfile checks (the ones `docker build
// --check` runs), taken from BuildKit's own rule set so names, descriptions
// and documentation links stay in step with the vendored version.
// Experimental checks default to info: builds with
// BUILDKIT_DOCKERFILE_CHECK=error=true do not run them.
func buildKitRules() []Rule {
	type entry struct {
		rule        buildKitRule
		description string
		url         string
		cis         []string
		hadolint    []string
	}
	entries := []entry{
		{&linter.RuleStageNameCasing, linter.RuleStageNameCasing.Description, linter.RuleStageNameCasing.URL, nil, nil},
		{&linter.RuleFromAsCasing, linter.RuleFromAsCasing.Description, linter.RuleFromAsCasing.URL, nil, nil},
		{&linter.RuleNoEmptyContinuation, linter.RuleNoEmptyContinuation.Description, linter.RuleNoEmptyContinuation.URL, nil, nil},
		{&linter.RuleConsistentInstructionCasing, linter.RuleConsistentInstructionCasing.Description, linter.RuleConsistentInstructionCasing.URL, nil, nil},
		{&linter.RuleDuplicateStageName, linter.RuleDuplicateStageName.Description, linter.RuleDuplicateStageName.URL, nil, []string{"DL3024"}},
		{&linter.RuleReservedStageName, linter.RuleReservedStageName.Description, linter.RuleReservedStageName.URL, nil, nil},
		{&linter.RuleJSONArgsRecommended, linter.RuleJSONArgsRecommended.Description, linter.RuleJSONArgsRecommended.URL, nil, []string{"DL3025"}},
		{&linter.RuleMaintainerDeprecated, linter.RuleMaintainerDeprecated.Description, linter.RuleMaintainerDeprecated.URL, nil, []string{"DL4000"}},
		{&linter.RuleUndefinedArgInFrom, linter.RuleUndefinedArgInFrom.Description, linter.RuleUndefinedArgInFrom.URL, nil, nil},
		{&linter.RuleWorkdirRelativePath, linter.RuleWorkdirRelativePath.Description, linter.RuleWorkdirRelativePath.URL, nil, []string{"DL3000"}},
		{&linter.RuleUndefinedVar, linter.RuleUndefinedVar.Description, linter.RuleUndefinedVar.URL, nil, nil},
		{&linter.RuleMultipleInstructionsDisallowed, linter.RuleMultipleInstructionsDisallowed.Description, linter.RuleMultipleInstructionsDisallowed.URL, nil, []string{"DL4003", "DL4004"}},
		{&linter.RuleLegacyKeyValueFormat, linter.RuleLegacyKeyValueFormat.Description, linter.RuleLegacyKeyValueFormat.URL, nil, nil},
		{&linter.RuleInvalidBaseImagePlatform, linter.RuleInvalidBaseImagePlatform.Description, linter.RuleInvalidBaseImagePlatform.URL, nil, nil},
		{&linter.RuleRedundantTargetPlatform, linter.RuleRedundantTargetPlatform.Description, linter.RuleRedundantTargetPlatform.URL, nil, nil},
		{&linter.RuleSecretsUsedInArgOrEnv, linter.RuleSecretsUsedInArgOrEnv.Description, linter.RuleSecretsUsedInArgOrEnv.URL, []string{"4.10"}, nil},
		{&linter.RuleInvalidDefaultArgInFrom, linter.RuleInvalidDefaultArgInFrom.Description, linter.RuleInvalidDefaultArgInFrom.URL, nil, nil},
		{&linter.RuleFromPlatformFlagConstDisallowed, linter.RuleFromPlatformFlagConstDisallowed.Description, linter.RuleFromPlatformFlagConstDisallowed.URL, nil, []string{"DL3029"}},
		{&linter.RuleCopyIgnoredFile, linter.RuleCopyIgnoredFile.Description, linter.RuleCopyIgnoredFile.URL, nil, nil},
		{&linter.RuleInvalidDefinitionDescription, linter.RuleInvalidDefinitionDescription.Description, linter.RuleInvalidDefinitionDescription.URL, nil, nil},
		{&linter.RuleExposeProtoCasing, linter.RuleExposeProtoCasing.Description, linter.RuleExposeProtoCasing.URL, nil, nil},
		{&linter.RuleExposeInvalidFormat, linter.RuleExposeInvalidFormat.Description, linter.RuleExposeInvalidFormat.URL, nil, nil},
	}
	var out []Rule
	for _, e := range entries {
		if e.url == "" {
			e.url = "https://docs.docker.com/reference/build-checks/"
		}
		if e.rule.IsDeprecated() {
			continue
		}
		sev := Warning
		why := "One of BuildKit's own Dockerfile checks (`docker build --check`), run in process by slipway lint."
		if e.rule.IsExperimental() {
			sev = Info
			why += " It is experimental in BuildKit, so it is reported at info level by default."
		}
		out = append(out, Rule{
			ID:       e.rule.RuleName(),
			Name:     e.rule.RuleName(),
			Kind:     KindBuildKit,
			Severity: sev,
			Message:  e.description,
			Why:      why,
			Fix:      "See BuildKit's documentation for this check: " + e.url,
			CIS:      e.cis,
			Hadolint: e.hadolint,
			HelpURI:  e.url,
		})
	}
	return out
}
