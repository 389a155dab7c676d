package textsafe

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Dockerfile", "Dockerfile"},
		{"services/api/Dockerfile", "services/api/Dockerfile"},
		{`C:\app\Dockerfile`, `C:\app\Dockerfile`},
		{"a\tb", "a\tb"},
		{"héllo wörld ✓ 日本", "héllo wörld ✓ 日本"},
		{"x\x1b[2J\x1b[H0 errors", `x\x1b[2J\x1b[H0 errors`},
		{"a\nb\r\nc", `a\nb\r\nc`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"c1\u009b31m", `c1\u009b31m`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"iso\u2066x\u2069", `iso\u2066x\u2069`},
		{"zw\u200bsp\ufeff", `zw\u200bsp\ufeff`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"bell\a", `bell\x07`},
	} {
		if got := String(c.in); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
		if Safe(c.in) != (c.in == c.want) {
			t.Errorf("Safe(%q) = %v", c.in, Safe(c.in))
		}
	}
}

func TestLines(t *testing.T) {
	in := "RUN a \\\n  && b\x1b]0;pwned\x07\r\n"
	want := "RUN a \\\n  && b\\x1b]0;pwned\\x07\\r\n"
	if got := Lines(in); got != want {
		t.Errorf("Lines(%q) = %q, want %q", in, got, want)
	}
}

// FuzzString checks that no output of String holds a byte a terminal acts
// on, that the output is valid UTF-8, and that safe input is unchanged.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a\x1b[2Jb", "\xff\xfe", "\u202e", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		if !utf8.ValidString(out) {
			t.Fatalf("String(%q) = %q: not valid UTF-8", s, out)
		}
		for _, r := range out {
			if (r < 0x20 && r != '\t') || r == 0x7f || unsafeRune(r) && r != '\t' {
				t.Fatalf("String(%q) = %q holds %U", s, out, r)
			}
		}
		if Safe(s) && out != s {
			t.Fatalf("safe %q changed to %q", s, out)
		}
		if !Safe(out) {
			t.Fatalf("String(%q) = %q is not safe", s, out)
		}
	})
}

func TestJSON(t *testing.T) {
	in := map[string]string{"k\u202e": "v\u009b31m\u200b\x1b\n\xff"}
	doc, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	safe := JSON(doc)
	if !Safe(string(safe)) {
		t.Errorf("JSON(%s) = %s is not safe", doc, safe)
	}
	var back map[string]string
	if err := json.Unmarshal(safe, &back); err != nil {
		t.Fatalf("JSON(%s) = %s: %v", doc, safe, err)
	}
	var orig map[string]string
	json.Unmarshal(doc, &orig)
	if !reflect.DeepEqual(back, orig) {
		t.Errorf("decodes to %q, want %q", back, orig)
	}
}

func TestTail(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"a\nb\nc\n", 2, "b\nc"}, {"a\nb", 5, "a\nb"}, {"", 3, ""}, {"x\n\n\n", 1, "x"}} {
		if got := Tail(c.in, c.n); got != c.want {
			t.Errorf("Tail(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
