package templates

import (
	"github.com/slipway/slipway/internal/provider"
	"github.com/slipway/slipway/templates/dotnet"
	"github.com/slipway/slipway/templates/elixir"
	golang "github.com/slipway/slipway/templates/go"
	"github.com/slipway/slipway/templates/java"
	"github.com/slipway/slipway/templates/node"
	"github.com/slipway/slipway/templates/php"
	"github.com/slipway/slipway/templates/python"
	"github.com/slipway/slipway/templates/ruby"
	"github.com/slipway/slipway/templates/rust"
	"github.com/slipway/slipway/templates/static"
)

// providers is the one list of languages, in the order detection tries
// their markers and config lists them. A new language is its folder under
// templates/ and one line here.
var providers = []provider.Provider{
	golang.Provider{},
	node.Provider{},
	python.Provider{},
	java.Provider{},
	rust.Provider{},
	dotnet.Provider{},
	ruby.Provider{},
	php.Provider{},
	elixir.Provider{},
	static.Provider{},
}

// Providers returns the registered providers in order.
func Providers() []provider.Provider { return append([]provider.Provider(nil), providers...) }

// Provider returns the provider of a language key.
func Provider(key string) (provider.Provider, bool) {
	for _, p := range providers {
		if provider.InfoOf(p).Key == key {
			return p, true
		}
	}
	return nil, false
}

// Keys returns the language keys in registry order.
func Keys() []string {
	out := make([]string, len(providers))
	for i, p := range providers {
		out[i] = provider.InfoOf(p).Key
	}
	return out
}

// Choosable returns, per language with more than one package manager, the
// package managers a service may pick (the first is the default).
func Choosable() map[string][]string {
	out := map[string][]string{}
	for _, p := range providers {
		if i := provider.InfoOf(p); len(i.PackageManagers) > 1 {
			out[i.Key] = append([]string(nil), i.PackageManagers...)
		}
	}
	return out
}

// RuntimeProbe returns the command with which the language runtime a base
// carries (b.Runtime at b.RuntimeBin) probes url, or nil when the base has
// no runtime or its provider cannot probe.
func RuntimeProbe(b Base, url string) []string {
	if b.RuntimeBin == "" {
		return nil
	}
	p, ok := Provider(b.Runtime)
	if !ok {
		return nil
	}
	pr, ok := p.(provider.Prober)
	if !ok {
		return nil
	}
	return pr.HTTPProbe(b.RuntimeBin, url)
}

// MainHelp explains the key main for a language, or "" for an unknown one.
func MainHelp(lang string) string {
	if p, ok := Provider(lang); ok {
		return provider.InfoOf(p).MainHelp
	}
	return ""
}

// Honouring returns the languages whose providers honour a language-only
// slipway.toml key (provider.LanguageKeys), in registry order.
func Honouring(key string) []string {
	var out []string
	for _, p := range providers {
		for _, k := range provider.InfoOf(p).Keys {
			if k == key {
				out = append(out, provider.InfoOf(p).Key)
			}
		}
	}
	return out
}
