package lint

import (
	"regexp"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"

	"github.com/slipway/slipway/internal/secrets"
)

// A Dockerfile that holds a credential must not have it printed back:
// every finding's message, source excerpt and fix, the --fix diff and a
// parse error are masked with the values the file gives to secret-looking
// names (ENV, ARG, LABEL, assignments and NAME=value words in RUN,
// --build-arg NAME=value, --password VALUE) and, for any other text,
// internal/secrets' token shapes (AKIA..., ghp_..., a password in a URL).
// The values are found by BuildKit's parser and the shell parser, then by
// a word-level pass over every line as a net for what they do not see
// (ONBUILD triggers, scripts quoted inside scripts, comments).

// masked is what a credential is replaced with.
const masked = "****"

// minMasked is the shortest value hidden wherever it appears: a shorter
// one ("1", "on") would garble unrelated text and cannot be a credential
// worth the name.
const minMasked = 4

// masker hides a fixed set of values.
type masker struct {
	values []string // longest first, so a quoted value goes before its body
	done   map[string]string
}

// mask returns s with every known value and every token-shaped credential
// replaced.
func (m *masker) mask(s string) string {
	if m == nil {
		return secrets.Redact(s)
	}
	// Findings repeat messages; the token shapes are a dozen regular
	// expressions, so each distinct text is masked once.
	if out, ok := m.done[s]; ok {
		return out
	}
	out := s
	for _, v := range m.values {
		out = strings.ReplaceAll(out, v, masked)
	}
	out = secrets.Redact(out)
	if m.done == nil {
		m.done = map[string]string{}
	}
	m.done[s] = out
	return out
}

// masker is the doc's, built once.
func (d *doc) masker() *masker {
	if d.mk == nil {
		set := map[string]bool{}
		d.collectSecrets(set)
		textSecrets(string(d.src), set)
		d.mk = newMasker(set)
	}
	return d.mk
}

// mask is s with the doc's credentials hidden.
func (d *doc) mask(s string) string { return d.masker().mask(s) }

// maskText is a masker for text that did not parse as a Dockerfile: only
// the word-level pass.
func maskText(src []byte) *masker {
	set := map[string]bool{}
	textSecrets(string(src), set)
	return newMasker(set)
}

// inputMasker is the masker of a Dockerfile that Check accepted.
func inputMasker(in Input) *masker {
	d, err := parse(in)
	if err != nil {
		return maskText(in.Data)
	}
	return d.masker()
}

func newMasker(set map[string]bool) *masker {
	m := &masker{}
	for v := range set {
		m.values = append(m.values, v)
	}
	sort.Slice(m.values, func(i, j int) bool {
		if len(m.values[i]) != len(m.values[j]) {
			return len(m.values[i]) > len(m.values[j])
		}
		return m.values[i] < m.values[j]
	})
	return m
}

// reference is a value that only names another variable ($TOKEN,
// ${TOKEN}): showing it shows no credential.
var varReference = regexp.MustCompile(`^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$`)

// addSecret records v (and v without its quotes) when it is worth hiding.
func addSecret(set map[string]bool, v string) {
	v = strings.TrimSpace(v)
	for _, c := range []string{v, unquote(v)} {
		if len(c) >= minMasked && !varReference.MatchString(c) {
			set[c] = true
		}
	}
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// secretKey reports whether a key, flag or variable name looks like it
// holds a credential: "--db-password" is read as DB_PASSWORD.
func secretKey(name string) bool {
	name = strings.TrimLeft(name, "-")
	name = strings.ReplaceAll(strings.ReplaceAll(name, "-", "_"), ".", "_")
	return name != "" && secretName(name)
}

// collectSecrets adds the values of ENV, ARG and LABEL keys with secret
// names and of RUN's shell words. A value shaped like a credential under
// another name is left to secrets.Redact, which keeps its prefix (AKIA****).
func (d *doc) collectSecrets(set map[string]bool) {
	for _, in := range d.all {
		switch x := in.cmd.(type) {
		case *instructions.EnvCommand:
			for _, kv := range x.Env {
				if secretKey(kv.Key) {
					addSecret(set, kv.Value)
				}
			}
		case *instructions.ArgCommand:
			for _, kv := range x.Args {
				if kv.Value != nil && secretKey(kv.Key) {
					addSecret(set, *kv.Value)
				}
			}
		case *instructions.LabelCommand:
			for _, kv := range x.Labels {
				if secretKey(kv.Key) {
					addSecret(set, kv.Value)
				}
			}
		case *instructions.RunCommand:
			if src, ok := runScript(x); ok {
				shellSecrets(src, set)
			} else {
				wordSecrets(x.CmdLine, set)
			}
		}
	}
}

// shellSecrets adds the values a shell script gives to secret names:
// NAME=value assignments (export, declare, a command's prefix) and the
// NAME=value or --flag value words of its calls.
func shellSecrets(src string, set map[string]bool) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		return // the word-level pass still runs
	}
	raw := func(n syntax.Node) string {
		a, b := int(n.Pos().Offset()), int(n.End().Offset())
		if a < 0 || b > len(src) || a > b {
			return ""
		}
		return src[a:b]
	}
	syntax.Walk(f, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.Assign:
			if x.Name != nil && x.Value != nil && secretKey(x.Name.Value) {
				addSecret(set, raw(x.Value))
				if lit := x.Value.Lit(); lit != "" {
					addSecret(set, lit)
				}
			}
		case *syntax.CallExpr:
			words := make([]string, 0, len(x.Args))
			for _, w := range x.Args {
				words = append(words, raw(w))
			}
			wordSecrets(words, set)
		}
		return true
	})
}

// wordSecrets adds the values of NAME=value words and of --flag VALUE
// pairs whose name looks secret (build tools' --build-arg TOKEN=...,
// docker login --password ..., curl's -u is left to the token shapes).
func wordSecrets(words []string, set map[string]bool) {
	for i, w := range words {
		w = strings.TrimLeft(w, `"'(`)
		if k, v, ok := strings.Cut(w, "="); ok {
			if secretKey(k) {
				addSecret(set, firstValue(v))
			}
			continue
		}
		name := strings.TrimSuffix(w, ":")
		if (strings.HasPrefix(name, "-") || name != w) && secretKey(name) && i+1 < len(words) {
			addSecret(set, firstValue(words[i+1]))
		}
	}
}

// textSecrets is the word-level pass over every line of src.
func textSecrets(src string, set map[string]bool) {
	for _, line := range strings.Split(src, "\n") {
		wordSecrets(strings.Fields(line), set)
	}
}

// firstValue is the value at the start of v, a word or the rest of a
// word: a quoted string through its closing quote, else up to a space, a
// quote or a shell operator ("x && cd /" inside a quoted script is x).
func firstValue(v string) string {
	if v != "" && (v[0] == '"' || v[0] == '\'') {
		if j := strings.IndexByte(v[1:], v[0]); j >= 0 {
			return v[:j+2]
		}
		return v
	}
	if j := strings.IndexAny(v, " \t\n\"'`;&|)"); j >= 0 {
		v = v[:j]
	}
	return strings.TrimRight(v, `\`)
}
