package config

import "github.com/slipway/slipway/internal/docsurl"

// DocsURL is the reference of every key of slipway.toml, slipway-team.toml
// and golden specs: docs/config.md, generated from these types' doc
// comments by internal/configdoc. The header of a slipway.toml that init
// writes points at it.
const DocsURL = docsurl.Config
