package config

import "testing"

func TestImplicitTables(t *testing.T) {
	for _, src := range []string{
		"name = \"a\"\nlanguage = \"go\"\nenv.PATH = \"/bin\"\n",
		"name = \"a\"\nlanguage = \"go\"\nlabels.\"org.opencontainers.image.source\" = \"x\"\n",
	} {
		p, err := Parse("slipway.toml", []byte(src))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		if len(p.Env)+len(p.Labels) != 1 {
			t.Fatalf("%q: decoded %+v %+v", src, p.Env, p.Labels)
		}
	}
}
