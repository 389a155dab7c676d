// Package docsurl is where slipway's documentation is published: every
// link slipway prints (a rule's help URI in SARIF and JSON, the reference
// a written slipway.toml points at) is made from Repository, so the links
// move together if the repository does.
package docsurl

// Repository is slipway's source repository, the one its module path
// (github.com/slipway/slipway) names.
const Repository = "https://github.com/slipway/slipway"

// Branch is the branch whose documents the links show.
const Branch = "main"

// Blob is the prefix of a file's page in the repository.
const Blob = Repository + "/blob/" + Branch + "/"

// Rules is the rule reference, docs/rules.md (`slipway rules --format
// markdown`); a rule's help URI is an anchor in it.
const Rules = Blob + "docs/rules.md"

// Config is the reference of slipway.toml, slipway-team.toml and golden
// specs, docs/config.md.
const Config = Blob + "docs/config.md"
