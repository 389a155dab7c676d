package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/slipway/slipway/internal/userspec"
)

// ParseSize reads a size with its unit ("25MB", "1.5GB", "512kB"; decimal
// units as docker's go-units reads them) and returns it in bytes. A bare
// number is refused: "25" would be 25 bytes, never what was meant.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(t, 64); err == nil {
		return 0, fmt.Errorf("%q has no unit: write the size with its unit, e.g. \"25MB\" or \"1.5GB\" (B, kB, MB, GB, TB)", s)
	}
	n, err := units.FromHumanSize(t)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size: use e.g. \"25MB\" or \"1.5GB\" (B, kB, MB, GB, TB)", s)
	}
	return n, nil
}

// ParseDuration reads a HEALTHCHECK duration ("30s", "1m", "1m30s") from
// 1ms (BuildKit refuses less) to 24h. A bare number is refused with the
// units to write.
func ParseDuration(s string) (time.Duration, error) {
	if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && strings.TrimSpace(s) != "0" {
		return 0, fmt.Errorf("%q has no unit: write the duration with its unit, e.g. \"30s\" or \"1m\" (ms, s, m, h; from 1ms to 24h)", s)
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < time.Millisecond || v > 24*time.Hour {
		return 0, fmt.Errorf("%q is not a duration: use e.g. \"30s\" or \"1m\" (from 1ms to 24h)", s)
	}
	return v, nil
}

// userRootMsg refuses uid 0 given explicitly: 0 is root, and slipway never
// writes a root USER.
const userRootMsg = "0 is root: the service runs as a numeric non-root uid 1-2147483647; remove the key for the base's non-root default"

// ParsePort reads a port given as text (a flag, an answer): a number
// 1-65535. Range problems beyond that are Validate's, so a flag and
// slipway.toml say the same thing.
func ParsePort(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a port: a port is a number 1-65535 (e.g. 8080)", s)
	case n == 0:
		return 0, fmt.Errorf("0 is not a port: a port is a number 1-65535; leave it out for the language's default")
	}
	return n, nil
}

// ParseUser reads a uid given as text, as container runtimes read a USER
// (internal/userspec), and refuses every spelling of root ("0", "00",
// "+0", "root", "4294967296"), a name (its uid depends on the image's
// /etc/passwd) and a group: slipway.toml's user is one numeric non-root
// uid.
func ParseUser(s string) (int, error) {
	sp, err := userspec.Parse(s)
	if err != nil {
		return 0, err
	}
	switch {
	case sp.Root():
		why := "is root"
		if sp.Spelling() != "" {
			why = "is root: " + sp.Spelling()
		}
		return 0, fmt.Errorf("%q %s; the service runs as a numeric non-root uid 1-2147483647 (leave it out for the base's non-root default)", s, why)
	case sp.HasGroup:
		return 0, fmt.Errorf("%q names a group: give the numeric uid only (1-2147483647, e.g. 10001)", s)
	case !sp.User.Numeric:
		return 0, fmt.Errorf("%q is a name: give a numeric uid 1-2147483647 (e.g. 10001); a name's uid depends on the image's /etc/passwd", s)
	case sp.User.Wrapped || sp.User.ID > 2147483647:
		return 0, fmt.Errorf("%q is out of range: a numeric non-root uid 1-2147483647", s)
	}
	return int(sp.User.ID), nil
}

// PortFlag is the flag value (a pflag.Value) of a port: Set reads it with
// ParsePort, so `--port abc` says what a port is.
func PortFlag(p *int) *IntValue { return &IntValue{p: p, parse: ParsePort, typ: "port"} }

// UserFlag is the flag value of a uid: Set reads it with ParseUser, so
// `--user 0` and `--user root` are refused, not taken as "unset".
func UserFlag(p *int) *IntValue { return &IntValue{p: p, parse: ParseUser, typ: "uid"} }

// IntValue is an int flag read by one of config's parsers.
type IntValue struct {
	p     *int
	parse func(string) (int, error)
	typ   string
}

// Set parses s into the value.
func (v *IntValue) Set(s string) error {
	n, err := v.parse(s)
	if err != nil {
		return err
	}
	*v.p = n
	return nil
}

// String returns the value, "" when unset.
func (v *IntValue) String() string {
	if v.p == nil || *v.p == 0 {
		return ""
	}
	return strconv.Itoa(*v.p)
}

// Type names the value in help text.
func (v *IntValue) Type() string { return v.typ }
