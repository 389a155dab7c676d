package tomlx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/slipway/slipway/internal/tomlx"
)

type inner struct {
	Path  string `toml:"path"`
	Every string `toml:"every" want:"a string like \"30s\""`
}

type Common struct {
	Owner string `toml:"owner"`
}

type doc struct {
	Common
	Name    string            `toml:"name"`
	Size    string            `toml:"size" want:"a string like \"25MB\""`
	Count   int               `toml:"count"`
	Small   uint8             `toml:"small"`
	Ratio   float64           `toml:"ratio"`
	On      bool              `toml:"on"`
	Tags    []string          `toml:"tags"`
	Env     map[string]string `toml:"env"`
	Probe   inner             `toml:"probe"`
	Items   []inner           `toml:"item"`
	Skipped string            `toml:"-"`
}

// problems decodes src and returns its problems as "line key: msg".
func problems(t *testing.T, src string) []string {
	t.Helper()
	var d doc
	_, err := tomlx.Decode("f.toml", []byte(src), &d)
	if err == nil {
		return nil
	}
	var ie *tomlx.InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("want *InvalidError, got %T: %v", err, err)
	}
	var out []string
	for _, e := range ie.Errs {
		var fe *tomlx.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("problem %v is a %T", e, e)
		}
		if fe.File != "f.toml" {
			t.Errorf("problem %v does not name the file", fe)
		}
		out = append(out, strings.TrimPrefix(fe.Error(), "f.toml:"))
	}
	return out
}

func TestDecodeProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []string // every problem, in order, without the file name
	}{
		{"valid", "name = \"a\"\nowner = \"me\"\ncount = 3\nratio = 2\n[probe]\npath = \"/h\"\n[[item]]\npath = \"x\"\n", nil},
		{"number for a hinted string", "size = 25\n", []string{`1: size: want a string like "25MB", got the number 25`}},
		{"string for a number", "\ncount = \"3\"\n", []string{`2: count: want a whole number, got the string "3"; remove the quotes`}},
		{"overflow of a small int", "small = 300\n", []string{"1: small: want a whole number from 0 to 255, got the number 300"}},
		{"negative for unsigned", "small = -1\n", []string{"1: small: want a whole number from 0 to 255, got the number -1"}},
		{"string for a bool", "on = \"yes\"\n", []string{`1: on: want true or false, got the string "yes"; remove the quotes`}},
		{"float for an int", "count = 1.5\n", []string{"1: count: want a whole number, got the number 1.5"}},
		{"bool for a string", "name = true\n", []string{"1: name: want a string in quotes, got the boolean true"}},
		{"string for a list", "tags = \"a\"\n", []string{`1: tags: want a list of strings like ["a", "b"], got the string "a"`}},
		{"wrong list element", "tags = [\"a\", 2]\n", []string{"1: tags[1]: want a string in quotes, got the number 2"}},
		{"value for a map", "env = 3\n", []string{`1: env: want a table of strings (a [section] of key = "value" lines), got the number 3`}},
		{"wrong map value", "[env]\nA = \"x\"\nB = 2\n", []string{"3: env.B: want a string in quotes, got the number 2"}},
		{"value for a table", "probe = \"x\"\n", []string{`1: probe: want a table (a [section]), got the string "x"`}},
		{"table for an array of tables", "[item]\npath = \"x\"\n", []string{"1: item: want an array of tables (one [[...]] section each), got a table"}},
		{"date for a string", "name = 2024-01-02\n", []string{"1: name: want a string in quotes, got a date or time"}},
		{"embedded key wrong", "owner = 1\n", []string{"1: owner: want a string in quotes, got the number 1"}},
		{"hostile string is quoted", "count = \"a\\u001b[31mred\"\n", []string{`1: count: want a whole number, got the string "a\x1b[31mred"; remove the quotes`}},
		{"long string is shortened", "count = \"" + strings.Repeat("x", 60) + "\"\n", []string{`1: count: want a whole number, got the string "` + strings.Repeat("x", 40) + `"…; remove the quotes`}},
		{"unknown key with a suggestion", "nme = \"a\"\n", []string{"1: nme: unknown key; did you mean name? (allowed here: count, env, item, name, on, owner, probe, ratio, size, small, tags)"}},
		{"unknown key, nothing close", "colour = \"red\"\n", []string{"1: colour: unknown key; allowed here: count, env, item, name, on, owner, probe, ratio, size, small, tags"}},
		{"a field tagged - is unknown", "Skipped = \"x\"\n", []string{"1: Skipped: unknown key; allowed here: count, env, item, name, on, owner, probe, ratio, size, small, tags"}},
		{"unknown key in a table", "[probe]\npath = \"/\"\nevry = \"1s\"\n", []string{"3: probe.evry: unknown key; did you mean every? (allowed here: every, path)"}},
		{"unknown key in the second array entry", "[[item]]\npath = \"a\"\n[[item]]\npth = \"b\"\n", []string{"4: item[1].pth: unknown key; did you mean path? (allowed here: every, path)"}},
		{"unknown table once", "[extra]\na = 1\nb = 2\n", []string{"1: extra: unknown key; allowed here: count, env, item, name, on, owner, probe, ratio, size, small, tags"}},
		{"every problem at once, in file order", "size = 25\nnme = \"a\"\n[probe]\nevery = 30\n[[item]]\npath = 1\n", []string{
			`1: size: want a string like "25MB", got the number 25`,
			"2: nme: unknown key; did you mean name? (allowed here: count, env, item, name, on, owner, probe, ratio, size, small, tags)",
			`4: probe.every: want a string like "30s", got the number 30`,
			"6: item[0].path: want a string in quotes, got the number 1",
		}},
		{"syntax error alone", "size = 25\nname = \n", []string{"2: name: expected value but found '\\n' instead"}},
		{"duplicate key", "name = \"a\"\nname = \"b\"\n", []string{"2: name: Key 'name' has already been defined."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := problems(t, tc.src)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestDecodeFillsOnlyWhenSafe checks the contract config relies on: with
// only unknown keys the value is filled and OnlyUnknown holds; with a wrong
// type it is left alone.
func TestDecodeFillsOnlyWhenSafe(t *testing.T) {
	var d doc
	_, err := tomlx.Decode("f.toml", []byte("name = \"a\"\nbogus = 1\n"), &d)
	if !tomlx.OnlyUnknown(err) || d.Name != "a" {
		t.Errorf("unknown key only: OnlyUnknown=%v name=%q (%v)", tomlx.OnlyUnknown(err), d.Name, err)
	}
	d = doc{}
	_, err = tomlx.Decode("f.toml", []byte("name = \"a\"\ncount = \"x\"\n"), &d)
	if err == nil || tomlx.OnlyUnknown(err) || d.Name != "" {
		t.Errorf("wrong type: OnlyUnknown=%v name=%q (%v)", tomlx.OnlyUnknown(err), d.Name, err)
	}
}

func TestDecodeForeign(t *testing.T) {
	var d struct {
		Project struct {
			Name string `toml:"name"`
		} `toml:"project"`
		Count int `toml:"count"`
	}
	src := "[project]\nname = \"svc\"\nversion = \"1\"\n[tool.x]\ny = 1\n"
	if err := tomlx.DecodeForeign("pyproject.toml", []byte(src), &d); err != nil || d.Project.Name != "svc" {
		t.Errorf("unknown keys must be ignored: %v, name %q", err, d.Project.Name)
	}
	err := tomlx.DecodeForeign("pyproject.toml", []byte("count = \"3\"\n[project]\nname = 5\n"), &d)
	want := "pyproject.toml:1: count: want a whole number, got the string \"3\"; remove the quotes\npyproject.toml:3: project.name: want a string in quotes, got the number 5"
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"healthcheck", "size_budget", "port", "port_env", "name"}
	for in, want := range map[string]string{
		"healthchek":  "healthcheck",
		"helthcheck":  "healthcheck",
		"sizeBudget":  "size_budget",
		"size-budget": "size_budget",
		"prot":        "port",
		"portenv":     "port_env",
		"colour":      "",
		"x":           "",
		"nam":         "name",
	} {
		if got := tomlx.Suggest(in, keys); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
