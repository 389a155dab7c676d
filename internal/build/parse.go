package build

import (
	"encoding/csv"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/slipway/slipway/internal/secrets"
)

// csvFields splits buildx's comma-separated key=value syntax (a field may
// be quoted to hold a comma).
func csvFields(s string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.LazyQuotes = true
	fields, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("parsing %q: %w", s, err)
	}
	return fields, nil
}

// ParseSecret parses buildx's --secret syntax:
//
//	id=ID,src=PATH          the value is the content of PATH (source= also works)
//	id=ID,env=VAR           the value is $VAR
//	type=file,id=ID[,src=]  src defaults to ID
//	type=env,id=ID[,env=]   env defaults to ID
//	id=ID                   $ID when it is set, else the file ID (BuildKit's rule)
//
// Only names are parsed here; values are read by BuildKit's secrets provider
// when a build step mounts the secret.
func ParseSecret(s string) (Secret, error) {
	fields, err := csvFields(s)
	if err != nil {
		return Secret{}, fmt.Errorf("--secret: %w", err)
	}
	var sec Secret
	typ := ""
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return Secret{}, fmt.Errorf("--secret %q: field %q is not key=value (want id=ID,src=PATH or id=ID,env=VAR)", s, f)
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "type":
			typ = v
			if typ != "file" && typ != "env" {
				return Secret{}, fmt.Errorf("--secret %q: type %q: want file or env", s, v)
			}
		case "id":
			sec.ID = v
		case "src", "source":
			sec.Src = v
		case "env":
			sec.Env = v
		default:
			return Secret{}, fmt.Errorf("--secret %q: unknown key %q (want type, id, src or env)", s, k)
		}
	}
	if sec.ID == "" {
		return Secret{}, fmt.Errorf("--secret %q: missing id= (want id=ID,src=PATH or id=ID,env=VAR)", s)
	}
	if sec.Src != "" && sec.Env != "" {
		return Secret{}, fmt.Errorf("--secret %q: give src or env, not both", s)
	}
	switch typ {
	case "file":
		if sec.Env != "" {
			return Secret{}, fmt.Errorf("--secret %q: type=file takes src=, not env=", s)
		}
		if sec.Src == "" {
			sec.Src = sec.ID
		}
	case "env":
		if sec.Src != "" {
			return Secret{}, fmt.Errorf("--secret %q: type=env takes env=, not src=", s)
		}
		if sec.Env == "" {
			sec.Env = sec.ID
		}
	}
	return sec, nil
}

// Output types.
const (
	OutputOCI    = "oci"
	OutputDocker = "docker"
	OutputTar    = "tar"
	OutputLocal  = "local"
	OutputImage  = "image"
)

// ParseOutput parses buildx's --output syntax:
//
//	type=oci,dest=out.tar[,name=REF]   an OCI layout tarball
//	type=docker,dest=out.tar           a `docker load` tarball
//	type=local,dest=DIR                the final stage's filesystem in DIR
//	type=tar,dest=out.tar              the same, as a tarball
//	type=image[,push=true]             an image in the daemon (pushed with push=true)
//	type=registry                      shorthand for type=image,push=true
//	DIR                                shorthand for type=local,dest=DIR
//
// Other key=value pairs are passed to the exporter as attributes.
func ParseOutput(s string) (Output, error) {
	if s == "" {
		return Output{}, fmt.Errorf("--output: empty")
	}
	if !strings.Contains(s, "=") {
		if s == "-" {
			return Output{}, fmt.Errorf("--output %q: writing to stdout is not supported; give a file with type=oci,dest=FILE", s)
		}
		return Output{Type: OutputLocal, Dest: s}, nil
	}
	fields, err := csvFields(s)
	if err != nil {
		return Output{}, fmt.Errorf("--output: %w", err)
	}
	o := Output{Attrs: map[string]string{}}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return Output{}, fmt.Errorf("--output %q: field %q is not key=value", s, f)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		switch k {
		case "type":
			o.Type = v
		case "dest":
			o.Dest = v
		default:
			o.Attrs[k] = v
		}
	}
	if o.Type == "registry" {
		o.Type = OutputImage
		o.Attrs["push"] = "true"
	}
	switch o.Type {
	case "":
		return Output{}, fmt.Errorf("--output %q: missing type= (oci, docker, tar, local, image or registry)", s)
	case OutputOCI, OutputDocker, OutputTar, OutputLocal:
		if o.Dest == "" {
			return Output{}, fmt.Errorf("--output %q: type=%s needs dest=", s, o.Type)
		}
		if o.Dest == "-" {
			return Output{}, fmt.Errorf("--output %q: writing to stdout is not supported; give a file", s)
		}
	case OutputImage:
		if o.Dest != "" {
			return Output{}, fmt.Errorf("--output %q: type=image takes no dest=", s)
		}
	default:
		return Output{}, fmt.Errorf("--output %q: unknown type %q (want oci, docker, tar, local, image or registry)", s, o.Type)
	}
	if len(o.Attrs) == 0 {
		o.Attrs = nil
	}
	return o, nil
}

// secretLikeArg matches build-arg names that look like credentials.
var secretLikeArg = regexp.MustCompile(`(?i)(token|passw|secret|credential|api_?key|private_?key|access_?key|(^|_)(o?auth|key|pwd|pat)($|_))`)

// notSecretArgs are well-known build args whose names match but that carry
// no secret.
var notSecretArgs = []string{"BUILDKIT_SYNTAX"}

// CheckBuildArgs refuses build args that look like credentials, by their
// name or by their value whatever the name (secrets.Values: token shapes,
// private keys, passwords in URLs). A build arg's value is recorded in the
// image history, in the build cache and, with a max provenance
// attestation, verbatim in the attestation, so a credential must reach the
// build as a secret mount instead. The error names the args and never
// their values.
func CheckBuildArgs(args map[string]string) error {
	var bad []string
	for name := range args {
		if slices.Contains(notSecretArgs, strings.ToUpper(name)) {
			continue
		}
		if secretLikeArg.MatchString(name) {
			bad = append(bad, name)
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		n := bad[0]
		return fmt.Errorf("build arg %s looks like a credential (its name contains token, password, key, secret, auth or credential); "+
			"build args are recorded in the image history and the build cache. Pass it as a secret instead: "+
			"--secret id=%s,env=%s (or src=FILE) and mount it in the Dockerfile with RUN --mount=type=secret,id=%s,env=%s ...",
			strings.Join(quoteNames(bad), ", "), strings.ToLower(n), n, strings.ToLower(n), n)
	}
	return checkBuildArgValues(args)
}

// checkBuildArgValues refuses build args whose value looks like a
// credential, naming each arg and what its value looks like.
func checkBuildArgValues(args map[string]string) error {
	ms := secrets.Values(args)
	if len(ms) == 0 {
		return nil
	}
	var what []string
	for _, m := range ms {
		what = append(what, fmt.Sprintf("build arg %s holds what looks like %s", quoteName(m.Name), m.What))
	}
	n := ms[0].Name
	id := strings.ToLower(n)
	if !quotable(n) {
		n, id = "VAR", "ID"
	}
	return fmt.Errorf("%s (the value is not shown); build args are recorded in the image history, the build cache and "+
		"provenance attestations (--provenance max keeps them verbatim). Pass it as a secret instead: "+
		"--secret id=%s,env=%s (or src=FILE) and mount it in the Dockerfile with RUN --mount=type=secret,id=%s,env=%s ...",
		strings.Join(what, "; "), id, n, id, n)
}

// quotable names can be printed as they are: ARG names BuildKit accepts.
func quotable(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	})
}

// quoteName prints a build-arg name, quoted and escaped when it holds
// anything but letters, digits and _-. (a name is the user's input too).
func quoteName(name string) string {
	if quotable(name) {
		return name
	}
	return strconv.Quote(name)
}

func quoteNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = quoteName(n)
	}
	return out
}
