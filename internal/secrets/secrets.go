// Package secrets recognises credentials: variable names that look like
// they hold one (token, password, key, ...) and values that look like one
// (AWS, GitHub, GitLab, Slack, Google, npm, PyPI and Stripe keys, JSON Web
// Tokens, private key blocks, passwords in URLs). `slipway lint` uses it on
// Dockerfiles, `slipway scan` on image configs, history, files and
// attestations, and `slipway build` on build-arg values (buildargs.go).
// Regular expressions here look at one name or one value, never at
// Dockerfile structure.
package secrets

import (
	"regexp"
	"strings"
)

var (
	// nameRe follows BuildKit's SecretsUsedInArgOrEnv (a secret word as a
	// whole _-separated token) with a few more words.
	nameRe = regexp.MustCompile(`(?i)(?:_|^)(?:apikey|api_key|auth|credential|credentials|key|password|pass|pword|passwd|secret|token|pat|privatekey|private_key|accesskey|access_key|secretkey|secret_key)(?:_|$)`)
	// allowNameRe are words that make a name not a secret: BuildKit's own
	// (public, file, version) and the names of places and identifiers.
	allowNameRe = regexp.MustCompile(`(?i)(?:_|^)(?:public|file|version|path|dir|url|uri|host|port|type|length|size|mode|region|enabled)(?:_|$)`)
)

// Name reports whether a variable name (ARG, ENV, build argument) looks
// like it holds a secret.
func Name(name string) bool {
	return nameRe.MatchString(name) && !allowNameRe.MatchString(name)
}

type valuePattern struct {
	what string
	re   *regexp.Regexp
	keep int // characters of a match left visible by Redact
}

var valuePatterns = []valuePattern{
	{"an AWS access key id", regexp.MustCompile(`\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b`), 4},
	{"an AWS secret access key", regexp.MustCompile(`(?i)aws_?secret_?access_?key\s*[=:]\s*["']?[A-Za-z0-9/+]{40}\b`), 21},
	{"a GitHub token", regexp.MustCompile(`\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b`), 4},
	{"a GitHub token", regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{60,}\b`), 11},
	{"a GitLab token", regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}\b`), 6},
	{"a private key", regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`), 11},
	{"a Slack token", regexp.MustCompile(`\bxox[a-z]-[A-Za-z0-9-]{10,}\b`), 5},
	{"a Google API key", regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`), 4},
	{"an npm token", regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`), 4},
	// PyPI API tokens are macaroons: "pypi-" and a long base64url body.
	{"a PyPI token", regexp.MustCompile(`\bpypi-[A-Za-z0-9_-]{50,}`), 5},
	// A JSON Web Token: a base64url JSON header ("eyJ" is `{"`), a
	// base64url JSON payload and a signature.
	{"a JSON Web Token", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}`), 4},
	{"a Stripe live key", regexp.MustCompile(`\b[sr]k_live_[0-9A-Za-z]{24,}\b`), 8},
	{"a password in a URL", regexp.MustCompile(`\b[a-z][a-z0-9+.-]*://[^/\s:@$]+:[^/\s@$]{3,}@[A-Za-z0-9.-]+`), 0},
}

// Value names what a value looks like ("a GitHub token"), or returns ""
// when it looks like no credential.
func Value(v string) string {
	for _, p := range valuePatterns {
		if p.re.MatchString(v) {
			return p.what
		}
	}
	return ""
}

// Redact masks anything secret-looking in s, keeping a recognisable prefix
// ("ghp_****").
func Redact(s string) string {
	for _, p := range valuePatterns {
		s = p.re.ReplaceAllStringFunc(s, func(m string) string {
			if p.keep == 0 {
				// user:password@host: keep the scheme, mask the credentials
				if i := strings.Index(m, "://"); i >= 0 {
					if j := strings.LastIndex(m, "@"); j > i {
						return m[:i+3] + "****" + m[j:]
					}
				}
				return "****"
			}
			if len(m) <= p.keep {
				return m
			}
			return m[:p.keep] + "****"
		})
	}
	return s
}
