package build

import "testing"

func TestParseProvenance(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "false": "", "0": "", "true": "min", "1": "min",
		"min": "min", "max": "max", "mode=min": "min", "mode=max": "max",
	} {
		got, err := ParseProvenance(in)
		if err != nil || got != want {
			t.Errorf("ParseProvenance(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"maximal", "mode=", "mode=full", "mode=max,builder-id=x", "type=provenance", "MAX"} {
		if got, err := ParseProvenance(in); err == nil {
			t.Errorf("ParseProvenance(%q) = %q, want an error", in, got)
		}
	}
}
