package config

import (
	"maps"
	"path"
	"slices"
)

// The validation vocabulary that slipway.toml and golden specs share: one
// reading of a label, an environment variable name, a path, a Debian
// package and a probe's timing, so that a value refused in one file is
// refused in the other with the same words.

// ValidateLabels checks label keys (lowercase letters, digits and ._/-) and
// values (one line of printable text, at most 16 KiB), under "labels.KEY".
func ValidateLabels(pr *Problems, labels map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		key := "labels." + k
		if !reLabelKey.MatchString(k) {
			pr.add(key, "%q is not a valid label key: lowercase letters, digits and ._/- (e.g. \"org.opencontainers.image.source\")", k)
		}
		if bad := BadChar(labels[k]); bad != "" {
			pr.add(key, "value contains %s; label values must be a single line of printable text", bad)
		} else if len(labels[k]) > maxValue {
			pr.add(key, "value is %d bytes; at most %d are allowed", len(labels[k]), maxValue)
		}
	}
}

// ValidateProbeTiming checks a HEALTHCHECK's interval, timeout and start
// period (durations with a unit, 1ms to 24h, as BuildKit takes them) and its
// retries (0-100), under "healthcheck.*".
func ValidateProbeTiming(pr *Problems, interval, timeout, startPeriod string, retries int) {
	for _, d := range []struct{ key, val string }{
		{"healthcheck.interval", interval},
		{"healthcheck.timeout", timeout},
		{"healthcheck.start_period", startPeriod},
	} {
		if d.val == "" {
			continue
		}
		if _, err := ParseDuration(d.val); err != nil {
			pr.add(d.key, "%s", err)
		}
	}
	if retries < 0 || retries > 100 {
		pr.add("healthcheck.retries", "%d is out of range: 0-100", retries)
	}
}

// IsEnvName reports whether k is an environment variable name: letters,
// digits and '_', not starting with a digit, at most 128.
func IsEnvName(k string) bool { return reEnvName.MatchString(k) }

// LooksLikeCredentialName reports whether an environment variable's name
// says it holds a credential (TOKEN, PASSWORD, SECRET, API_KEY, ...).
func LooksLikeCredentialName(k string) bool { return reSecretish.MatchString(k) }

// IsDebianPackage reports whether s is a Debian package name, optionally
// name=version.
func IsDebianPackage(s string) bool { return rePackage.MatchString(s) }

// ValidAbsPath reports whether p is "/" or a clean absolute path of letters,
// digits and ._/@+- without a ".." segment.
func ValidAbsPath(p string) bool {
	return p == "/" || (reAbsPath.MatchString(p) && !HasDotDot(p) && path.Clean(p) == p)
}

// ValidRelPath reports whether p is a clean relative path of letters,
// digits and ._/@+-, not starting with '-', without a ".." segment
// (relPathProblem says which of these a path breaks).
func ValidRelPath(p string) bool {
	return relPathProblem(p, "") == ""
}
