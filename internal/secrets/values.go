package secrets

import "sort"

// Match is a NAME=value pair whose value looks like a credential. It holds
// the name and what the value looks like, never the value itself, so that
// it can be printed.
type Match struct {
	Name string // the variable's name
	What string // what its value looks like: "a GitHub token"
}

// Values checks the values of NAME=value pairs (build args, environment
// variables) and returns those that look like a credential whatever their
// name, sorted by name. `slipway build` refuses such build args: BuildKit
// records build-arg values in the image history and, with a max
// provenance attestation, verbatim in the attestation.
func Values(kv map[string]string) []Match {
	var out []Match
	for k, v := range kv {
		if what := Value(v); what != "" {
			out = append(out, Match{Name: k, What: what})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
